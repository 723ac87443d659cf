"""The exported Postman collection, run by newman through nginx -> uWSGI -> app -> PostgreSQL."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests.e2e.stack import ADMIN_EMAIL, ADMIN_PASSWORD, PROJECT_ROOT, Nginx, StackError

POSTMAN = PROJECT_ROOT / "docs" / "postman"
COLLECTION = POSTMAN / "number-inventory.postman_collection.json"
ENVIRONMENT = POSTMAN / "local.postman_environment.json"
NEWMAN = PROJECT_ROOT / "node_modules" / ".bin" / "newman"
NEWMAN_TIMEOUT_SECONDS = 120


def requests_in(item: dict[str, object]) -> int:
    children = item.get("item")
    if isinstance(children, list):
        return sum(requests_in(child) for child in children)
    return 1


def test_every_request_and_assertion_of_the_collection_passes(
    nginx: Nginx, empty_inventory: str, tmp_path: Path
) -> None:
    if not NEWMAN.exists():
        raise StackError(f"{NEWMAN} is missing: `make e2e-tools` installs newman (npm ci)")
    report = tmp_path / "newman.json"
    run = subprocess.run(
        [
            str(NEWMAN),
            "run",
            str(COLLECTION),
            "--environment",
            str(ENVIRONMENT),
            "--env-var",
            f"baseUrl={nginx.url}",
            "--env-var",
            f"adminEmail={ADMIN_EMAIL}",
            "--env-var",
            f"adminPassword={ADMIN_PASSWORD}",
            "--reporters",
            "cli,json",
            "--reporter-json-export",
            str(report),
            "--color",
            "off",
            "--timeout-request",
            "10000",
        ],
        capture_output=True,
        text=True,
        timeout=NEWMAN_TIMEOUT_SECONDS,
        check=False,
        cwd=PROJECT_ROOT,
    )
    print(run.stdout[-6000:])  # newman's summary table, shown by pytest when the test fails
    assert run.returncode == 0, f"newman failed:\n{run.stdout[-6000:]}\n{run.stderr[-2000:]}"
    stats = json.loads(report.read_text())["run"]["stats"]
    expected_requests = requests_in(json.loads(COLLECTION.read_text()))
    assert stats["requests"] == {"total": expected_requests, "pending": 0, "failed": 0}
    assert stats["assertions"]["failed"] == 0
    assert stats["assertions"]["total"] >= 3 * expected_requests  # the collection checks each response
    assert stats["testScripts"]["failed"] == 0
    assert stats["prerequestScripts"]["failed"] == 0
