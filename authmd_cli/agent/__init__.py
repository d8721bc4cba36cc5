"""`authmd simulate`: a well-behaved test agent that runs every flow against a live service and
checks each answer (issue 10). Flows are generators (`flows.py`, `negative.py`); `driver.py` runs
them over `core.net`; `checks.py` turns answers into SM diagnostics; `report.py` renders."""
