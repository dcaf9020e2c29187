# Developer entry points. A fresh machine needs only python3 (3.11+), pip and make.
# The venv is (re)installed only when pyproject.toml changes, via the stamp file.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help install run test lint bench clean

help:
	@echo "make install  create $(VENV) and install carepath with dev tools"
	@echo "make run      start the service with demo data"
	@echo "make test     run the test suite"
	@echo "make lint     ruff check + mypy (strict)"
	@echo "make bench    run the benchmark (write, history, HTTP, read side; ~10 min)"
	@echo "make clean    remove the venv and caches (keeps ./data, the local event store)"

$(BIN)/python:
	@echo "==> creating virtualenv in $(VENV)"
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	@echo "==> installing carepath and dev tools into $(VENV) (pyproject.toml changed)"
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	@echo "==> starting carepath with demo data"
	$(BIN)/carepath serve --demo

test: $(STAMP)
	@echo "==> running tests"
	$(BIN)/python -m pytest

lint: $(STAMP)
	@echo "==> ruff: lint rules"
	$(BIN)/ruff check
	@echo "==> mypy: strict type check"
	$(BIN)/mypy

bench: $(STAMP)
	@echo "==> running the benchmark"
	$(BIN)/python -m bench --repeat 3

clean:
	@echo "==> removing $(VENV), caches and build output (./data is kept)"
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis build dist *.egg-info
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
