# The two commands of the quick start: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
WEB_STAMP := web/node_modules/.installed

.PHONY: setup ui demo serve test lint webtest lock clean bench

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

$(WEB_STAMP): web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund --loglevel=error
	touch $(WEB_STAMP)

## Build the agent desktop into src/ringback/ui, its API client generated from the OpenAPI document.
ui: $(STAMP) $(WEB_STAMP)
	$(BIN)/ringback openapi --output web/openapi.json
	cd web && npm run --silent build

setup: $(STAMP) ui

## Set up, migrate ./var/ringback.db, load the demo config and data, serve on :8000.
demo: setup
	$(BIN)/ringback demo

## Lint, type-check, then the whole test suite (SQLite and PostgreSQL, the browser included).
test: setup lint webtest
	$(BIN)/pytest -n 2
	$(BIN)/pytest -n 2 -m browser tests/e2e/desktop

## The desktop's own unit tests (Vitest).
webtest: setup
	cd web && npm test --silent

lint: setup
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

## Re-pin every dependency after changing pyproject.toml.
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet -e '.[dev]'
	.lock-venv/bin/python -m pip freeze --exclude-editable | grep -v '^ringback' > constraints.txt
	rm -rf .lock-venv

clean:
	rm -rf $(VENV) var test-artifacts .pytest_cache .mypy_cache .ruff_cache
	rm -rf web/node_modules web/openapi.json web/src/api/schema.d.ts src/ringback/ui

## Every benchmark on both engines (PostgreSQL at RINGBACK_TEST_POSTGRES_URL), figures in bench-results.json.
bench: $(STAMP)
	$(BIN)/ringback bench all --db all --size $(or $(SIZE),small) --json bench-results.json
