"""The job queue: procrastinate, whose store is the PostgreSQL database the inventory already uses.

Jobs are rows of PostgreSQL tables (migration 0005 creates them), so they survive restarts of the
app and of the workers. A worker sends a heartbeat every few seconds; a job whose worker stopped
sending them (it was killed, its machine died) is handed back to the queue by the periodic task
below, and the import job counts its attempts and gives up, marked failed, after a few."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import procrastinate
import procrastinate.exceptions
from procrastinate.contrib.sqlalchemy import SQLAlchemyPsycopg2Connector
from psycopg.conninfo import make_conninfo
from sqlalchemy import Engine, make_url

from src.application.errors import StorageUnavailable

logger = logging.getLogger(__name__)

IMPORT_TASK = "import_numbers"
RETRY_STALLED_TASK = "retry_stalled_jobs"
PRUNE_CHANGES_TASK = "prune_changes"
PURGE_TASK = "purge_stale_records"
# A worker is stalled once it has sent no heartbeat for this long (it sends one every 10 s).
STALLED_AFTER_SECONDS = 30.0
# For the container's health check: touched every HEARTBEAT_SECONDS while the worker reaches the database.
HEARTBEAT_FILE = Path("/tmp/number-inventory-worker.alive")  # noqa: S108 - the container's own tmpfs
HEARTBEAT_SECONDS = 10.0


def conninfo(database_url: str) -> str:
    """libpq's form of a SQLAlchemy URL (postgresql+psycopg2://user:pw@host:port/db?opt=v)."""
    url = make_url(database_url)
    params: dict[str, Any] = {
        "host": url.host,
        "port": url.port,
        "dbname": url.database,
        "user": url.username,
        "password": url.password,
        **{key: value for key, value in url.query.items() if isinstance(value, str)},
    }
    return make_conninfo(**{key: value for key, value in params.items() if value is not None})


def build_job_app(
    connector: Any,
    run_import: Callable[[int], object],
    purge_stale: Callable[[], object] | None = None,
    prune_changes: Callable[[], int] | None = None,
) -> procrastinate.App:
    """The queue's tasks, bound to this process's use cases. `purge_stale` (expired tokens, ended
    login windows) runs every quarter of an hour on some worker, `prune_changes` (the change
    history's retention) daily; the web app, which only defers imports, leaves both out."""
    app = procrastinate.App(connector=connector)

    if purge_stale is not None:

        @app.periodic(cron="*/15 * * * *", periodic_id="every-quarter-hour")
        @app.task(name=PURGE_TASK, queueing_lock=PURGE_TASK)
        def purge_stale_records(timestamp: int) -> None:
            logger.info("purged stale records: %s", purge_stale())

    if prune_changes is not None:

        @app.periodic(cron="17 3 * * *", periodic_id="daily")
        @app.task(name=PRUNE_CHANGES_TASK, queueing_lock=PRUNE_CHANGES_TASK)
        def prune_old_changes(timestamp: int) -> None:
            pruned = prune_changes()
            if pruned:
                logger.info("pruned %s changes past the retention", pruned)

    @app.task(name=IMPORT_TASK)
    def import_numbers(job_id: int) -> None:
        run_import(job_id)

    @app.periodic(cron="* * * * *", periodic_id="every-minute")
    @app.task(name=RETRY_STALLED_TASK, queueing_lock=RETRY_STALLED_TASK, pass_context=True)
    async def retry_stalled_jobs(context: procrastinate.JobContext, timestamp: int) -> None:
        await retry_stalled(context.app)

    return app


async def retry_stalled(
    app: procrastinate.App, seconds_since_heartbeat: float = STALLED_AFTER_SECONDS
) -> int:
    """Hand back to the queue every job whose worker has stopped sending heartbeats."""
    stalled = list(await app.job_manager.get_stalled_jobs(seconds_since_heartbeat=seconds_since_heartbeat))
    for job in stalled:
        logger.warning("job %s (%s) was left by a worker that stopped: queued again", job.id, job.task_name)
        await app.job_manager.retry_job(job)
    return len(stalled)


def worker_app(
    database_url: str,
    run_import: Callable[[int], object],
    purge_stale: Callable[[], object] | None = None,
    prune_changes: Callable[[], int] | None = None,
) -> procrastinate.App:
    """For a worker process: procrastinate's own asynchronous psycopg 3 connector."""
    connector = procrastinate.PsycopgConnector(conninfo=conninfo(database_url))
    return build_job_app(connector, run_import, purge_stale, prune_changes)


def enqueuer(engine: Engine, run_import: Callable[[int], object]) -> Callable[[int], None]:
    """For the web app: defers import jobs through the app's own engine (pool and driver)."""
    app = build_job_app(SQLAlchemyPsycopg2Connector(), run_import)
    app.open(engine)
    task = app.tasks[IMPORT_TASK]

    def enqueue(job_id: int) -> None:
        try:
            task.defer(job_id=job_id)
        except procrastinate.exceptions.ConnectorException as error:
            raise StorageUnavailable("the job queue cannot be reached") from error

    return enqueue


async def run_worker(app: procrastinate.App, concurrency: int, heartbeat_file: Path) -> None:
    """Work until SIGTERM/SIGINT, touching `heartbeat_file` while the database answers."""

    async def beat() -> None:
        while True:
            if await app.job_manager.check_connection_async():
                heartbeat_file.touch()
            await asyncio.sleep(HEARTBEAT_SECONDS)

    async with app.open_async():
        beating = asyncio.create_task(beat())
        try:
            await app.run_worker_async(concurrency=concurrency)
        finally:
            beating.cancel()


def healthy(heartbeat_file: Path = HEARTBEAT_FILE, now: float | None = None) -> bool:
    """The worker touched its file lately (it runs, and reaches the database)."""
    try:
        age = (time.time() if now is None else now) - os.path.getmtime(heartbeat_file)
    except OSError:
        return False
    return age < 3 * HEARTBEAT_SECONDS


if __name__ == "__main__":  # the worker container's health check: python -m src.infrastructure.job_queue
    sys.exit(0 if healthy() else 1)
