"""What one user starts is theirs: Idempotency-Keys and import jobs, over HTTP with two users."""

from __future__ import annotations

from dataclasses import replace

from flask import Flask
from flask.testing import FlaskClient

from src.bootstrap import create_app
from src.infrastructure.settings import Settings
from src.web.inventory import inventory
from tests.conftest import client_as
from tests.integration.conftest import only_postgresql
from tests.integration.test_import_jobs import valid_rows
from tests.integration.test_number_csv_api import upload
from tests.integration.test_numbers_api import NUMBERS, assert_problem

EXAMPLE = {"value": "+55 84 91234-4321", "monthyPrice": "0.03", "setupPrice": "3.40", "currency": "U$"}
OTHER = {**EXAMPLE, "value": "+55 84 91234-0000"}


def test_another_users_replay_of_a_key_and_body_is_never_the_first_users_response(app: Flask) -> None:
    alice, bob = client_as(app, "supervisor"), client_as(app, "supervisor")
    headers = {"Idempotency-Key": "order-1"}
    first = alice.post(NUMBERS, json=EXAMPLE, headers=headers)
    assert first.status_code == 201

    replayed_by_bob = bob.post(NUMBERS, json=EXAMPLE, headers=headers)

    # Bob's request is his own: the number is taken (a plain 409), no replay of Alice's 201.
    assert_problem(replayed_by_bob, 409)
    assert "Idempotent-Replayed" not in replayed_by_bob.headers


def test_a_key_another_user_used_creates_the_callers_own_number(app: Flask) -> None:
    alice, bob = client_as(app, "supervisor"), client_as(app, "supervisor")
    headers = {"Idempotency-Key": "order-1"}
    alices = alice.post(NUMBERS, json=EXAMPLE, headers=headers)
    alice.delete(alices.headers["Location"])

    bobs = bob.post(NUMBERS, json=OTHER, headers=headers)

    assert bobs.status_code == 201
    assert "Idempotent-Replayed" not in bobs.headers
    assert bobs.json["value"] == OTHER["value"]  # type: ignore[index]


def test_a_user_cannot_squat_another_users_key(app: Flask) -> None:
    alice, bob = client_as(app, "supervisor"), client_as(app, "supervisor")
    headers = {"Idempotency-Key": "order-2"}
    assert bob.post(NUMBERS, json=OTHER, headers=headers).status_code == 201

    alices = alice.post(NUMBERS, json=EXAMPLE, headers=headers)
    again = alice.post(NUMBERS, json=EXAMPLE, headers=headers)

    assert alices.status_code == 201
    assert again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json == alices.json


@only_postgresql
def test_an_import_job_is_seen_by_its_uploader_and_admins_only(settings: Settings) -> None:
    jobs_app = create_app(replace(settings, import_job_threshold_bytes=1000))
    jobs_app.config.update(TESTING=True)
    try:
        uploader, other = client_as(jobs_app, "supervisor"), client_as(jobs_app, "supervisor")
        admin = client_as(jobs_app, "admin")
        started = upload(uploader, valid_rows(100), mode="skip-invalid")
        assert started.status_code == 202
        location = started.headers["Location"]

        assert uploader.get(location).status_code == 200
        assert_problem(other.get(location), 404)
        assert admin.get(location).status_code == 200
    finally:
        with jobs_app.app_context():
            inventory().dispose()


def test_the_404_for_someone_elses_job_is_the_404_of_a_job_that_does_not_exist(client: FlaskClient) -> None:
    body = assert_problem(client.get(f"{NUMBERS}/imports/999999"), 404)
    assert "999999" in body["detail"]
