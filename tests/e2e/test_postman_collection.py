"""The exported Postman collection, run by newman through nginx -> uWSGI -> app -> PostgreSQL."""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from src.bootstrap import create_app
from src.infrastructure.settings import Settings
from src.web.inventory import inventory
from src.web.openapi import COMMON_PROBLEMS, build_openapi
from tests.e2e.stack import ADMIN_EMAIL, ADMIN_PASSWORD, PROJECT_ROOT, Nginx, StackError

POSTMAN = PROJECT_ROOT / "docs" / "postman"
COLLECTION = POSTMAN / "number-inventory.postman_collection.json"
ENVIRONMENT = POSTMAN / "local.postman_environment.json"
NEWMAN = PROJECT_ROOT / "node_modules" / ".bin" / "newman"
NEWMAN_TIMEOUT_SECONDS = 120
BASE_URL = "{{baseUrl}}"
# Documented answers that no request can provoke safely: 500 and 503 (a bug, the database
# down), the 409 of two writers racing, and an import over MAX_IMPORT_BYTES (200 MiB; the
# suite's test_imports_through_nginx shows nginx applies that limit, not the 1 MiB one).
UNPROVOKABLE = {
    ("DELETE", "/api/v1/numbers/{number_id}", 409),
    ("POST", "/api/v1/numbers/imports", 413),
}
Operation = tuple[str, str]  # method, OpenAPI path template


def requests_in(item: dict[str, object]) -> int:
    children = item.get("item")
    if isinstance(children, list):
        return sum(requests_in(child) for child in children)
    return 1


def collection_requests(item: dict[str, Any]) -> Iterable[tuple[str, list[str]]]:
    """(method, path segments) of every request, folders flattened; segments may be {{variables}}."""
    children = item.get("item")
    if isinstance(children, list):
        for child in children:
            yield from collection_requests(child)
        return
    request = item["request"]
    raw = request["url"]["raw"]
    if raw.startswith(BASE_URL):  # not a link followed from a response
        yield request["method"], raw.removeprefix(BASE_URL).partition("?")[0].split("/")


def documented_operations(tmp_path: Path) -> dict[Operation, set[int]]:
    """Every operation of the app's own OpenAPI document, with the statuses it documents."""
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'openapi.sqlite3'}")
    app = create_app(settings)
    with app.app_context():
        document = build_openapi(app, inventory().settings)
        inventory().dispose()
    return {
        (method.upper(), path): {int(status) for status in spec["responses"]}
        for path, methods in document["paths"].items()
        for method, spec in methods.items()
    }


def operation_of(method: str, segments: list[str], templates: Iterable[str]) -> Operation | None:
    """The documented operation a request calls: a template's {parameter} matches any segment, but
    a literal segment wins (/numbers/imports is not /numbers/{number_id})."""
    segments = [segment for segment in segments if segment]
    for template in sorted(templates, key=lambda template: template.count("{")):
        parts = [part for part in template.split("/") if part]
        if len(parts) == len(segments) and all(
            part == segment or re.fullmatch(r"\{\w+\}", part)
            for part, segment in zip(parts, segments, strict=True)
        ):
            return method, template
    return None


def test_the_collection_calls_every_documented_operation(tmp_path: Path) -> None:
    documented = documented_operations(tmp_path)
    templates = [path for _, path in documented]
    called = {
        operation_of(method, segments, templates)
        for method, segments in collection_requests(json.loads(COLLECTION.read_text()))
    }
    missing = sorted(set(documented) - called)
    assert not missing, (
        f"operations of the OpenAPI document that no request of the collection calls: {missing}"
    )


def run_newman(
    base_url: str,
    report: Path,
    admin: tuple[str, str] | None = (ADMIN_EMAIL, ADMIN_PASSWORD),
    request_timeout_ms: int = 10_000,
) -> dict[str, Any]:
    """One run of the collection with its local environment, against base_url and as admin (None:
    the environment file's own admin); newman's JSON report of it."""
    if not NEWMAN.exists():
        raise StackError(f"{NEWMAN} is missing: `make e2e-tools` installs newman (npm ci)")
    run = subprocess.run(
        [
            str(NEWMAN),
            "run",
            str(COLLECTION),
            "--environment",
            str(ENVIRONMENT),
            "--env-var",
            f"baseUrl={base_url}",
            *(
                ()
                if admin is None
                else ("--env-var", f"adminEmail={admin[0]}", "--env-var", f"adminPassword={admin[1]}")
            ),
            "--reporters",
            "cli,json",
            "--reporter-json-export",
            str(report),
            "--color",
            "off",
            "--timeout-request",
            str(request_timeout_ms),
        ],
        capture_output=True,
        text=True,
        timeout=NEWMAN_TIMEOUT_SECONDS,
        check=False,
        cwd=PROJECT_ROOT,
    )
    print(run.stdout[-6000:])  # newman's summary table, shown by pytest when the test fails
    assert run.returncode == 0, f"newman failed:\n{run.stdout[-6000:]}\n{run.stderr[-2000:]}"
    result: dict[str, Any] = json.loads(report.read_text())["run"]
    return result


def test_every_request_and_assertion_of_the_collection_passes_twice_in_a_row(
    nginx: Nginx, empty_inventory: str, tmp_path: Path
) -> None:
    expected_requests = requests_in(json.loads(COLLECTION.read_text()))
    # Twice on one database: what it creates is random (emails, numbers, keys) and cleaned up.
    runs = [run_newman(nginx.url, tmp_path / f"newman-{attempt}.json") for attempt in (1, 2)]
    for run in runs:
        stats = run["stats"]
        # newman also counts the import job's polls (pm.sendRequest) as requests: count the items run.
        assert len({execution["item"]["id"] for execution in run["executions"]}) == expected_requests
        assert stats["requests"]["pending"] == 0
        assert stats["requests"]["failed"] == 0
        assert stats["assertions"]["failed"] == 0
        assert stats["assertions"]["total"] >= 3 * expected_requests  # the collection checks each response
        assert stats["testScripts"]["failed"] == 0
        assert stats["prerequestScripts"]["failed"] == 0

    # Every documented answer of every operation was seen, but those no request can provoke.
    documented = documented_operations(tmp_path)
    templates = [path for _, path in documented]
    seen = set()
    for execution in runs[0]["executions"]:
        operation = operation_of(
            execution["request"]["method"], execution["request"]["url"]["path"], templates
        )
        if operation is not None:
            seen.add((*operation, execution["response"]["code"]))
    expected = {
        (method, path, status)
        for (method, path), statuses in documented.items()
        for status in statuses
        if status not in COMMON_PROBLEMS
    } - UNPROVOKABLE
    assert not sorted(expected - seen), (
        f"documented answers the collection never provoked: {sorted(expected - seen)}"
    )
