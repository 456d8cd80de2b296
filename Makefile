# Two commands do all the set-up on a fresh Debian machine:
#   make run    start the workstation (SQLite in the user-data folder, demo on first start)
#   make test   lint, import contracts, tests on SQLite and PostgreSQL, migration check
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup run test lint test-sqlite test-postgresql migrations-check lock clean

$(STAMP): pyproject.toml requirements.lock installer/debian-packages.txt
	bash installer/install_debian_packages.sh
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

run: setup
	$(BIN)/ptw gui

test: setup lint test-sqlite test-postgresql migrations-check

lint: setup
	$(BIN)/ruff check .
	$(BIN)/lint-imports

test-sqlite: setup
	$(BIN)/pytest -q

# Runs the database tests again on a real PostgreSQL server: the one named by
# PTW_TEST_POSTGRES_URL (.ci/run starts one), else a throwaway server started here.
test-postgresql: setup
	@if [[ -n "$$PTW_TEST_POSTGRES_URL" ]]; then \
	    PTW_TEST_BACKEND=postgresql $(BIN)/pytest -q -m database; \
	else \
	    dir=$$(mktemp -d); url=$$(bash tests/postgres_server.sh start $$dir) || exit 1; \
	    PTW_TEST_POSTGRES_URL=$$url PTW_TEST_BACKEND=postgresql $(BIN)/pytest -q -m database; \
	    status=$$?; bash tests/postgres_server.sh stop $$dir; exit $$status; \
	fi

# `alembic upgrade head` then `alembic check`: the models and the migrations agree.
migrations-check: setup
	@dir=$$(mktemp -d); \
	PTW_DATA_DIR=$$dir $(BIN)/alembic upgrade head && PTW_DATA_DIR=$$dir $(BIN)/alembic check; \
	status=$$?; rm -rf $$dir; exit $$status

# Re-pin every dependency after changing pyproject.toml.
lock:
	$(BIN)/python -m pip freeze --exclude-editable > requirements.lock

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
