# Orderwell: `make run` serves a demo on SQLite, `make test` runs every test.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
export ORDERWELL_DATABASE_URL ?= sqlite:///./orderwell.db

.PHONY: run test lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

run: $(VENV)/.installed
	$(BIN)/orderwell db upgrade
	$(BIN)/orderwell demo --if-empty
	@echo "Admin API token (use as 'Authorization: Bearer <token>'; kept in .orderwell-token):"
	@$(BIN)/orderwell token ensure --file .orderwell-token --role admin --name make-run
	@$(BIN)/orderwell user ensure-admin --file .orderwell-admin
	@echo "API on http://127.0.0.1:8000  -  docs on http://127.0.0.1:8000/docs"
	$(BIN)/orderwell serve

test: lint
	$(BIN)/python -m pytest -n 2 $(PYTEST_ARGS)

# Style, formatting, types and the house plan's import contracts (docs/architecture.md).
lint: $(VENV)/.installed
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests
	$(BIN)/mypy
	$(BIN)/lint-imports

bench: $(VENV)/.installed
	$(BIN)/orderwell bench place-orders
	$(BIN)/orderwell bench waves
	$(BIN)/orderwell bench ship
	$(BIN)/orderwell bench outbox

clean:
	rm -rf $(VENV) orderwell.db orderwell.db-wal orderwell.db-shm .orderwell-token
