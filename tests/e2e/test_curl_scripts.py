"""scripts/curl/: one script per operation, each run here against the stack through nginx."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from tests.e2e.stack import ADMIN_EMAIL, ADMIN_PASSWORD, PROJECT_ROOT, Nginx

SCRIPTS = PROJECT_ROOT / "scripts" / "curl"


@dataclass(frozen=True)
class Output:
    exit_code: int
    status: int
    headers: dict[str, str]
    body: object


class Scripts:
    """Runs the scripts as a person would, remembering which ones it ran."""

    def __init__(self, base_url: str) -> None:
        self.env = {**os.environ, "BASE_URL": base_url}
        self.ran: set[str] = set()

    def execute(
        self, script: str, *args: str, env: Mapping[str, str] | None
    ) -> subprocess.CompletedProcess[str]:
        self.ran.add(script)
        return subprocess.run(
            [str(SCRIPTS / script), *args],
            env={**self.env, **(env or {})},
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=15,
            check=False,
        )

    def output(self, script: str, *args: str, env: Mapping[str, str] | None = None) -> str:
        done = self.execute(script, *args, env=env)
        assert done.returncode == 0, f"{script} failed: {done.stdout}{done.stderr}"
        return done.stdout

    def run(self, script: str, *args: str, env: Mapping[str, str] | None = None) -> Output:
        done = self.execute(script, *args, env=env)
        head, _, body = done.stdout.partition("\n\n")  # text mode reads curl's CRLFs as newlines
        status_line, *header_lines = head.splitlines()
        headers = dict(line.split(": ", 1) for line in header_lines)
        status = int(status_line.split()[1])
        return Output(done.returncode, status, headers, json.loads(body) if body.strip() else None)


def test_every_operation_has_a_curl_script_that_works(
    nginx: Nginx, empty_inventory: str, tmp_path: Path
) -> None:
    scripts = Scripts(nginx.url)
    assert scripts.run("healthz.sh").body == {"status": "ok"}
    assert scripts.run("readyz.sh").body == {"status": "ready"}
    assert scripts.run("openapi.sh").body["openapi"].startswith("3.1")  # type: ignore[index]

    logged_in = scripts.run("login.sh", ADMIN_EMAIL, env={"PASSWORD": ADMIN_PASSWORD})
    assert (logged_in.status, sorted(logged_in.body)) == (201, ["expiresAt", "token"])  # type: ignore[arg-type]
    admin = {"TOKEN": scripts.output("token.sh", ADMIN_EMAIL, env={"PASSWORD": ADMIN_PASSWORD}).strip()}
    assert scripts.run("me.sh", env=admin).body["email"] == ADMIN_EMAIL  # type: ignore[index]

    new_user = scripts.run(
        "user-create.sh",
        "curl-supervisor@e2e.example",
        "supervisor",
        env={**admin, "NEW_PASSWORD": "curl-pass-1234"},
    )
    assert (new_user.status, new_user.body["role"]) == (201, "supervisor")  # type: ignore[index]
    user_id = str(new_user.body["id"])  # type: ignore[index]
    assert scripts.run("user-get.sh", user_id, env=admin).body == new_user.body
    assert new_user.body in scripts.run("users.sh", env=admin).body  # type: ignore[operator]
    supervisor = {
        "TOKEN": scripts.output(
            "token.sh", "curl-supervisor@e2e.example", env={"PASSWORD": "curl-pass-1234"}
        ).strip()
    }

    second_device = {
        "TOKEN": scripts.output(
            "token.sh", "curl-supervisor@e2e.example", env={"PASSWORD": "curl-pass-1234"}
        ).strip()
    }
    changed = scripts.run(
        "password.sh",
        env={**supervisor, "PASSWORD": "curl-pass-1234", "NEW_PASSWORD": "curl-pass-5678-renewed"},
    )
    assert changed.status == 204
    assert scripts.run("me.sh", env=second_device).status == 401  # every other token is revoked

    created = scripts.run("create.sh", env={**supervisor, "IDEMPOTENCY_KEY": "curl-create-1"})
    assert (created.exit_code, created.status) == (0, 201)
    number_id = str(created.body["id"])  # type: ignore[index]
    assert created.headers["Location"] == f"{nginx.url}/api/v1/numbers/{number_id}"
    replayed = scripts.run("create.sh", env={**supervisor, "IDEMPOTENCY_KEY": "curl-create-1"})
    assert (replayed.status, replayed.body) == (201, created.body)

    assert scripts.run("get.sh", number_id, env=supervisor).body == created.body
    listed = scripts.run("list.sh", "1", "10", env=supervisor)
    assert (listed.status, listed.headers["X-Total-Count"], listed.body) == (200, "1", [created.body])

    stale = scripts.run("patch.sh", number_id, env={**supervisor, "IF_MATCH": '"stale"'})
    assert (stale.exit_code, stale.status) == (22, 412)
    patched = scripts.run("patch.sh", number_id, env={**supervisor, "IF_MATCH": created.headers["ETag"]})
    assert (patched.status, patched.body["setupPrice"]) == (200, "10.00")  # type: ignore[index]
    replacement = '{"value": "+5584912344321", "monthyPrice": "1", "setupPrice": "2.50", "currency": "R$"}'
    replaced = scripts.run("replace.sh", number_id, replacement, env=supervisor)
    assert (replaced.status, replaced.body["currency"]) == (200, "R$")  # type: ignore[index]

    assert scripts.run("delete.sh", number_id, env=supervisor).status == 204
    gone = scripts.run("get.sh", number_id, env=supervisor)
    assert (gone.exit_code, gone.status) == (22, 404)  # an error status fails the script
    history = scripts.run("history.sh", number_id, env=supervisor)
    assert [entry["action"] for entry in history.body] == ["delete", "replace", "patch", "create"]  # type: ignore[union-attr]
    assert history.body[0]["requestId"] != history.body[1]["requestId"]  # type: ignore[index]

    csv = tmp_path / "numbers.csv"
    csv.write_text("value;monthyPrice;setupPrice;currency\n+12125550143;1.5;2;USD\nnot-a-number;1;1;USD\n")
    imported = scripts.run("import.sh", str(csv), "skip-invalid", env=supervisor)
    assert (imported.status, imported.body["created"], imported.body["skipped"]) == (200, 1, 1)  # type: ignore[index]
    refused = scripts.run("import.sh", str(csv), env=supervisor)  # all-or-nothing: the bad row
    assert (refused.exit_code, refused.status) == (22, 422)
    spreadsheet = tmp_path / "spreadsheet.csv"
    spreadsheet.write_text("Value;MonthyPrice;SetupPrice;Currency\n+12125550144;1,50;2,00;USD\n")
    uploaded = scripts.run("import.sh", str(spreadsheet), env={**supervisor, "FORM": "1"})
    assert (uploaded.status, uploaded.body["created"]) == (200, 1)  # type: ignore[index]
    unknown_job = scripts.run("import-status.sh", "2147483647", env=supervisor)
    assert (unknown_job.exit_code, unknown_job.status) == (22, 404)
    exported = scripts.output("export.sh", "prefix=1212555", env=supervisor)
    assert exported.splitlines() == [
        "value,monthyPrice,setupPrice,currency",
        "+12125550143,1.50,2.00,U$",
        "+12125550144,1.50,2.00,U$",
    ]
    preview = scripts.run(
        "bulk-change.sh", '{"prefix": "1212555"}', '{"monthyPrice": "0.05"}', "dry-run", env=supervisor
    )
    assert (preview.status, preview.body["count"]) == (200, 2)  # type: ignore[index]
    stale_count = scripts.run(
        "bulk-change.sh", '{"prefix": "1212555"}', '{"monthyPrice": "0.05"}', "7", env=supervisor
    )
    assert (stale_count.exit_code, stale_count.status, stale_count.body["count"]) == (22, 412, 2)  # type: ignore[index]
    bulk = scripts.run(
        "bulk-change.sh", '{"prefix": "1212555"}', '{"monthyPrice": "0.05"}', "2", env=supervisor
    )
    assert (bulk.status, bulk.body["count"]) == (200, 2)  # type: ignore[index]
    logged = scripts.run("changes.sh", "action=bulk-change", env=supervisor)
    assert [(entry["id"], entry["count"]) for entry in logged.body] == [(bulk.body["bulkChangeId"], 2)]  # type: ignore[index, union-attr]
    log_csv = scripts.output("changes.sh", "action=bulk-change", env={**supervisor, "ACCEPT": "text/csv"})
    assert log_csv.splitlines()[0].startswith("id,at,actorId,actorEmail,requestId,action")

    demoted = scripts.run("user-update.sh", user_id, '{"active": false}', env=admin)
    assert (demoted.status, demoted.body["active"]) == (200, False)  # type: ignore[index]
    assert scripts.run("me.sh", env=supervisor).status == 401  # deactivation revoked the token
    assert scripts.run("user-delete.sh", user_id, env=admin).status == 204
    assert scripts.run("logout.sh", env=admin).status == 204
    assert scripts.run("me.sh", env=admin).status == 401

    assert scripts.ran == {path.name for path in SCRIPTS.glob("*.sh")} - {"common.sh"}
