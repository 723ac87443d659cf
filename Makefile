# Every target installs what it needs into .venv first; `make help` lists them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
PORT ?= 8000
N ?= 800
FLASK := $(BIN)/flask --app src.web.app

.DEFAULT_GOAL := help
.PHONY: help venv run test unit integration lint fmt migrate revision seed bench-table clean

help: ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-12s %s\n", $$1, $$2}'

$(INSTALLED): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[dev]"
	touch $@

venv: $(INSTALLED) ## Create or update .venv

# For `make run` only: a local admin made on first start. Production sets its own, with no default.
ADMIN_EMAIL ?= admin@localhost
ADMIN_PASSWORD ?= local-admin-password

run: migrate ## Serve on http://127.0.0.1:$PORT (SQLite under instance/ unless DATABASE_URL is set)
	@echo "Log in (local admin $(ADMIN_EMAIL), created on first start if there is no user yet):"
	@echo "  curl -s -X POST http://127.0.0.1:$(PORT)/api/v1/auth/tokens -H 'Content-Type: application/json' \\"
	@echo "    -d '{\"email\": \"$(ADMIN_EMAIL)\", \"password\": \"$(ADMIN_PASSWORD)\"}'"
	@echo "then send the token as 'Authorization: Bearer <token>' (Swagger UI: the Authorize button)."
	ADMIN_EMAIL='$(ADMIN_EMAIL)' ADMIN_PASSWORD='$(ADMIN_PASSWORD)' $(FLASK) run --host 127.0.0.1 --port $(PORT)

test: lint ## Lint, then unit and integration tests (SQLite and a PostgreSQL the suite starts)
	$(BIN)/pytest

unit: venv ## Unit tests only: no database, no Flask
	$(BIN)/pytest tests/unit

integration: venv ## Integration tests only
	$(BIN)/pytest tests/integration

lint: venv ## ruff check, ruff format --check, mypy (strict on domain and application)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

fmt: venv ## Format and fix what ruff can
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

migrate: venv ## Apply the migrations to DATABASE_URL (default SQLite under instance/)
	$(BIN)/alembic upgrade head

revision: venv ## New migration from the tables: make revision m="what changes"
	$(BIN)/alembic revision --autogenerate -m "$(m)"

seed: migrate ## Load the demo inventory (N=800 numbers, bulk: N=1000000 works); idempotent
	$(FLASK) seed --count $(N)

BENCH_N ?= 1000000
bench-table: venv ## Table at scale on a throwaway PostgreSQL: import, export, list (BENCH_N=1000000)
	$(BIN)/python scripts/bench_table.py $(BENCH_N)

clean: ## Remove .venv and caches (keeps instance/)
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
