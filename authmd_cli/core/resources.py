"""Where the packaged data directories are: `schemas/` and `templates/`.

In an installed wheel they ship inside the package (`authmd_cli/_data/schemas`, `authmd_cli/_data/templates`:
hatch force-include, see pyproject); in a source tree or editable install they sit at the top of
the repository next to `authmd_cli/`. Cheap on purpose: stdlib only, no I/O beyond two `is_dir`.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parents[1]  # authmd_cli/ (this module lives in authmd_cli/core/)


def _data_dir(name: str) -> Path:
    # `_data/` rather than `authmd_cli/schemas/`: a directory beside `schemas.py` of the same name
    # would shadow nothing today but confuses every reader and tool.
    inside = _PACKAGE / "_data" / name
    if inside.is_dir():
        return inside
    # Source tree / editable install: <repo>/authmd_cli/.. /<name>. Returned even when missing so
    # callers report a clear "not found" for the path they expected.
    return _PACKAGE.parent / name


def schemas_dir() -> Path:
    """Directory holding `*.schema.json` and `index.json`."""
    return _data_dir("schemas")


def templates_dir() -> Path:
    """Directory holding the Jinja2 templates for `authmd init`."""
    return _data_dir("templates")
