# Quick start (README): `make demo` runs the main job end to end on the shipped example,
# `make test` runs the whole test suite (ruff, mypy --strict, lint-imports, pytest). Both create .venv first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint-self bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	@echo "== authmd init: generate the site from examples/authmd.yaml into demo-site/"
	$(BIN)/authmd init --config examples/authmd.yaml --out demo-site --yes --force
	@echo "== authmd lint: the generated site (auth.md + both discovery documents, cross-checked)"
	$(BIN)/authmd lint demo-site
	@echo "== authmd lint: a legacy v0.4 site, to show detection and migration hints"
	-$(BIN)/authmd lint examples/legacy-site
	@bash examples/demo-live.sh $(BIN)

test: $(STAMP)
	$(BIN)/ruff check authmd_cli tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache
	$(BIN)/pytest -q

bench: $(STAMP)
	$(BIN)/python bench/startup.py
	$(BIN)/python bench/corpus.py examples/broken-site examples/legacy-site

clean:
	rm -rf $(VENV) demo-site .pytest_cache .mypy_cache .ruff_cache
