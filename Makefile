# `make demo` and `make test` set everything up in .venv on first use.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test lint bench clean

$(BIN)/salesbot: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

demo: $(BIN)/salesbot
	$(BIN)/salesbot demo

test: $(BIN)/salesbot
	$(BIN)/pytest -n 2

lint: $(BIN)/salesbot
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bench: $(BIN)/salesbot
	$(BIN)/python bench/import_large.py

clean:
	rm -rf $(VENV) salesbot.db salesbot.db-wal salesbot.db-shm
