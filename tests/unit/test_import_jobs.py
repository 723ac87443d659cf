"""Import jobs with fakes: queued, run with progress, their outcome recorded, attempts bounded."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

import procrastinate.testing
import pytest

from src.application.import_jobs import (
    GetImportJob,
    ImportJobNotFound,
    JobStatus,
    RunImportJob,
    StartImportJob,
)
from src.application.import_numbers import ImportMode, ImportNumbers, ImportRow
from src.application.number_fields import NumberData
from src.application.results import UserResult
from src.domain.errors import DomainError
from src.domain.users import Role
from src.infrastructure.job_queue import PURGE_TASK, build_job_app, healthy
from tests.factories import nth_phone_number
from tests.fakes import FakeImportJobStore, FakeUnitOfWork
from tests.unit.test_import_numbers import CURRENCIES


def read_rows(chunks: Iterator[bytes]) -> Iterable[ImportRow]:
    """A stand-in for the CSV reader: one row a line, `value,monthyPrice,setupPrice,currency`."""
    lines = b"".join(chunks).decode().splitlines()
    if not lines or lines[0] != "header":
        raise DomainError("the first line must name the columns", "header")
    return [ImportRow(number + 2, NumberData(*line.split(","))) for number, line in enumerate(lines[1:])]


UPLOADER = UserResult(id=3, email="uploader@test.example", role=Role.SUPERVISOR, active=True)
OTHER_SUPERVISOR = UserResult(id=4, email="other@test.example", role=Role.SUPERVISOR, active=True)
ADMIN = UserResult(id=5, email="admin@test.example", role=Role.ADMIN, active=True)


def csv_file(count: int, bad: int | None = None) -> list[bytes]:
    lines = ["header"] + [f"{nth_phone_number(n)},1.00,2.00,U$" for n in range(count)]
    if bad is not None:
        lines[bad + 1] = f"{nth_phone_number(bad)},-1,2.00,U$"
    text = "\n".join(lines).encode()
    return [text[:10], text[10:]]  # two chunks, split mid-line


@pytest.fixture
def store() -> FakeImportJobStore:
    return FakeImportJobStore()


@pytest.fixture
def uow() -> FakeUnitOfWork:
    return FakeUnitOfWork()


def runner(store: FakeImportJobStore, uow: FakeUnitOfWork) -> RunImportJob:
    return RunImportJob(store, ImportNumbers(uow, CURRENCIES, batch_size=2), read_rows, max_attempts=3)


def test_a_started_job_is_stored_queued_and_enqueued(store: FakeImportJobStore) -> None:
    enqueued: list[int] = []
    job = StartImportJob(store, enqueued.append)(csv_file(3), ImportMode.SKIP_INVALID, UPLOADER.id)
    assert job.status is JobStatus.QUEUED
    assert job.bytes == sum(map(len, csv_file(3)))
    assert enqueued == [job.id]
    assert GetImportJob(store)(job.id, UPLOADER) == job


def test_a_job_that_cannot_be_queued_is_marked_failed_not_left_queued(store: FakeImportJobStore) -> None:
    def queue_down(_job_id: int) -> None:
        raise ConnectionError("the queue is down")

    with pytest.raises(ConnectionError):
        StartImportJob(store, queue_down)(csv_file(3), ImportMode.SKIP_INVALID, UPLOADER.id)
    assert [job.status for job in store.jobs.values()] == [JobStatus.FAILED]


def test_an_unknown_job_is_not_found(store: FakeImportJobStore) -> None:
    with pytest.raises(ImportJobNotFound):
        GetImportJob(store)(7, ADMIN)


def test_a_job_is_not_found_by_another_supervisor_but_by_an_admin(store: FakeImportJobStore) -> None:
    job = StartImportJob(store, lambda _job_id: None)(csv_file(3), ImportMode.SKIP_INVALID, UPLOADER.id)
    with pytest.raises(ImportJobNotFound):
        GetImportJob(store)(job.id, OTHER_SUPERVISOR)
    assert GetImportJob(store)(job.id, ADMIN) == job


def test_running_a_job_imports_its_file_reports_progress_and_deletes_the_file(
    store: FakeImportJobStore, uow: FakeUnitOfWork
) -> None:
    job = store.create(ImportMode.SKIP_INVALID, csv_file(5), UPLOADER.id)
    assert runner(store, uow)(job.id) is JobStatus.SUCCEEDED
    done = store.jobs[job.id]
    assert done.status is JobStatus.SUCCEEDED
    assert done.report is not None
    assert done.report.created == 5
    assert done.attempts == 1
    assert store.progress_seen == [2, 4, 5]
    assert job.id not in store.files
    assert uow.committed


def test_an_all_or_nothing_job_with_a_bad_row_fails_with_its_report(
    store: FakeImportJobStore, uow: FakeUnitOfWork
) -> None:
    job = store.create(ImportMode.ALL_OR_NOTHING, csv_file(5, bad=3), UPLOADER.id)
    assert runner(store, uow)(job.id) is JobStatus.FAILED
    failed = store.jobs[job.id]
    assert failed.report is not None
    assert [error.line for error in failed.report.errors] == [5]
    assert failed.error is not None
    assert "nothing was stored" in failed.error
    assert not uow.committed


def test_a_file_without_its_header_fails_the_job_with_the_reason(
    store: FakeImportJobStore, uow: FakeUnitOfWork
) -> None:
    job = store.create(ImportMode.SKIP_INVALID, [b"no header here"], UPLOADER.id)
    assert runner(store, uow)(job.id) is JobStatus.FAILED
    assert store.jobs[job.id].error == "the first line must name the columns"


def test_a_job_interrupted_as_often_as_allowed_is_failed_without_another_try(
    store: FakeImportJobStore, uow: FakeUnitOfWork
) -> None:
    job = store.create(ImportMode.SKIP_INVALID, csv_file(2), UPLOADER.id)
    for _ in range(3):
        store.start(job.id)  # three workers took it and died
    assert runner(store, uow)(job.id) is JobStatus.FAILED
    assert "interrupted 3 times" in (store.jobs[job.id].error or "")
    assert not uow.committed


def test_a_finished_job_delivered_again_is_left_as_it_is(
    store: FakeImportJobStore, uow: FakeUnitOfWork
) -> None:
    job = store.create(ImportMode.SKIP_INVALID, csv_file(2), UPLOADER.id)
    run = runner(store, uow)
    run(job.id)
    before = store.jobs[job.id]
    assert run(job.id) is JobStatus.SUCCEEDED
    assert store.jobs[job.id] == before


def test_an_unexpected_error_fails_the_job_and_is_raised(
    store: FakeImportJobStore, uow: FakeUnitOfWork
) -> None:
    job = store.create(ImportMode.SKIP_INVALID, csv_file(2), UPLOADER.id)
    uow.commit_error = RuntimeError("a bug")
    with pytest.raises(RuntimeError):
        runner(store, uow)(job.id)
    assert store.jobs[job.id].status is JobStatus.FAILED


def test_the_worker_health_check_wants_a_recent_heartbeat(tmp_path: Path) -> None:
    heartbeat = tmp_path / "worker.alive"
    assert not healthy(heartbeat)
    heartbeat.touch()
    mtime = heartbeat.stat().st_mtime
    assert healthy(heartbeat, now=mtime + 5)
    assert not healthy(heartbeat, now=mtime + 60)


def test_the_workers_purge_stale_records_every_quarter_of_an_hour() -> None:
    purged: list[str] = []
    app = build_job_app(
        procrastinate.testing.InMemoryConnector(), lambda _job_id: None, lambda: purged.append("x")
    )
    task = app.tasks[PURGE_TASK]
    assert [
        periodic.cron for periodic in app.periodic_registry.periodic_tasks.values() if periodic.task is task
    ] == ["*/15 * * * *"]
    task(timestamp=0)
    assert purged == ["x"]
    assert (
        PURGE_TASK not in build_job_app(procrastinate.testing.InMemoryConnector(), lambda _job_id: None).tasks
    )


def test_by_default_a_job_gets_three_attempts(store: FakeImportJobStore, uow: FakeUnitOfWork) -> None:
    run = RunImportJob(store, ImportNumbers(uow, CURRENCIES), read_rows)
    third_try = store.create(ImportMode.SKIP_INVALID, csv_file(1), UPLOADER.id)
    for _ in range(2):
        store.start(third_try.id)
    assert run(third_try.id) is JobStatus.SUCCEEDED
    given_up = store.create(ImportMode.SKIP_INVALID, csv_file(1), UPLOADER.id)
    for _ in range(3):
        store.start(given_up.id)
    assert run(given_up.id) is JobStatus.FAILED
    assert (store.jobs[given_up.id].status, store.jobs[given_up.id].error) == (
        JobStatus.FAILED,
        "the import was interrupted 3 times (its worker stopped); send the file again",
    )


def test_an_unknown_job_delivered_to_a_worker_is_failed_and_nothing_else(
    store: FakeImportJobStore, uow: FakeUnitOfWork
) -> None:
    assert runner(store, uow)(99) is JobStatus.FAILED
    assert store.jobs == {}


def test_every_failure_is_stored_as_failed(store: FakeImportJobStore, uow: FakeUnitOfWork) -> None:
    rejected = store.create(ImportMode.ALL_OR_NOTHING, csv_file(5, bad=3), UPLOADER.id)
    headless = store.create(ImportMode.SKIP_INVALID, [b"no header here"], UPLOADER.id)
    run = runner(store, uow)
    run(rejected.id)
    run(headless.id)
    assert [store.jobs[job.id].status for job in (rejected, headless)] == [JobStatus.FAILED] * 2


def test_a_job_stopped_by_a_bug_says_so_without_its_details(
    store: FakeImportJobStore, uow: FakeUnitOfWork
) -> None:
    job = store.create(ImportMode.SKIP_INVALID, csv_file(2), UPLOADER.id)
    uow.commit_error = RuntimeError("a bug")
    with pytest.raises(RuntimeError):
        runner(store, uow)(job.id)
    assert store.jobs[job.id].error == "the import stopped on an unexpected error"
