"""A frontend's round trip in a real browser, from a page on another origin than the API's.

Headless Chromium (Debian's `chromium`, driven by Playwright) opens a page served on one free
port; its script calls the API, served with `make run`'s CORS origins on another free port, the
way docs/frontend.md shows: log in, list reading X-Total-Count and Link, create, PATCH with
If-Match, import a file as a form upload, download the export by its Content-Disposition name.
The browser enforces CORS itself, so a missing allowed or exposed header fails the test.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

from src.application.create_user import NewUser
from src.bootstrap import create_app
from src.infrastructure.settings import Settings
from src.web.inventory import inventory
from tests.conftest import TEST_PASSWORD
from tests.integration.conftest import only_postgresql
from tests.integration.test_swagger_ui_browser import CHROMIUM_FLAGS, TIMEOUT_MS, chromium_path

MAKE_RUN_ORIGINS = ("http://localhost:*", "http://127.0.0.1:*")  # as the Makefile's run target
PAGE = b"<!doctype html><html><head><title>frontend</title></head><body>a frontend</body></html>"

ROUND_TRIP = """
async ({api, email, password}) => {
  const steps = {};
  const login = await fetch(`${api}/auth/tokens`, {
    method: "POST",
    headers: {"Content-Type": "application/json"},
    body: JSON.stringify({email, password}),
  });
  steps.login = login.status;
  const auth = {Authorization: `Bearer ${(await login.json()).token}`};

  const created = await fetch(`${api}/numbers`, {
    method: "POST",
    headers: {...auth, "Content-Type": "application/json", "Idempotency-Key": crypto.randomUUID()},
    body: JSON.stringify(
      {value: "+55 84 91234-4321", monthyPrice: "0.03", setupPrice: "3.40", currency: "U$"}
    ),
  });
  steps.create = [created.status, created.headers.get("Location"), created.headers.get("ETag")];
  const number = await created.json();

  const stale = await fetch(`${api}/numbers/${number.id}`, {
    method: "PATCH",
    headers: {...auth, "Content-Type": "application/merge-patch+json", "If-Match": '"0.0"'},
    body: JSON.stringify({setupPrice: "9.00"}),
  });
  steps.stalePatch = [stale.status, (await stale.json()).type];
  const patched = await fetch(`${api}/numbers/${number.id}`, {
    method: "PATCH",
    headers: {
      ...auth, "Content-Type": "application/merge-patch+json", "If-Match": created.headers.get("ETag")
    },
    body: JSON.stringify({setupPrice: "10.00"}),
  });
  steps.patch = [patched.status, (await patched.json()).setupPrice, patched.headers.get("ETag")];

  const form = new FormData();
  const csv = "Value;MonthyPrice;SetupPrice;Currency;notes\\n+5511912345678;1,50;10,00;R$;from Excel\\n";
  form.append("file", new File([csv], "numbers.csv", {type: "application/vnd.ms-excel"}));
  const imported = await fetch(`${api}/numbers/imports`, {method: "POST", headers: auth, body: form});
  steps.import = [imported.status, await imported.json()];

  const listed = await fetch(`${api}/numbers?per_page=1&sort=id`, {headers: auth});
  steps.list = [
    listed.status, listed.headers.get("X-Total-Count"), listed.headers.get("Link"), await listed.json()
  ];

  const exported = await fetch(`${api}/numbers?sort=id`, {headers: {...auth, Accept: "text/csv"}});
  steps.export = [exported.status, exported.headers.get("Content-Disposition"), await exported.text()];

  const anonymous = await fetch(`${api}/numbers`);
  steps.anonymous = [anonymous.status, anonymous.headers.get("WWW-Authenticate")];
  return steps;
}
"""


def serve(app: Callable[..., Iterable[bytes]], host: str = "127.0.0.1") -> tuple[Any, threading.Thread]:
    server = make_server(host, 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server, thread


@pytest.fixture
def api_app(settings: Settings) -> Iterator[Flask]:
    app = create_app(replace(settings, cors_origins=MAKE_RUN_ORIGINS))
    yield app
    with app.app_context():
        inventory().dispose()


@pytest.fixture
def servers(api_app: Flask) -> Iterator[tuple[str, str]]:
    """The API's base URL and the frontend page's URL: two origins (another port, another host name)."""

    def page(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
        return [PAGE]

    api, api_thread = serve(api_app)
    frontend, frontend_thread = serve(page)
    try:
        yield (
            f"http://127.0.0.1:{api.server_port}/api/v1",
            f"http://localhost:{frontend.server_port}/",
        )
    finally:
        for server, thread in ((api, api_thread), (frontend, frontend_thread)):
            server.shutdown()
            thread.join(timeout=10)


@only_postgresql
def test_a_page_on_another_origin_makes_the_whole_round_trip(
    api_app: Flask, servers: tuple[str, str]
) -> None:
    api, page_url = servers
    email = f"supervisor-{uuid.uuid4().hex[:8]}@test.example"
    with api_app.app_context():
        inventory().create_user(NewUser(email, TEST_PASSWORD, "supervisor"))

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page()
            page.set_default_timeout(TIMEOUT_MS)
            page.goto(page_url)
            assert page.evaluate("() => location.origin") != api.rsplit("/api/v1", 1)[0]
            steps = page.evaluate(ROUND_TRIP, {"api": api, "email": email, "password": TEST_PASSWORD})
        finally:
            browser.close()

    assert steps["login"] == 201
    status, location, etag = steps["create"]
    assert status == 201
    assert location.startswith(api + "/numbers/")
    assert etag.endswith('.1"')
    assert steps["stalePatch"] == [412, "tag:number-inventory,2026:problem:version-mismatch"]
    assert steps["patch"][:2] == [200, "10.00"]
    assert steps["patch"][2] != etag
    status, report = steps["import"]
    assert status == 200
    assert (report["created"], report["errors"]) == (1, [])
    assert report["notes"] == ["the column 'notes' is not one of ours: it was ignored"]
    status, total, link, first_page = steps["list"]
    assert (status, total) == (200, "2")
    assert 'rel="next"' in link
    assert [number["value"] for number in first_page] == ["+55 84 91234-4321"]
    status, disposition, text = steps["export"]
    assert (status, disposition) == (200, 'attachment; filename="numbers.csv"')
    assert text.splitlines() == [
        "value,monthyPrice,setupPrice,currency",
        "+5584912344321,0.03,10.00,U$",
        "+5511912345678,1.50,10.00,R$",
    ]
    assert steps["anonymous"][0] == 401
    assert steps["anonymous"][1].startswith("Bearer")
