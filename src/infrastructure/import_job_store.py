"""Import jobs and their files in the database (SQLAlchemy Core): every method a short transaction
of its own, the file written and read a chunk at a time."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, func, insert, select, update

from src.application.changes import SYSTEM, Actor
from src.application.import_jobs import ImportJob, ImportJobStore, JobStatus
from src.application.import_numbers import ImportMode, ImportReport, RowError
from src.infrastructure.tables import import_job_chunks, import_jobs


class SqlAlchemyImportJobStore(ImportJobStore):
    def __init__(self, engine: Engine, clock: Callable[[], datetime]) -> None:
        self._engine = engine
        self._clock = clock

    def create(
        self, mode: ImportMode, chunks: Iterable[bytes], owner_id: int, requested_by: Actor = SYSTEM
    ) -> ImportJob:
        now = self._clock()
        with self._engine.begin() as connection:
            job_id = connection.execute(
                insert(import_jobs)
                .values(
                    status=JobStatus.QUEUED.value,
                    mode=mode.value,
                    bytes=0,
                    rows_done=0,
                    attempts=0,
                    created_at=now,
                    updated_at=now,
                    requested_by_id=requested_by.user_id,
                    requested_by_email=requested_by.email,
                    request_id=requested_by.request_id,
                    owner_id=owner_id,
                )
                .returning(import_jobs.c.id)
            ).scalar_one()
            size = 0
            for seq, chunk in enumerate(chunks):
                connection.execute(insert(import_job_chunks).values(job_id=job_id, seq=seq, data=chunk))
                size += len(chunk)
            connection.execute(update(import_jobs).where(import_jobs.c.id == job_id).values(bytes=size))
        return ImportJob(
            job_id, JobStatus.QUEUED, mode, size, 0, owner_id=owner_id, requested_by=requested_by
        )

    def get(self, job_id: int) -> ImportJob | None:
        with self._engine.connect() as connection:
            row = connection.execute(select(import_jobs).where(import_jobs.c.id == job_id)).mappings().first()
        return None if row is None else _job(row)

    def read_file(self, job_id: int) -> Iterator[bytes]:
        seq = 0
        while True:
            with self._engine.connect() as connection:
                data = connection.execute(
                    select(import_job_chunks.c.data).where(
                        import_job_chunks.c.job_id == job_id, import_job_chunks.c.seq == seq
                    )
                ).scalar_one_or_none()
            if data is None:
                return
            yield bytes(data)
            seq += 1

    def start(self, job_id: int) -> ImportJob:
        self._update(job_id, status=JobStatus.RUNNING.value, attempts=import_jobs.c.attempts + 1, rows_done=0)
        job = self.get(job_id)
        assert job is not None
        return job

    def progress(self, job_id: int, rows_done: int) -> None:
        self._update(job_id, rows_done=rows_done)

    def finish(self, job_id: int, status: JobStatus, report: ImportReport | None, error: str | None) -> None:
        with self._engine.begin() as connection:
            connection.execute(
                update(import_jobs)
                .where(import_jobs.c.id == job_id)
                .values(
                    status=status.value,
                    report=None if report is None else _report_json(report),
                    rows_done=report.received if report is not None else import_jobs.c.rows_done,
                    error=error,
                    updated_at=self._clock(),
                )
            )
            connection.execute(import_job_chunks.delete().where(import_job_chunks.c.job_id == job_id))

    def count_stored_chunks(self) -> int:
        with self._engine.connect() as connection:
            return connection.execute(select(func.count()).select_from(import_job_chunks)).scalar_one()

    def _update(self, job_id: int, **values: Any) -> None:
        with self._engine.begin() as connection:
            connection.execute(
                update(import_jobs)
                .where(import_jobs.c.id == job_id)
                .values(updated_at=self._clock(), **values)
            )


def _report_json(report: ImportReport) -> dict[str, Any]:
    return {
        "received": report.received,
        "created": report.created,
        "errors": [[error.line, error.field, error.message] for error in report.errors],
        "errorsOmitted": report.errors_omitted,
        "notes": list(report.notes),
    }


def _job(row: Any) -> ImportJob:
    stored = row["report"]
    report = (
        None
        if stored is None
        else ImportReport(
            stored["received"],
            stored["created"],
            tuple(RowError(line, field, message) for line, field, message in stored["errors"]),
            stored["errorsOmitted"],
            tuple(stored.get("notes", ())),  # reports stored before notes existed have none
        )
    )
    return ImportJob(
        id=row["id"],
        status=JobStatus(row["status"]),
        mode=ImportMode(row["mode"]),
        bytes=row["bytes"],
        rows_done=row["rows_done"],
        attempts=row["attempts"],
        report=report,
        error=row["error"],
        requested_by=Actor(row["requested_by_id"], row["requested_by_email"], row["request_id"]),
        owner_id=row["owner_id"],
    )
