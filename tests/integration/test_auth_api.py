"""Authentication and roles over HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from click.testing import Result
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import Engine, text

from src.bootstrap import create_app, engine_of
from src.infrastructure.settings import Settings
from tests.conftest import FAST_PASSWORD_HASH, TEST_PASSWORD, client_as

NUMBERS = "/api/v1/numbers"
EXAMPLE = {"value": "+55 84 91234-4321", "monthyPrice": "0.03", "setupPrice": "3.40", "currency": "U$"}
NUMBER_WRITES = [
    ("post", NUMBERS, EXAMPLE),
    ("put", f"{NUMBERS}/{{id}}", {**EXAMPLE, "setupPrice": "9"}),
    ("patch", f"{NUMBERS}/{{id}}", {"setupPrice": "9"}),
    ("delete", f"{NUMBERS}/{{id}}", None),
]


def stored_number(client: FlaskClient) -> dict[str, Any]:
    response = client.post(NUMBERS, json={**EXAMPLE, "value": "+55 84 91234-0000"})
    assert response.status_code == 201
    return response.json  # type: ignore[return-value]


def log_in(client: FlaskClient, email: str, password: str) -> Any:
    return client.post("/api/v1/auth/tokens", json={"email": email, "password": password})


def a_new_viewers_headers(admin_client: FlaskClient, anonymous_client: FlaskClient) -> dict[str, str]:
    """The headers of a viewer the admin has just made, logged in with a token of their own."""
    admin_client.post(
        "/api/v1/users", json={"email": "ana@example.com", "password": TEST_PASSWORD, "role": "viewer"}
    )
    token = log_in(anonymous_client, "ana@example.com", TEST_PASSWORD).json["token"]
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize(
    "request_line",
    [("get", NUMBERS), ("get", f"{NUMBERS}/1"), *[(method, path) for method, path, _ in NUMBER_WRITES],
     ("get", "/api/v1/auth/me"), ("get", "/api/v1/users")],
)  # fmt: skip
def test_without_a_token_everything_is_401(
    anonymous_client: FlaskClient, request_line: tuple[str, str]
) -> None:
    method, path = request_line
    response = getattr(anonymous_client, method)(path.format(id=1), json=EXAMPLE if method != "get" else None)
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="number-inventory"'


@pytest.mark.parametrize("path", ["/healthz", "/readyz", "/api/v1/openapi.json", "/docs", "/"])
def test_probes_and_docs_are_public(anonymous_client: FlaskClient, path: str) -> None:
    assert anonymous_client.get(path).status_code in (200, 302)


def test_a_bad_token_says_so(anonymous_client: FlaskClient) -> None:
    response = anonymous_client.get(NUMBERS, headers={"Authorization": "Bearer not-a-real-token"})
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_a_viewer_reads_but_cannot_change_anything(client: FlaskClient, viewer_client: FlaskClient) -> None:
    number = stored_number(client)
    assert viewer_client.get(NUMBERS).status_code == 200
    assert viewer_client.get(f"{NUMBERS}/{number['id']}").json == number
    for method, path, body in NUMBER_WRITES:
        response = getattr(viewer_client, method)(path.format(id=number["id"]), json=body)
        assert response.status_code == 403
        assert response.json["type"].endswith("forbidden")
    assert client.get(NUMBERS).json == [number]


def test_a_supervisor_does_every_number_operation_but_not_users(client: FlaskClient) -> None:
    created = client.post(NUMBERS, json=EXAMPLE)
    assert created.status_code == 201
    url = f"{NUMBERS}/{created.json['id']}"  # type: ignore[index]
    replaced = client.put(url, json={**EXAMPLE, "setupPrice": "9"})
    assert (replaced.status_code, client.get(url).json["setupPrice"]) == (200, "9.00")  # type: ignore[index]
    patched = client.patch(url, json={"setupPrice": "8"})
    assert (patched.status_code, client.get(url).json["setupPrice"]) == (200, "8.00")  # type: ignore[index]
    assert client.delete(url).status_code == 204
    assert client.get(url).status_code == 404
    refused = client.get("/api/v1/users")
    assert refused.status_code == 403
    assert refused.json["type"].endswith(":forbidden")  # type: ignore[index]


def test_log_in_use_the_token_and_log_out(
    app: Flask, admin_client: FlaskClient, anonymous_client: FlaskClient
) -> None:
    admin_client.post(
        "/api/v1/users", json={"email": "Ana@Example.com", "password": TEST_PASSWORD, "role": "viewer"}
    )
    login = log_in(anonymous_client, "ana@example.COM", TEST_PASSWORD)
    assert login.status_code == 201
    assert set(login.json) == {"token", "expiresAt"}
    headers = {"Authorization": f"Bearer {login.json['token']}"}
    me = anonymous_client.get("/api/v1/auth/me", headers=headers)
    assert list(me.json) == ["id", "email", "role"]
    assert me.json["email"] == "ana@example.com"
    assert me.json["role"] == "viewer"
    assert anonymous_client.delete("/api/v1/auth/tokens/current", headers=headers).status_code == 204
    assert anonymous_client.get("/api/v1/auth/me", headers=headers).status_code == 401


def test_one_number_is_read_with_its_callers_token_and_refused_once_it_is_revoked(
    client: FlaskClient, admin_client: FlaskClient, anonymous_client: FlaskClient
) -> None:
    number = stored_number(client)
    headers = a_new_viewers_headers(admin_client, anonymous_client)
    assert anonymous_client.get(f"{NUMBERS}/{number['id']}", headers=headers).json == number
    assert anonymous_client.get(f"{NUMBERS}/999999", headers=headers).status_code == 404
    assert anonymous_client.delete("/api/v1/auth/tokens/current", headers=headers).status_code == 204
    for path in (f"{NUMBERS}/{number['id']}", f"{NUMBERS}/999999", f"{NUMBERS}/{2**40}"):
        refused = anonymous_client.get(path, headers=headers)  # existing or not: nothing is told
        assert refused.status_code == 401
        assert refused.mimetype == "application/problem+json"


def test_a_page_is_read_with_its_callers_token_and_refused_once_it_is_revoked(
    client: FlaskClient, admin_client: FlaskClient, anonymous_client: FlaskClient
) -> None:
    number = stored_number(client)
    headers = a_new_viewers_headers(admin_client, anonymous_client)
    pages = (NUMBERS, f"{NUMBERS}?page=9", f"{NUMBERS}?cursor=", f"{NUMBERS}?currency=U$&sort=-monthyPrice")
    assert anonymous_client.get(NUMBERS, headers=headers).json == [number]
    assert anonymous_client.get(f"{NUMBERS}?page=9", headers=headers).json == []
    assert anonymous_client.delete("/api/v1/auth/tokens/current", headers=headers).status_code == 204
    for path in pages:  # a page with numbers or without: nothing is told
        refused = anonymous_client.get(path, headers=headers)
        assert refused.status_code == 401
        assert refused.mimetype == "application/problem+json"


@pytest.mark.parametrize("token", [None, "not-a-real-token"])
@pytest.mark.parametrize(
    "query",
    ["per_page=0", "country=XX", "sort=price", "cursor=forged.cursor", "cursor=&page=2", "colour=red"],
)
def test_a_caller_without_a_usable_token_hears_401_before_anything_of_the_parameters(
    anonymous_client: FlaskClient, token: str | None, query: str
) -> None:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    refused = anonymous_client.get(f"{NUMBERS}?{query}", headers=headers)
    assert refused.status_code == 401
    assert refused.mimetype == "application/problem+json"


@pytest.mark.parametrize(
    ("query", "status"), [("per_page=0", 422), ("country=XX", 422), ("cursor=forged.cursor", 400)]
)
def test_an_authorized_caller_hears_what_is_wrong_with_the_parameters(
    viewer_client: FlaskClient, query: str, status: int
) -> None:
    refused = viewer_client.get(f"{NUMBERS}?{query}")
    assert refused.status_code == status
    assert refused.mimetype == "application/problem+json"


def test_a_viewer_lists_numbers_but_may_not_export_them(viewer_client: FlaskClient) -> None:
    assert viewer_client.get(NUMBERS).status_code == 200
    refused = viewer_client.get(NUMBERS, headers={"Accept": "text/csv"})
    assert refused.status_code == 403
    assert refused.mimetype == "application/problem+json"


def test_the_sixth_bad_password_in_a_row_is_429(
    admin_client: FlaskClient, anonymous_client: FlaskClient
) -> None:
    admin_client.post(
        "/api/v1/users", json={"email": "ana@example.com", "password": TEST_PASSWORD, "role": "viewer"}
    )
    for _ in range(5):
        assert log_in(anonymous_client, "ana@example.com", "wrong password!").status_code == 401
    throttled = log_in(anonymous_client, "ana@example.com", TEST_PASSWORD)
    assert throttled.status_code == 429
    assert 0 < int(throttled.headers["Retry-After"]) <= 15 * 60


def test_an_unknown_email_is_told_the_same_as_a_wrong_password(anonymous_client: FlaskClient) -> None:
    unknown = log_in(anonymous_client, "nobody@example.com", TEST_PASSWORD)
    assert unknown.status_code == 401
    assert unknown.json["detail"] == "wrong email or password"


def test_an_admin_manages_users(admin_client: FlaskClient, anonymous_client: FlaskClient) -> None:
    created = admin_client.post(
        "/api/v1/users", json={"email": "bo@example.com", "password": TEST_PASSWORD, "role": "viewer"}
    )
    assert created.status_code == 201
    user = created.json
    assert list(user) == ["id", "email", "role", "active"]
    assert admin_client.get(created.headers["Location"]).json == user
    assert user in admin_client.get("/api/v1/users").json
    promoted = admin_client.patch(f"/api/v1/users/{user['id']}", json={"role": "supervisor"})
    assert promoted.json["role"] == "supervisor"
    token = log_in(anonymous_client, "bo@example.com", TEST_PASSWORD).json["token"]
    deactivated = admin_client.patch(f"/api/v1/users/{user['id']}", json={"active": False})
    assert deactivated.json["active"] is False
    assert anonymous_client.get(NUMBERS, headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert admin_client.delete(f"/api/v1/users/{user['id']}").status_code == 204
    assert admin_client.get(f"/api/v1/users/{user['id']}").status_code == 404


def test_reactivating_a_user_does_not_bring_back_their_old_token(
    admin_client: FlaskClient, anonymous_client: FlaskClient
) -> None:
    created = admin_client.post(
        "/api/v1/users", json={"email": "bo@example.com", "password": TEST_PASSWORD, "role": "viewer"}
    )
    user_url = f"/api/v1/users/{created.json['id']}"
    old = {
        "Authorization": f"Bearer {log_in(anonymous_client, 'bo@example.com', TEST_PASSWORD).json['token']}"
    }
    assert admin_client.patch(user_url, json={"active": False}).json["active"] is False
    assert admin_client.patch(user_url, json={"active": True}).json["active"] is True
    refused = anonymous_client.get(NUMBERS, headers=old)
    assert refused.status_code == 401
    assert 'error="invalid_token"' in refused.headers["WWW-Authenticate"]
    new = {
        "Authorization": f"Bearer {log_in(anonymous_client, 'bo@example.com', TEST_PASSWORD).json['token']}"
    }
    assert anonymous_client.get("/api/v1/auth/me", headers=new).json["email"] == "bo@example.com"


def test_a_user_made_inactive_in_the_store_is_401_with_a_still_unrevoked_token(
    viewer_client: FlaskClient, engine: Engine
) -> None:
    assert viewer_client.get(NUMBERS).status_code == 200
    with engine.begin() as connection:
        connection.execute(text("UPDATE users SET active = false"))
    refused = viewer_client.get(NUMBERS)
    assert refused.status_code == 401
    assert refused.json["type"].endswith("unauthenticated")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "not-an-email", "password": TEST_PASSWORD, "role": "viewer"}, "email"),
        ({"email": "a@example.com", "password": "short", "role": "viewer"}, "password"),
        ({"email": "a@example.com", "password": TEST_PASSWORD, "role": "owner"}, "role"),
        ({"email": "a@example.com", "password": TEST_PASSWORD}, "role"),
        ({"email": "a@example.com", "password": TEST_PASSWORD, "role": "viewer", "admin": True}, "admin"),
    ],
)
def test_invalid_new_users_are_422(admin_client: FlaskClient, body: dict[str, Any], field: str) -> None:
    response = admin_client.post("/api/v1/users", json=body)
    assert response.status_code == 422
    assert field in [error["field"] for error in response.json["errors"]]


@pytest.mark.parametrize(
    ("path", "method", "body", "error"),
    [
        (
            "/api/v1/users",
            "post",
            {"email": "a@example.com", "password": TEST_PASSWORD, "rol": "viewer"},
            {
                "field": "rol",
                "message": "is not a field of a user (the fields are email, password, role); "
                "did you mean 'role'?",
            },
        ),
        (
            "/api/v1/auth/tokens",
            "post",
            {"email": "a@example.com", "pasword": TEST_PASSWORD},
            {
                "field": "pasword",
                "message": "is not a field of a login (the fields are email, password); "
                "did you mean 'password'?",
            },
        ),
        (
            "/api/v1/users/1",
            "patch",
            {"active": "no"},
            {"field": "active", "message": "must be true or false"},
        ),
    ],
)
def test_bad_fields_are_named_with_the_fields_the_body_has(
    admin_client: FlaskClient, path: str, method: str, body: dict[str, Any], error: dict[str, str]
) -> None:
    response = getattr(admin_client, method)(path, json=body)
    assert response.status_code == 422
    assert error in response.json["errors"]


def test_a_second_user_with_the_same_email_is_409(admin_client: FlaskClient) -> None:
    body = {"email": "ana@example.com", "password": TEST_PASSWORD, "role": "viewer"}
    assert admin_client.post("/api/v1/users", json=body).status_code == 201
    second = admin_client.post("/api/v1/users", json={**body, "email": "ANA@example.com", "role": "admin"})
    assert second.status_code == 409
    assert second.json["type"].endswith(":user-already-exists")  # type: ignore[index]
    anas = [user for user in admin_client.get("/api/v1/users").json if user["email"] == "ana@example.com"]  # type: ignore[union-attr]
    assert [user["role"] for user in anas] == ["viewer"]


def test_the_last_active_admin_stays(admin_client: FlaskClient) -> None:
    me = admin_client.get("/api/v1/auth/me").json
    for response in (
        admin_client.patch(f"/api/v1/users/{me['id']}", json={"role": "viewer"}),
        admin_client.patch(f"/api/v1/users/{me['id']}", json={"active": False}),
        admin_client.delete(f"/api/v1/users/{me['id']}"),
    ):
        assert response.status_code == 409
        assert response.json["type"].endswith("last-active-admin")
    assert admin_client.get("/api/v1/auth/me").json["role"] == "admin"


def test_an_expired_token_is_401(settings: Settings, database_url: str) -> None:
    app = create_app(
        Settings(database_url=database_url, password_hash_method=FAST_PASSWORD_HASH, token_ttl_seconds=1)
    )
    client = client_as(app, "viewer")
    assert client.get(NUMBERS).status_code == 200
    with app.app_context(), engine_of(app).begin() as connection:
        connection.execute(
            text("UPDATE access_tokens SET expires_at = :past"), {"past": "2000-01-01 00:00:00"}
        )
    assert client.get(NUMBERS).status_code == 401


def test_no_password_or_token_is_stored_in_clear(
    app: Flask, admin_client: FlaskClient, anonymous_client: FlaskClient, engine: Engine
) -> None:
    admin_client.post(
        "/api/v1/users", json={"email": "ana@example.com", "password": TEST_PASSWORD, "role": "viewer"}
    )
    token = log_in(anonymous_client, "ana@example.com", TEST_PASSWORD).json["token"]
    admin_token = admin_client.environ_base["HTTP_AUTHORIZATION"].removeprefix("Bearer ")
    with engine.connect() as connection:
        rows = [
            str(row)
            for table in ("users", "access_tokens", "login_attempts")
            for row in connection.execute(text(f"SELECT * FROM {table}"))
        ]
    assert rows
    dump = "\n".join(rows)
    for secret in (TEST_PASSWORD, token, admin_token):
        assert secret not in dump


def test_the_first_admin_comes_from_the_environment(database_url: str) -> None:
    settings = Settings(
        database_url=database_url,
        password_hash_method=FAST_PASSWORD_HASH,
        admin_email="Root@Example.com",
        admin_password=TEST_PASSWORD,
    )
    create_app(settings)
    client = create_app(settings).test_client()  # a second start adds nobody
    login = log_in(client, "root@example.com", TEST_PASSWORD)
    assert login.status_code == 201
    users = client.get("/api/v1/users", headers={"Authorization": f"Bearer {login.json['token']}"}).json
    assert [(u["email"], u["role"]) for u in users] == [("root@example.com", "admin")]


def test_users_create_asks_for_the_password(runner: FlaskCliRunner, anonymous_client: FlaskClient) -> None:
    result: Result = runner.invoke(
        args=["users", "create", "--email", "ops@example.com", "--role", "admin"],
        input=f"{TEST_PASSWORD}\n{TEST_PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    assert "created admin ops@example.com" in result.output
    assert TEST_PASSWORD not in result.output
    assert log_in(anonymous_client, "ops@example.com", TEST_PASSWORD).status_code == 201


@pytest.mark.parametrize("path", ["/api/v1/auth/tokens", "/api/v1/users"])
@pytest.mark.parametrize(
    "email_literal",
    ["1e1000000000000000000", '"' + "İ" * 242 + '@example.com"'],
    ids=["huge-exponent", "grows-when-lower-cased"],
)
def test_emails_that_broke_the_store_are_4xx_problems(
    admin_client: FlaskClient, path: str, email_literal: str
) -> None:
    role = ', "role": "viewer"' if path.endswith("users") else ""
    body = f'{{"email": {email_literal}, "password": "a long enough password"{role}}}'
    response = admin_client.post(path, data=body.encode(), content_type="application/json")
    assert 400 <= response.status_code < 500
    assert response.mimetype == "application/problem+json"
