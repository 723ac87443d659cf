"""Large imports as jobs (PostgreSQL): 202 and a Location, a real procrastinate worker imports the
stored file, the status shows progress and then the report; a job whose worker died is queued
again, and given up (failed) after a few attempts; SQLite keeps importing in the request."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Iterator
from dataclasses import replace

import procrastinate
import procrastinate.exceptions
import procrastinate.tasks
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from src.bootstrap import create_app, engine_of, utc_now
from src.infrastructure.import_job_store import SqlAlchemyImportJobStore
from src.infrastructure.job_queue import IMPORT_TASK, retry_stalled, worker_app
from src.infrastructure.settings import Settings
from src.web.inventory import inventory
from tests.conftest import client_as
from tests.factories import nth_phone_number
from tests.integration.conftest import BACKENDS, only_postgresql
from tests.integration.test_number_csv_api import HEADER, IMPORTS, thousand_rows_three_bad, upload
from tests.integration.test_numbers_api import assert_problem

THRESHOLD = 1000  # bytes: every file of these tests but the smallest is a job
only_sqlite = pytest.mark.parametrize("database_url", [BACKENDS[0]], indirect=True)


@pytest.fixture
def app(settings: Settings) -> Iterator[Flask]:
    app = create_app(replace(settings, import_job_threshold_bytes=THRESHOLD, import_batch_size=100))
    app.config.update(TESTING=True)
    yield app
    with app.app_context():
        inventory().dispose()


@pytest.fixture
def job_app(app: Flask, settings: Settings) -> procrastinate.App:
    with app.app_context():
        return worker_app(settings.database_url, inventory().run_import_job)


def run_worker_until_idle(job_app: procrastinate.App) -> None:
    """A real worker, in this process, that stops once the queue is empty."""

    async def work() -> None:
        async with job_app.open_async():
            await job_app.run_worker_async(wait=False, install_signal_handlers=False, listen_notify=False)

    asyncio.run(work())


def valid_rows(count: int) -> str:
    return HEADER + "".join(f"{nth_phone_number(n)},0.03,3.40,U$\n" for n in range(count))


def count_numbers(app: Flask) -> int:
    with app.app_context(), engine_of(app).connect() as connection:
        return connection.execute(text("SELECT count(*) FROM numbers")).scalar_one()


@only_postgresql
def test_a_large_import_is_a_job_that_a_worker_runs_to_its_report(
    app: Flask, client: FlaskClient, job_app: procrastinate.App
) -> None:
    response = upload(client, valid_rows(300), mode="skip-invalid")

    assert response.status_code == 202
    location = response.headers["Location"]
    assert location.endswith(f"{IMPORTS}/{response.json['id']}")
    assert response.json["status"] == "queued"
    assert response.json["report"] is None
    assert client.get(location).json["status"] == "queued"

    run_worker_until_idle(job_app)

    done = client.get(location)
    assert done.status_code == 200
    assert done.json["status"] == "succeeded"
    assert done.json["rowsDone"] == 300
    assert done.json["report"] == {
        "received": 300,
        "created": 300,
        "skipped": 0,
        "errors": [],
        "errorsOmitted": 0,
        "notes": [],
    }
    assert done.json["error"] is None
    assert count_numbers(app) == 300
    # Recorded once, as made by whoever sent the file, though a worker stored the numbers; each
    # number's history shows it.
    sender = client.get("/api/v1/auth/me").json["email"]
    (recorded,) = client.get("/api/v1/changes", query_string={"action": "import"}).json
    assert (recorded["actorEmail"], recorded["requestId"], recorded["count"]) == (
        sender,
        response.headers["X-Request-ID"],
        300,
    )
    some_number = client.get("/api/v1/numbers", query_string={"per_page": 1}).json[0]
    assert [entry["id"] for entry in client.get(f"/api/v1/numbers/{some_number['id']}/history").json] == [
        recorded["id"]
    ]
    with app.app_context():
        assert SqlAlchemyImportJobStore(engine_of(app), utc_now).count_stored_chunks() == 0


@only_postgresql
def test_a_form_upload_becomes_a_job_whose_report_notes_the_ignored_columns(
    app: Flask, client: FlaskClient, job_app: procrastinate.App
) -> None:
    rows = "value;monthyPrice;setupPrice;currency;notes\n" + "".join(
        f"{nth_phone_number(n)};1,50;3,40;U$;from a spreadsheet\n" for n in range(100)
    )
    file = (io.BytesIO(rows.encode()), "numbers.csv", "application/vnd.ms-excel")
    response = client.post(IMPORTS, data={"file": file}, content_type="multipart/form-data")
    assert response.status_code == 202

    run_worker_until_idle(job_app)

    report = client.get(response.headers["Location"]).json["report"]  # type: ignore[index]
    assert (report["created"], report["errors"]) == (100, [])
    assert report["notes"] == ["the column 'notes' is not one of ours: it was ignored"]
    assert count_numbers(app) == 100


@only_postgresql
def test_the_status_shows_the_rows_done_while_the_job_runs(
    app: Flask, client: FlaskClient, job_app: procrastinate.App
) -> None:
    location = upload(client, valid_rows(350)).headers["Location"]
    seen: list[int] = []
    with app.app_context():
        served = inventory()
        original = served.run_import_job._store.progress  # type: ignore[attr-defined]

        def spy(job_id: int, rows_done: int) -> None:
            original(job_id, rows_done)
            seen.append(client.get(location).json["rowsDone"])

        served.run_import_job._store.progress = spy  # type: ignore[attr-defined]
        run_worker_until_idle(job_app)

    assert seen == [100, 200, 300, 350]  # after each batch of 100, then once stored
    assert client.get(location).json["status"] == "succeeded"


@only_postgresql
def test_an_all_or_nothing_job_with_bad_rows_fails_with_its_report_and_stores_nothing(
    app: Flask, client: FlaskClient, job_app: procrastinate.App
) -> None:
    body, bad_lines = thousand_rows_three_bad()
    location = upload(client, body, mode="all-or-nothing").headers["Location"]

    run_worker_until_idle(job_app)

    job = client.get(location).json
    assert job["status"] == "failed"
    assert job["mode"] == "all-or-nothing"
    assert "nothing was stored" in job["error"]
    assert [error["line"] for error in job["report"]["errors"]] == bad_lines
    assert job["report"]["created"] == 0
    assert count_numbers(app) == 0


@only_postgresql
def test_a_job_whose_file_is_not_csv_fails_with_the_reason(
    client: FlaskClient, job_app: procrastinate.App
) -> None:
    location = upload(client, b"\xff\xfe" * 1000).headers["Location"]
    run_worker_until_idle(job_app)
    job = client.get(location).json
    assert job["status"] == "failed"
    assert "not UTF-8" in job["error"]


@only_postgresql
def test_a_job_left_by_a_worker_that_died_is_queued_again_and_completed(
    app: Flask, client: FlaskClient, job_app: procrastinate.App
) -> None:
    location = upload(client, valid_rows(200)).headers["Location"]
    job_id = int(location.rsplit("/", 1)[1])

    async def a_worker_takes_the_job_and_dies() -> int:
        async with job_app.open_async():
            worker_id = await job_app.job_manager.register_worker()
            job = await job_app.job_manager.fetch_job(queues=None, worker_id=worker_id)
            assert job is not None
            assert job.task_name == IMPORT_TASK
            with app.app_context():
                inventory().run_import_job._store.start(job_id)  # type: ignore[attr-defined]
            # ... and sends no heartbeat again: a minute later it is stalled.
            await job_app.connector.execute_query_async(
                "UPDATE procrastinate_workers SET last_heartbeat = NOW() - INTERVAL '1 minute'"
            )
            return await retry_stalled(job_app)

    assert client.get(location).json["status"] == "queued"
    assert asyncio.run(a_worker_takes_the_job_and_dies()) == 1
    assert client.get(location).json["status"] == "running"

    run_worker_until_idle(job_app)

    job = client.get(location).json
    assert job["status"] == "succeeded"
    assert job["report"]["created"] == 200
    assert count_numbers(app) == 200


@only_postgresql
def test_a_job_interrupted_too_often_is_marked_failed_not_lost(
    app: Flask, client: FlaskClient, job_app: procrastinate.App
) -> None:
    location = upload(client, valid_rows(100)).headers["Location"]
    job_id = int(location.rsplit("/", 1)[1])
    with app.app_context(), engine_of(app).begin() as connection:
        connection.execute(
            text("UPDATE import_jobs SET status = 'running', attempts = 3 WHERE id = :id"), {"id": job_id}
        )

    run_worker_until_idle(job_app)

    job = client.get(location).json
    assert job["status"] == "failed"
    assert "interrupted 3 times" in job["error"]
    assert count_numbers(app) == 0


@only_postgresql
def test_a_small_import_is_still_answered_in_the_request(client: FlaskClient) -> None:
    response = upload(client, valid_rows(2))
    assert response.status_code == 200
    assert response.json["created"] == 2


@only_postgresql
def test_an_unknown_job_is_a_404_problem(client: FlaskClient) -> None:
    assert_problem(client.get(f"{IMPORTS}/999999"), 404)


@only_postgresql
def test_following_a_job_needs_the_write_numbers_permission(app: Flask, client: FlaskClient) -> None:
    location = upload(client, valid_rows(100)).headers["Location"]
    assert client_as(app, "viewer").get(location).status_code == 403
    assert client_as(app, None).get(location).status_code == 401


@only_sqlite
def test_on_sqlite_a_large_import_stays_in_the_request(app: Flask, client: FlaskClient) -> None:
    response = upload(client, valid_rows(300))
    assert response.status_code == 200
    assert response.json["created"] == 300


@only_postgresql
def test_a_job_the_queue_refuses_is_a_503_and_is_marked_failed_not_left_queued(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def queue_down(*_args: object, **_kwargs: object) -> None:
        raise procrastinate.exceptions.ConnectorException("the queue is down")

    monkeypatch.setattr(procrastinate.tasks.Task, "defer", queue_down)
    response = upload(client, valid_rows(100))

    assert_problem(response, 503)
    with app.app_context(), engine_of(app).connect() as connection:
        assert connection.execute(text("SELECT status FROM import_jobs")).scalars().all() == ["failed"]
        assert connection.execute(text("SELECT count(*) FROM import_job_chunks")).scalar_one() == 0


@only_sqlite
def test_the_worker_command_says_jobs_need_postgresql(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["worker"])
    assert result.exit_code == 1
    assert "import jobs need PostgreSQL" in result.output
