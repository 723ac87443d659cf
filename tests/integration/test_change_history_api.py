"""The change history and bulk changes through HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from src.web.blueprints.changes import CSV_COLUMNS
from src.web.inventory import EXTENSION_KEY
from tests.conftest import client_as

NUMBERS = "/api/v1/numbers"
CHANGES = "/api/v1/changes"
BULK = "/api/v1/numbers/bulk-changes"
USERS = "/api/v1/users"
CSV_HEADER = ",".join(CSV_COLUMNS)
EXAMPLE = {"value": "+55 84 91234-4321", "monthyPrice": "0.03", "setupPrice": "3.40", "currency": "U$"}


def me(client: FlaskClient) -> str:
    email: str = client.get("/api/v1/auth/me").json["email"]  # type: ignore[index]
    return email


def json_of(response: TestResponse, status: int = 200) -> Any:
    assert response.status_code == status, response.data
    return response.json


def stock(client: FlaskClient, brazilian: int, american: int) -> list[int]:
    ids = []
    for n in range(brazilian):
        ids.append(
            json_of(client.post(NUMBERS, json={**EXAMPLE, "value": f"+55 84 91234-{n:04d}"}), 201)["id"]
        )
    for n in range(american):
        ids.append(json_of(client.post(NUMBERS, json={**EXAMPLE, "value": f"+1 415 555-{n:04d}"}), 201)["id"])
    return ids


def test_create_patch_delete_show_in_the_history_newest_first(client: FlaskClient) -> None:
    created = client.post(NUMBERS, json=EXAMPLE, headers={"X-Request-ID": "create-1"})
    number_id = json_of(created, 201)["id"]
    patched = client.patch(f"{NUMBERS}/{number_id}", json={"monthyPrice": "0.05"})
    deleted = client.delete(f"{NUMBERS}/{number_id}")
    assert deleted.status_code == 204
    history = json_of(client.get(f"{NUMBERS}/{number_id}/history"))
    assert [entry["action"] for entry in history] == ["delete", "patch", "create"]
    assert {entry["actorEmail"] for entry in history} == {me(client)}
    assert [entry["requestId"] for entry in history] == [
        deleted.headers["X-Request-ID"],
        patched.headers["X-Request-ID"],
        "create-1",
    ]
    assert history[1]["fields"] == {"monthyPrice": {"before": "0.03", "after": "0.05"}}
    assert history[2]["fields"]["value"] == {"before": None, "after": "+55 84 91234-4321"}
    assert history[2]["fields"]["currency"] == {"before": None, "after": "U$"}
    assert history[0]["subject"] == "+55 84 91234-4321"


def test_a_failed_write_leaves_no_record(client: FlaskClient) -> None:
    number_id = json_of(client.post(NUMBERS, json=EXAMPLE), 201)["id"]
    client.post(NUMBERS, json={**EXAMPLE, "value": "+55 84 91234-4322"})
    taken = client.patch(f"{NUMBERS}/{number_id}", json={"value": "+55 84 91234-4322", "monthyPrice": "1"})
    assert taken.status_code == 409
    stale = client.patch(f"{NUMBERS}/{number_id}", json={"monthyPrice": "1"}, headers={"If-Match": '"1.99"'})
    assert stale.status_code == 412
    assert [entry["action"] for entry in json_of(client.get(f"{NUMBERS}/{number_id}/history"))] == ["create"]


def test_history_is_keyset_paged(client: FlaskClient) -> None:
    number_id = json_of(client.post(NUMBERS, json=EXAMPLE), 201)["id"]
    for price in ("0.04", "0.05", "0.06", "0.07"):
        client.patch(f"{NUMBERS}/{number_id}", json={"monthyPrice": price})
    first = client.get(f"{NUMBERS}/{number_id}/history", query_string={"per_page": 3})
    assert [entry["fields"]["monthyPrice"]["after"] for entry in json_of(first)] == ["0.07", "0.06", "0.05"]
    next_url = first.headers["Link"].split("<")[2].split(">")[0]
    rest = json_of(client.get(next_url))
    assert [entry["action"] for entry in rest] == ["patch", "create"]
    assert 'rel="next"' not in client.get(next_url).headers["Link"]


def test_history_of_a_number_that_never_was_is_404(client: FlaskClient) -> None:
    assert client.get(f"{NUMBERS}/999/history").status_code == 404
    assert client.get(f"{NUMBERS}/{2**70}/history").status_code == 404  # past any id column
    for number_id in (0, 999):  # with a cursor too: an empty page past it is no proof of a number
        assert client.get(f"{NUMBERS}/{number_id}/history?cursor=1000").status_code == 404


def test_the_change_log_filters_by_number_in_any_spelling_actor_action_and_time(
    app: Flask, client: FlaskClient
) -> None:
    other = client_as(app, "supervisor")
    first = json_of(client.post(NUMBERS, json=EXAMPLE), 201)["id"]
    json_of(other.post(NUMBERS, json={**EXAMPLE, "value": "+1 415 555-0100"}), 201)
    client.patch(f"{NUMBERS}/{first}", json={"setupPrice": "9"})
    by_number = json_of(client.get(CHANGES, query_string={"number": "+55 (84) 91234-4321"}))
    assert [(entry["action"], entry["subjectId"]) for entry in by_number] == [
        ("patch", first),
        ("create", first),
    ]
    by_actor = json_of(client.get(CHANGES, query_string={"actor": me(other).upper()}))
    assert [entry["subject"] for entry in by_actor] == ["+1 415-555-0100"]
    patches = json_of(client.get(CHANGES, query_string={"action": "patch"}))
    assert [entry["fields"] for entry in patches] == [{"setupPrice": {"before": "3.40", "after": "9.00"}}]
    newest = by_number[0]["at"]
    assert json_of(client.get(CHANGES, query_string={"since": newest, "action": "create"})) == []
    assert len(json_of(client.get(CHANGES, query_string={"until": newest, "number": "+5584912344321"}))) == 1


def test_bad_change_log_filters_are_422_naming_each(client: FlaskClient) -> None:
    for query, fields in (
        ({"action": "rename"}, ["action"]),
        ({"number": "12"}, ["number"]),
        ({"number": "garbage", "action": "rename"}, ["number", "action"]),
        ({"since": "yesterday"}, ["since"]),
        ({"since": "2026-12-01T12:00:00"}, ["since"]),
        ({"since": "1764658000"}, ["since"]),  # seconds since 1970 are no ISO 8601 time
        ({"until": "0.5"}, ["until"]),
        ({"actor": "a\x00b@example.com"}, ["actor"]),
        ({"since": "0001-01-01T00:00:00+01:00"}, ["since"]),
        ({"cursor": str(2**70)}, ["cursor"]),
        ({"bulkChange": str(2**63)}, ["bulkChange"]),
        ({"page": "2"}, ["page"]),  # not a parameter here: ignoring it would show page 1 forever
        ({"per_page": "1000"}, ["per_page"]),  # over MAX_PAGE_SIZE
        ({"foo": ""}, ["foo"]),  # unknown, even empty
    ):
        response = client.get(CHANGES, query_string=query)
        assert response.status_code == 422, (query, response.data)
        assert response.mimetype == "application/problem+json"
        assert [error["field"] for error in response.json["errors"]] == fields, response.json  # type: ignore[index]
    unknown = client.get(CHANGES, query_string={"page": "2"}).json["errors"][0]["message"]  # type: ignore[index]
    assert "did you mean 'cursor'" in unknown


def test_history_takes_only_paging_and_empty_values_are_no_values(client: FlaskClient) -> None:
    number_id = json_of(client.post(NUMBERS, json=EXAMPLE), 201)["id"]
    for query in ({"action": "patch"}, {"since": "2026-12-01T00:00:00Z"}, {"number": "+5584912344321"}):
        response = client.get(f"{NUMBERS}/{number_id}/history", query_string=query)
        assert response.status_code == 422, (query, response.data)
    empty = {"cursor": "", "per_page": "", "since": "", "until": "", "bulkChange": "", "number": ""}
    assert len(json_of(client.get(CHANGES, query_string=empty))) == 1
    assert len(json_of(client.get(f"{NUMBERS}/{number_id}/history", query_string={"cursor": ""}))) == 1


def test_the_change_log_as_csv(client: FlaskClient) -> None:
    number_id = json_of(client.post(NUMBERS, json=EXAMPLE), 201)["id"]
    client.patch(f"{NUMBERS}/{number_id}", json={"monthyPrice": "0.05"})
    response = client.get(CHANGES, headers={"Accept": "text/csv"}, query_string={"number": "+5584912344321"})
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [row["action"] for row in rows] == ["patch", "create"]
    assert rows[0]["fields"] == '{"monthyPrice": {"before": "0.03", "after": "0.05"}}'
    assert rows[0]["actorEmail"] == me(client)


def test_the_change_log_as_csv_is_written_as_stored_and_safe_in_a_spreadsheet(
    app: Flask, client: FlaskClient
) -> None:
    admin = client_as(app, "admin")
    formula = json_of(
        admin.post(
            USERS,
            json={
                "email": "=cmd|'/ccalc'!a0@example.com",
                "password": "a-long-pass-phrase-9",
                "role": "viewer",
            },
        ),
        201,
    )
    number_id = json_of(client.post(NUMBERS, json=EXAMPLE, headers={"X-Request-ID": "-1-1"}), 201)["id"]
    client.patch(f"{NUMBERS}/{number_id}", json={"currency": "R$"})
    response = admin.get(CHANGES, headers={"Accept": "text/csv"})
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert response.headers["X-Total-Count"] == str(len(rows))
    patched, created = rows[0], rows[1]
    assert (patched["subject"], created["subject"]) == ("+5584912344321", "+5584912344321")  # E.164
    assert json.loads(patched["fields"])["currency"] == {"before": "U$", "after": "R$"}
    assert created["requestId"] == "-1-1"  # a plain number stays as it is
    assert patched["at"].endswith("Z")
    user_created = next(row for row in rows if row["subjectId"] == str(formula["id"]))
    assert user_created["subject"] == "'=cmd|'/ccalc'!a0@example.com"  # not run by a spreadsheet
    empty = admin.get(CHANGES, headers={"Accept": "text/csv"}, query_string={"action": "import"})
    assert (empty.get_data(as_text=True).splitlines(), empty.headers["X-Total-Count"]) == ([CSV_HEADER], "0")


def test_a_change_log_download_longer_than_one_carries_is_refused_up_front(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    stock(client, brazilian=3, american=0)
    monkeypatch.setattr(app.extensions[EXTENSION_KEY].export_changes, "_limit", 2)
    refused = client.get(CHANGES, headers={"Accept": "text/csv"})
    assert (refused.status_code, refused.mimetype) == (422, "application/problem+json")
    assert refused.json["type"].endswith("too-many-to-export")  # type: ignore[index]
    narrowed = client.get(CHANGES, headers={"Accept": "text/csv"}, query_string={"action": "patch"})
    assert (narrowed.status_code, narrowed.headers["X-Total-Count"]) == (200, "0")


def test_admins_see_user_changes_and_supervisors_do_not(app: Flask, client: FlaskClient) -> None:
    admin = client_as(app, "admin")
    user = json_of(
        admin.post(
            "/api/v1/users",
            json={"email": "new@example.com", "password": "a long passphrase", "role": "viewer"},
        ),
        201,
    )
    admin.patch(f"/api/v1/users/{user['id']}", json={"role": "supervisor"})
    seen_by_admin = json_of(admin.get(CHANGES, query_string={"action": "user-update"}))
    assert [(entry["subject"], entry["fields"]) for entry in seen_by_admin] == [
        ("new@example.com", {"role": {"before": "viewer", "after": "supervisor"}})
    ]
    assert seen_by_admin[0]["actorEmail"] == me(admin)
    assert json_of(client.get(CHANGES, query_string={"action": "user-update"})) == []
    assert all(
        entry["subjectType"] != "user"
        for entry in json_of(client.get(CHANGES, query_string={"per_page": 100}))
    )


def test_viewers_may_not_read_history_or_bulk_change(app: Flask, client: FlaskClient) -> None:
    number_id = json_of(client.post(NUMBERS, json=EXAMPLE), 201)["id"]
    viewer = client_as(app, "viewer")
    assert viewer.get(f"{NUMBERS}/{number_id}/history").status_code == 403
    assert viewer.get(CHANGES).status_code == 403
    body = {"filter": {"country": "BR"}, "set": {"monthyPrice": "1"}, "expectedCount": 1}
    assert viewer.post(BULK, json=body).status_code == 403
    assert client.get(f"{NUMBERS}/{number_id}").json["monthyPrice"] == "0.03"  # type: ignore[index]


def test_a_bulk_change_with_a_stale_count_changes_nothing_and_says_the_real_count(
    client: FlaskClient,
) -> None:
    stock(client, brazilian=3, american=1)
    before = json_of(client.get(NUMBERS, query_string={"per_page": 100}))
    body = {"filter": {"country": "BR"}, "set": {"monthyPrice": "0.05"}, "expectedCount": 2}
    refused = client.post(BULK, json=body)
    assert refused.status_code == 412
    assert refused.mimetype == "application/problem+json"
    assert (refused.json["count"], refused.json["expectedCount"]) == (3, 2)  # type: ignore[index]
    assert json_of(client.get(NUMBERS, query_string={"per_page": 100})) == before
    assert json_of(client.get(CHANGES, query_string={"action": "bulk-change"})) == []
    assert json_of(client.get(CHANGES, query_string={"action": "bulk-update"})) == []


def test_a_bulk_change_with_the_right_count_reprices_every_match_with_new_etags(client: FlaskClient) -> None:
    ids = stock(client, brazilian=3, american=1)
    etags = {number_id: client.get(f"{NUMBERS}/{number_id}").headers["ETag"] for number_id in ids}
    body = {"filter": {"country": "BR"}, "set": {"monthyPrice": "0.05", "currency": "R$"}, "expectedCount": 3}
    result = json_of(client.post(BULK, json=body))
    assert (result["count"], result["changed"], result["dryRun"], result["numbers"]) == (3, 3, False, [])
    for number_id in ids[:3]:
        response = client.get(f"{NUMBERS}/{number_id}")
        assert (response.json["monthyPrice"], response.json["currency"]) == ("0.05", "R$")  # type: ignore[index]
        assert response.headers["ETag"] != etags[number_id]
        assert (
            json_of(client.get(f"{NUMBERS}/{number_id}/history"))[0]["bulkChangeId"] == result["bulkChangeId"]
        )
    american = client.get(f"{NUMBERS}/{ids[3]}")
    assert (american.json["monthyPrice"], american.headers["ETag"]) == ("0.03", etags[ids[3]])  # type: ignore[index]
    (listed,) = json_of(client.get(CHANGES, query_string={"action": "bulk-change"}))
    assert (listed["id"], listed["count"], listed["subject"]) == (
        result["bulkChangeId"],
        3,
        '{"country":"BR"}',
    )
    assert listed["fields"] == {
        "monthyPrice": {"before": None, "after": "0.05"},
        "currency": {"before": None, "after": "R$"},
    }
    members = json_of(
        client.get(CHANGES, query_string={"bulkChange": result["bulkChangeId"], "per_page": 10})
    )
    assert sorted(entry["subjectId"] for entry in members) == sorted(ids[:3])
    assert members[0]["fields"] == {
        "monthyPrice": {"before": "0.03", "after": "0.05"},
        "currency": {"before": "U$", "after": "R$"},
    }


def test_a_bulk_change_sent_again_keeps_every_etag_and_records_nothing(client: FlaskClient) -> None:
    ids = stock(client, brazilian=2, american=0)
    body = {"filter": {"country": "BR"}, "set": {"monthyPrice": "0.05"}, "expectedCount": 2}
    first = json_of(client.post(BULK, json=body))
    assert (first["count"], first["changed"]) == (2, 2)
    etags = {number_id: client.get(f"{NUMBERS}/{number_id}").headers["ETag"] for number_id in ids}
    again = json_of(client.post(BULK, json=body))
    assert (again["count"], again["changed"], again["bulkChangeId"]) == (2, 0, None)
    assert {number_id: client.get(f"{NUMBERS}/{number_id}").headers["ETag"] for number_id in ids} == etags
    assert len(json_of(client.get(CHANGES, query_string={"action": "bulk-change"}))) == 1
    assert len(json_of(client.get(CHANGES, query_string={"action": "bulk-update"}))) == 2


def test_a_dry_run_counts_and_shows_the_first_twenty(client: FlaskClient) -> None:
    stock(client, brazilian=22, american=1)
    body = {"filter": {"prefix": "5584"}, "set": {"setupPrice": "1"}, "dryRun": True}
    result = json_of(client.post(BULK, json=body))
    assert (result["count"], result["changed"], result["dryRun"], result["bulkChangeId"]) == (
        22,
        None,
        True,
        None,
    )
    assert [number["value"] for number in result["numbers"]][:2] == ["+55 84 91234-0000", "+55 84 91234-0001"]
    assert len(result["numbers"]) == 20
    assert json_of(client.get(CHANGES, query_string={"action": "bulk-update"})) == []


def test_bad_bulk_changes_are_refused_clearly(client: FlaskClient) -> None:
    stock(client, brazilian=1, american=0)
    cases = [
        ({"filter": {}, "set": {"monthyPrice": "1"}, "expectedCount": 1}, "filter"),
        ({"filter": {"country": "BR"}, "set": {"monthyPrice": "-1"}, "expectedCount": 1}, "set.monthyPrice"),
        (
            {"filter": {"country": "BR"}, "set": {"monthyPrice": "1.001"}, "expectedCount": 1},
            "set.monthyPrice",
        ),
        ({"filter": {"country": "BR"}, "set": {"monthyPrice": True}, "expectedCount": 1}, "set.monthyPrice"),
        ({"filter": {"country": "BR"}, "set": {"currency": "XYZ"}, "expectedCount": 1}, "set.currency"),
        ({"filter": {"country": "BR"}, "set": {"value": "+5584912344321"}, "expectedCount": 1}, None),
        ({"filter": {"country": "BR"}, "set": {}, "expectedCount": 1}, "set"),
        ({"filter": {"country": "XX"}, "set": {"monthyPrice": "1"}, "expectedCount": 1}, "filter.country"),
        ({"filter": {"country": 7}, "set": {"monthyPrice": "1"}, "expectedCount": 1}, "filter.country"),
        ({"filter": {"colour": "red"}, "set": {"monthyPrice": "1"}, "expectedCount": 1}, "filter.colour"),
        ({"filter": "BR", "set": {"monthyPrice": "1"}, "expectedCount": 1}, "filter"),
        ({"filter": {"country": "BR"}, "set": {"monthyPrice": "1"}}, "expectedCount"),
        ({"filter": {"country": "BR"}, "set": {"monthyPrice": "1"}, "expectedCount": "1"}, None),
    ]
    for body, field in cases:
        response = client.post(BULK, json=body)
        assert response.status_code == 422, (body, response.data)
        assert response.mimetype == "application/problem+json"
        errors = response.json["errors"]  # type: ignore[index]
        if field is not None:
            assert field in [error["field"] for error in errors], (body, errors)
        # In the house's words, naming no class of ours.
        assert not any(word in error["message"] for error in errors for word in ("Bulk", "Input", "Extra")), (
            errors
        )
    assert client.get(f"{NUMBERS}?country=BR").json[0]["monthyPrice"] == "0.03"  # type: ignore[index]


def test_all_changes_every_number(client: FlaskClient) -> None:
    stock(client, brazilian=1, american=1)
    body = {"filter": {}, "set": {"setupPrice": 2}, "expectedCount": 2, "all": True}
    assert json_of(client.post(BULK, json=body))["count"] == 2
    assert {number["setupPrice"] for number in json_of(client.get(NUMBERS))} == {"2.00"}
