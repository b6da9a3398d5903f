# `make demo` and `make test` set everything up in .venv on first use.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test lint bench clean

# Stamps in the venv: `make demo` installs the runtime only; `make test` and `make lint` add the dev tools
# (a venv made by `make demo` gets them on the first `make test`); editing pyproject.toml redoes both.
RUNTIME := $(VENV)/.runtime-installed
DEV := $(VENV)/.dev-installed

$(RUNTIME): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $@

$(DEV): $(RUNTIME)
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

demo: $(RUNTIME)
	$(BIN)/salesbot demo

test: $(DEV)
	$(BIN)/pytest -n 2

lint: $(DEV)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bench: $(RUNTIME)
	$(BIN)/python bench/import_large.py

clean:
	rm -rf $(VENV) salesbot.db salesbot.db-wal salesbot.db-shm
