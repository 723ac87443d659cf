"""Two uWSGI instances behind one nginx upstream share nothing but PostgreSQL: whichever
instance serves a write, every instance reads the same inventory afterwards."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

from tests.e2e.stack import ADMIN_EMAIL, AppServer, Nginx, call, log_in

WRITES = 40


def number(line: int) -> dict[str, str]:
    return {
        "value": f"+1212300{line:04d}",
        "monthyPrice": "0.03",
        "setupPrice": f"{line}.50",
        "currency": "U$",
    }


def test_the_replicas_started_together_on_one_empty_database_and_both_serve(
    app_servers: list[AppServer], admin_token: str
) -> None:
    # Both entrypoints ran `alembic upgrade head` at once on a database with no tables
    # (migrations/env.py serialises them); a lost race would have stopped one of them.
    for server in app_servers:
        assert server.running()
        assert call("GET", f"{server.http_url}/readyz").body == {"status": "ready"}
        assert "the database at" in server.log()
    # Every worker of both started with ADMIN_EMAIL/ADMIN_PASSWORD on a userless database: one
    # of them made the admin, the others found it there.
    users = call("GET", f"{app_servers[1].http_url}/api/v1/users", token=admin_token).body
    assert [user["email"] for user in users if user["role"] == "admin"] == [ADMIN_EMAIL]


def test_a_token_issued_by_one_instance_is_honoured_and_revoked_by_the_other(
    app_servers: list[AppServer],
) -> None:
    first, second = (server.http_url for server in app_servers)
    token = log_in(first)

    me = call("GET", f"{second}/api/v1/auth/me", token=token)
    assert (me.status, me.body["email"]) == (200, ADMIN_EMAIL)

    assert call("DELETE", f"{second}/api/v1/auth/tokens/current", token=token).status == 204
    refused = call("GET", f"{first}/api/v1/auth/me", token=token)
    assert refused.status == 401
    assert refused.headers["WWW-Authenticate"].startswith("Bearer ")


def test_writes_through_both_instances_are_all_read_back_by_each(
    nginx: Nginx, app_servers: list[AppServer], empty_inventory: str, supervisor_token: str
) -> None:
    def create(line: int) -> tuple[int, dict[str, object]]:
        reply = call(
            "POST",
            f"{nginx.url}/api/v1/numbers",
            number(line),
            {"X-Request-ID": f"e2e-write-{line}"},
            token=supervisor_token,
        )
        return reply.status, reply.body

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(create, range(WRITES)))

    assert [status for status, _ in results] == [201] * WRITES
    created = {(body["id"], body["value"], body["setupPrice"]) for _, body in results}
    assert len(created) == WRITES

    for base_url in [nginx.url, *(server.http_url for server in app_servers)]:
        listing = call("GET", f"{base_url}/api/v1/numbers?per_page=100", token=supervisor_token)
        assert listing.headers["X-Total-Count"] == str(WRITES)
        assert {(item["id"], item["value"], item["setupPrice"]) for item in listing.body} == created

    served = [
        set(re.findall(r"number_inventory.access \[(e2e-write-\d+)\] POST", server.log()))
        for server in app_servers
    ]
    assert all(served), f"nginx sent every write to one instance: {[len(ids) for ids in served]}"
    assert set.union(*served) == {f"e2e-write-{line}" for line in range(WRITES)}
    assert not set.intersection(*served)  # nginx never sent a POST twice


def test_one_number_created_through_both_instances_at_once_exists_once(
    app_servers: list[AppServer], empty_inventory: str, supervisor_token: str
) -> None:
    contested = number(9999)
    targets = [server.http_url for server in app_servers] * 6

    with ThreadPoolExecutor(max_workers=len(targets)) as pool:
        statuses = sorted(
            pool.map(
                lambda url: call("POST", f"{url}/api/v1/numbers", contested, token=supervisor_token).status,
                targets,
            )
        )

    assert statuses == [201] + [409] * (len(targets) - 1)
    listing = call("GET", f"{app_servers[1].http_url}/api/v1/numbers", token=supervisor_token)
    assert listing.headers["X-Total-Count"] == "1"
