PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
EXAMPLE := examples/artifactdb/artifactdb.yaml

.PHONY: demo test lint typecheck clean

$(BIN)/adb-manager: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

demo: $(BIN)/adb-manager
	$(BIN)/adb-manager validate $(EXAMPLE)
	$(BIN)/adb-manager plan $(EXAMPLE)
	$(BIN)/adb-manager build $(EXAMPLE) --features

lint: $(BIN)/adb-manager
	$(BIN)/ruff check adb_manager tests examples
	$(BIN)/ruff format --check adb_manager tests examples

typecheck: $(BIN)/adb-manager
	$(BIN)/mypy

test: lint typecheck
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) dist build .pytest_cache .mypy_cache .ruff_cache .hypothesis
