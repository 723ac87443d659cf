"""Large imports as jobs: the file is stored, a worker imports it later, and the user who uploaded
it (or an admin) follows its progress (rows done) and reads its final report."""

from __future__ import annotations

import abc
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum

from src.application.changes import SYSTEM, Actor, ActorProvider
from src.application.errors import ApplicationError
from src.application.import_numbers import ImportMode, ImportNumbers, ImportRejected, ImportReport, ImportRow
from src.application.results import UserResult
from src.domain.errors import DomainError
from src.domain.users import Permission


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


@dataclass(frozen=True)
class ImportJob:
    id: int
    status: JobStatus
    mode: ImportMode
    bytes: int
    rows_done: int
    attempts: int = 0
    report: ImportReport | None = None  # once done: what was (or, rejected, would have been) stored
    error: str | None = None  # why it failed
    owner_id: int | None = None  # who uploaded it (None: a job from before jobs had owners)
    requested_by: Actor = SYSTEM  # who sent the file: the numbers' creations are theirs


class ImportJobNotFound(ApplicationError):
    def __init__(self, job_id: int) -> None:
        super().__init__(f"there is no import job with id {job_id}")
        self.job_id = job_id


class ImportJobStore(abc.ABC):
    """Jobs and their files, kept where every worker reaches them (the database). Each method is a
    transaction of its own, so that progress is seen while the import's own transaction runs."""

    @abc.abstractmethod
    def create(
        self, mode: ImportMode, chunks: Iterable[bytes], owner_id: int, requested_by: Actor = SYSTEM
    ) -> ImportJob:
        """Store the file (chunk by chunk, never whole in memory) and a queued job, together."""

    @abc.abstractmethod
    def get(self, job_id: int) -> ImportJob | None: ...

    @abc.abstractmethod
    def read_file(self, job_id: int) -> Iterator[bytes]:
        """The stored file, chunk by chunk."""

    @abc.abstractmethod
    def start(self, job_id: int) -> ImportJob:
        """Mark it running and count one more attempt."""

    @abc.abstractmethod
    def progress(self, job_id: int, rows_done: int) -> None: ...

    @abc.abstractmethod
    def finish(self, job_id: int, status: JobStatus, report: ImportReport | None, error: str | None) -> None:
        """Record the outcome and delete the stored file."""


RowReader = Callable[[Iterator[bytes]], Iterable[ImportRow]]  # chunks of a CSV file -> its rows
Enqueue = Callable[[int], None]  # hands a job id to the job queue


class StartImportJob:
    def __init__(
        self, store: ImportJobStore, enqueue: Enqueue, actor: ActorProvider = lambda: SYSTEM
    ) -> None:
        self._store = store
        self._enqueue = enqueue
        self._actor = actor

    def __call__(self, chunks: Iterable[bytes], mode: ImportMode, owner_id: int) -> ImportJob:
        job = self._store.create(mode, chunks, owner_id, self._actor())
        try:
            self._enqueue(job.id)
        except Exception:
            self._store.finish(job.id, JobStatus.FAILED, None, "the job could not be queued")
            raise
        return job


class GetImportJob:
    def __init__(self, store: ImportJobStore) -> None:
        self._store = store

    def __call__(self, job_id: int, caller: UserResult) -> ImportJob:
        """The job, to the user who uploaded it or an admin. To anyone else it does not exist: a
        report echoes rows of the file, and job ids are sequential, so easy to guess."""
        job = self._store.get(job_id)
        if job is None or not (job.owner_id == caller.id or caller.role.may(Permission.MANAGE_USERS)):
            raise ImportJobNotFound(job_id)
        return job


class RunImportJob:
    """What a worker does with a job. The import is one transaction, so a job retried after its
    worker died starts again from a clean inventory; past `max_attempts` it is marked failed."""

    def __init__(
        self,
        store: ImportJobStore,
        import_numbers: ImportNumbers,
        read_rows: RowReader,
        max_attempts: int = 3,
    ) -> None:
        self._store = store
        self._import_numbers = import_numbers
        self._read_rows = read_rows
        self._max_attempts = max_attempts

    def __call__(self, job_id: int) -> JobStatus:
        job = self._store.get(job_id)
        if job is None or job.status in (JobStatus.SUCCEEDED, JobStatus.FAILED):
            return job.status if job else JobStatus.FAILED  # already done (a duplicate delivery)
        if job.attempts >= self._max_attempts:
            self._store.finish(
                job_id,
                JobStatus.FAILED,
                None,
                f"the import was interrupted {job.attempts} times (its worker stopped); send the file again",
            )
            return JobStatus.FAILED
        self._store.start(job_id)
        try:
            rows = self._read_rows(self._store.read_file(job_id))
            report = self._import_numbers(
                rows, job.mode, lambda done: self._store.progress(job_id, done), job.requested_by
            )
        except ImportRejected as rejected:
            self._store.finish(job_id, JobStatus.FAILED, rejected.report, str(rejected))
            return JobStatus.FAILED
        except (ApplicationError, DomainError) as error:  # not CSV at all, or no usable header
            self._store.finish(job_id, JobStatus.FAILED, None, str(error))
            return JobStatus.FAILED
        except Exception:  # a bug: the job says so (the worker logs the traceback)
            self._store.finish(job_id, JobStatus.FAILED, None, "the import stopped on an unexpected error")
            raise
        self._store.finish(job_id, JobStatus.SUCCEEDED, report, None)
        return JobStatus.SUCCEEDED
