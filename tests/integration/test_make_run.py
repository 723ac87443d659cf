"""`make run` as a frontend engineer meets it: it logs in its local admin, answers a browser's
preflight from a local dev server's origin, and logs each request once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from src.infrastructure.settings import PROJECT_ROOT
from tests.integration.postgres_cluster import free_port

START_SECONDS = 60


@dataclass
class Served:
    url: str
    log: Path


@pytest.fixture
def make_run(tmp_path: Path) -> Iterator[Served]:
    port = free_port()
    log = tmp_path / "make-run.log"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'inventory.sqlite3'}",
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
    }
    env.pop("CORS_ORIGINS", None)
    with log.open("wb") as output:
        process = subprocess.Popen(
            ["make", "--no-print-directory", "run", f"PORT={port}"],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # make and the server it starts: one process group to stop
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_SECONDS
        while not answers(f"{url}/healthz"):
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, f"make run did not answer: {log.read_text()}"
            time.sleep(0.2)
        yield Served(url, log)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def call(
    method: str, url: str, headers: dict[str, str], body: bytes | None = None
) -> tuple[int, dict[str, str]]:
    request = urllib.request.Request(url, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers)


def test_make_run_lets_a_local_frontend_call_it_and_logs_each_request_once(make_run: Served) -> None:
    status, headers = call(
        "OPTIONS",
        f"{make_run.url}/api/v1/numbers",
        {
            "Origin": "http://localhost:3000",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )
    assert status == 204
    assert headers["Access-Control-Allow-Origin"] == "http://localhost:3000"
    assert "Authorization" in headers["Access-Control-Allow-Headers"]

    login = json.dumps({"email": "admin@localhost", "password": "local-admin-password"}).encode()
    status, headers = call(
        "POST",
        f"{make_run.url}/api/v1/auth/tokens",
        {"Origin": "http://127.0.0.1:5173", "Content-Type": "application/json"},
        login,
    )
    assert status == 201  # the local admin that make run creates
    assert headers["Access-Control-Allow-Origin"] == "http://127.0.0.1:5173"
    assert "Content-Disposition" in headers["Access-Control-Expose-Headers"]

    _, elsewhere = call("GET", f"{make_run.url}/healthz", {"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in elsewhere

    # Both the app and the development server log before the response leaves (stderr is line
    # buffered), so by now every line about the login is in the log: one, the app's access line.
    logged = [line for line in make_run.log.read_text().splitlines() if "POST /api/v1/auth/tokens" in line]
    assert len(logged) == 1, logged
    assert " 201 " in logged[0]
