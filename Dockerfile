# The number inventory API: uWSGI serving the Flask app, behind nginx (docker-compose.prod.yml).
# Stages: `build` compiles the wheels (uWSGI has none), `runtime` is what production runs (no
# compiler, non-root), `test` is the whole suite's machine (docker-compose.test.yml, make test).

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
RUN apt-get update \
    && apt-get install -y --no-install-recommends gcc libc6-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /build
# Only what names the dependencies, so this layer is rebuilt when they change, not the code.
COPY pyproject.toml constraints.txt README.md ./
RUN pip wheel --no-cache-dir --wheel-dir /wheels -c constraints.txt ".[server]" \
    && rm /wheels/number_inventory-*.whl

FROM ${PYTHON_IMAGE} AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /app --no-create-home --shell /usr/sbin/nologin app
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir --no-index /wheels/*.whl && rm -rf /wheels
WORKDIR /app
COPY alembic.ini ./
COPY migrations ./migrations
COPY deploy ./deploy
COPY src ./src
USER 10001:10001
# 3031: the uwsgi protocol, for nginx. 8000 (loopback only): plain HTTP for the health check.
EXPOSE 3031
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2)"]
# Waits for the database, migrates, then execs uWSGI (or the command given).
ENTRYPOINT ["deploy/entrypoint.sh"]

FROM ${PYTHON_IMAGE} AS test
# postgresql: the reliability suite stops and restarts a cluster of its own (initdb, pg_ctl);
# the other suites use the compose file's database. chromium: the Swagger UI browser test.
# curl: the scripts/curl tests.
RUN apt-get update \
    && apt-get install -y --no-install-recommends chromium curl gcc libc6-dev make nginx nodejs npm postgresql \
    && rm -rf /var/lib/apt/lists/*
# The suite writes .venv, node_modules and its caches into /src: the user running it owns it.
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --create-home --shell /bin/bash app \
    && mkdir /src \
    && chown app:app /src
WORKDIR /src
USER 10001:10001
# The dependencies from the files that name them (and the Makefile and prerequisites check that
# install them), before the code: a change of code alone builds from this cached layer. The
# package's own files are empty stand-ins here (the README is only its long description); the code
# overwrites them below.
COPY --chown=app:app Makefile pyproject.toml constraints.txt package.json package-lock.json ./
COPY --chown=app:app scripts/prerequisites.sh scripts/
RUN mkdir src \
    && touch README.md src/__init__.py \
    && make VENV=/src/.venv venv e2e-tools
COPY --chown=app:app . .
# The copied pyproject.toml and constraints.txt may be newer than the install of the same content
# above: mark that install current rather than let `make` repeat it at every run.
RUN make VENV=/src/.venv --touch venv e2e-tools
ENTRYPOINT []
CMD ["make", "test-here"]
