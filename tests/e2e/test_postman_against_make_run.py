"""The Postman collection with its local environment (docs/postman/local.postman_environment.json)
passes against what `make run` serves: Flask's threaded development server on an SQLite file, with
the local admin it makes on first start. There imports are answered in their request (SQLite has no
job queue), and the collection follows what the server answered."""

from __future__ import annotations

import json
import os
import re
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.stack import VENV_BIN, Process
from tests.e2e.test_postman_collection import (
    COLLECTION,
    ENVIRONMENT,
    requests_in,
    run_newman,
)
from tests.integration.conftest import migrate
from tests.integration.postgres_cluster import free_port

PROJECT_ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_SECONDS = 30


def environment_value(key: str) -> str:
    values = json.loads(ENVIRONMENT.read_text())["values"]
    value: str = next(entry["value"] for entry in values if entry["key"] == key)
    return value


def makefile_default(variable: str) -> str:
    match = re.search(rf"^{variable} \?= (.*)$", (PROJECT_ROOT / "Makefile").read_text(), re.MULTILINE)
    assert match, f"the Makefile sets no default {variable}"
    return match.group(1).strip()


@pytest.fixture
def make_run_server(tmp_path: Path) -> Iterator[str]:
    """`make run`'s server: migrations applied, then `flask run` with the Makefile's local admin."""
    database_url = f"sqlite:///{tmp_path / 'number_inventory.sqlite3'}"
    migrate(database_url)
    port = free_port()
    server = Process("flask-run", tmp_path / "flask-run.log")
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "ADMIN_EMAIL": makefile_default("ADMIN_EMAIL"),
        "ADMIN_PASSWORD": makefile_default("ADMIN_PASSWORD"),
        "CORS_ORIGINS": makefile_default("CORS_ORIGINS"),
        "DEVELOPMENT": makefile_default("DEVELOPMENT"),
    }
    server.launch(
        [
            str(VENV_BIN / "flask"),
            "--app",
            "src.bootstrap",
            "run",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        env,
        PROJECT_ROOT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while True:
            try:
                with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:
                    if response.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError):
                pass
            if not server.running() or time.monotonic() > deadline:
                raise server.failure("did not answer /healthz")
            time.sleep(0.1)  # polling the condition above, with its deadline
        yield url
    finally:
        server.stop()


def test_the_local_environment_names_make_runs_server_and_admin() -> None:
    assert environment_value("baseUrl") == f"http://127.0.0.1:{makefile_default('PORT')}"
    assert environment_value("adminEmail") == makefile_default("ADMIN_EMAIL")
    assert environment_value("adminPassword") == makefile_default("ADMIN_PASSWORD")


def test_the_collection_passes_against_make_run_with_its_local_environment(
    make_run_server: str, tmp_path: Path
) -> None:
    # The one difference from `make run`: a free port rather than 8000; the admin is the file's.
    run = run_newman(make_run_server, tmp_path / "newman.json", admin=None, request_timeout_ms=30_000)
    stats = run["stats"]
    assert stats["assertions"]["failed"] == 0
    assert stats["requests"]["failed"] == 0
    assert len({execution["item"]["id"] for execution in run["executions"]}) == (
        requests_in(json.loads(COLLECTION.read_text()))
    )
