"""A real browser opens /docs, finds the number operations and runs "Try it out" on GET /numbers.

Headless Chromium from the system (Debian's `chromium`), driven by Playwright, against the app
served on a free 127.0.0.1 port for the length of the test.
"""

from __future__ import annotations

import os
import shutil

import pytest
from flask import Flask
from playwright.sync_api import ConsoleMessage, sync_playwright

from src.application.create_user import NewUser
from src.web.inventory import inventory
from tests.conftest import client_as, token_for
from tests.integration.conftest import only_postgresql

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 20_000


def chromium_path() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        pytest.fail("Chromium is needed for the browser test: apt-get install chromium (make test does)")
    return path


@only_postgresql
def test_swagger_ui_lists_the_operations_and_runs_get_numbers(app: Flask, live_url: str) -> None:
    token = token_for(app, "viewer")
    created = client_as(app, "supervisor").post(
        "/api/v1/numbers",
        json={"value": "+55 84 91234-4321", "monthyPrice": "0.03", "setupPrice": "3.40", "currency": "U$"},
    )
    assert created.status_code == 201
    problems: list[str] = []

    def note_problem(message: ConsoleMessage) -> None:
        if message.type == "error":
            problems.append(message.text)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page()
            page.set_default_timeout(TIMEOUT_MS)
            page.on("console", note_problem)
            page.goto(f"{live_url}/docs")
            for operation in (
                "listNumbers",
                "createNumber",
                "getNumber",
                "replaceNumber",
                "patchNumber",
                "deleteNumber",
            ):
                page.wait_for_selector(f"#operations-numbers-{operation}")
            page.click(".auth-wrapper .authorize")
            page.fill(".auth-container input", token)
            page.click(".auth-btn-wrapper .modal-btn.auth")
            page.click(".btn-done")
            page.click("#operations-numbers-listNumbers .opblock-summary")
            page.click("#operations-numbers-listNumbers .try-out__btn")
            page.click("#operations-numbers-listNumbers .execute")
            status = page.wait_for_selector(
                "#operations-numbers-listNumbers .live-responses-table tbody .response-col_status"
            )
            assert status is not None
            assert status.inner_text().strip() == "200"
            body = page.inner_text(
                "#operations-numbers-listNumbers .live-responses-table tbody .response-col_description"
            )
            assert "+55 84 91234-4321" in body
            if screenshot := os.environ.get("SWAGGER_UI_SCREENSHOT"):
                page.screenshot(path=screenshot, full_page=False)
        finally:
            browser.close()
    assert problems == []  # no Content-Security-Policy violation, no failed script


@only_postgresql
def test_try_it_out_logs_in_as_it_is_filled_in(app: Flask, live_url: str) -> None:
    """The login's example body is make run's local admin, so trying it as it is works (a
    placeholder password would count as a failed login: six of them close the account)."""
    with app.app_context():
        inventory().create_user(NewUser("admin@localhost", "local-admin-password", "admin"))
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page()
            page.set_default_timeout(TIMEOUT_MS)
            page.goto(f"{live_url}/docs")
            operation = "#operations-auth-createToken"
            page.click(f"{operation} .opblock-summary")
            page.click(f"{operation} .try-out__btn")
            body = page.input_value(f"{operation} textarea.body-param__text")
            assert '"password": "local-admin-password"' in body
            page.click(f"{operation} .execute")
            status = page.wait_for_selector(f"{operation} .live-responses-table tbody .response-col_status")
            assert status is not None
            assert status.inner_text().strip() == "201"
        finally:
            browser.close()
