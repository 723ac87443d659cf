"""The composition root: the one place that knows every layer.

It reads the settings, builds the adapters (engines, units of work, the read side, the job store and
queue, the password hasher), wires them into the use cases, and hands the web layer an Inventory of
use cases only. The HTTP app, the CLI and the import worker (a CLI command) all start here:
`flask --app src.bootstrap ...`, and uWSGI's `module = src.bootstrap:create_app()`.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from datetime import UTC, datetime, timedelta
from pathlib import Path

from flask import Flask
from sqlalchemy import Engine

from src.application.authorize_request import AuthorizeRequest
from src.application.bulk_change import BulkChange
from src.application.change_password import ChangePassword
from src.application.changes import History
from src.application.create_number import CreateNumber
from src.application.create_user import CreateUser
from src.application.delete_number import DeleteNumber
from src.application.delete_user import DeleteUser
from src.application.ensure_first_admin import EnsureFirstAdmin
from src.application.errors import StorageUnavailable
from src.application.export_numbers import ExportNumbers
from src.application.get_number import GetNumber
from src.application.get_user import GetUser
from src.application.import_jobs import GetImportJob, RunImportJob, StartImportJob
from src.application.import_numbers import ImportNumbers
from src.application.issue_token import IssueToken
from src.application.list_changes import ExportChanges, ListChanges, NumberHistory, PruneChanges
from src.application.list_numbers import ListNumbers
from src.application.list_users import ListUsers
from src.application.patch_number import PatchNumber
from src.application.ports import UnitOfWork
from src.application.purge_stale_records import PurgeStaleRecords
from src.application.replace_number import ReplaceNumber
from src.application.revoke_token import RevokeToken
from src.application.seed_numbers import SeedNumbers
from src.application.update_user import UpdateUser
from src.domain.money import CurrencyCatalog
from src.infrastructure.database import create_database_engine, create_session_factory, ping
from src.infrastructure.demo_data import demo_numbers
from src.infrastructure.import_job_store import SqlAlchemyImportJobStore
from src.infrastructure.job_queue import HEARTBEAT_FILE, enqueuer, run_worker, worker_app
from src.infrastructure.logging import configure_logging
from src.infrastructure.number_reader import SqlAlchemyNumberReader
from src.infrastructure.orm import start_mappers
from src.infrastructure.password_check import ZxcvbnPasswordCheck
from src.infrastructure.passwords import WerkzeugPasswordHasher
from src.infrastructure.repositories import SqlAlchemyTokenHolders
from src.infrastructure.settings import Settings, SettingsError
from src.infrastructure.unit_of_work import SqlAlchemyUnitOfWork
from src.web.app import create_web_app
from src.web.auth import current_actor
from src.web.csv_codec import ChunkStream, read_number_rows
from src.web.cursors import CursorCodec
from src.web.inventory import Inventory, WebSettings
from src.web.request_ids import RequestIdFilter

logger = logging.getLogger(__name__)


ENGINE_KEY = "number_inventory.engine"


def create_app(settings: Settings | None = None) -> Flask:
    settings = settings or Settings.from_env()
    configure_logging(settings.log_level, settings.log_format, RequestIdFilter())
    engine = create_database_engine(settings.database_url)
    served = build_inventory(settings, engine)
    app = create_web_app(served)
    app.extensions[ENGINE_KEY] = engine
    create_first_admin(served, settings)
    if engine.dialect.name == "sqlite":
        purge_stale_records(served)
    return app


def engine_of(app: Flask) -> Engine:
    """The app's (transactional) engine, for tools and tests that look at the database directly;
    the web layer never sees it."""
    engine: Engine = app.extensions[ENGINE_KEY]
    return engine


def create_first_admin(served: Inventory, settings: Settings) -> None:
    """ADMIN_EMAIL/ADMIN_PASSWORD make the first admin of a fresh install, however the app starts."""
    if not (settings.admin_email and settings.admin_password):
        return
    try:
        if served.ensure_first_admin(settings.admin_email, settings.admin_password):
            logger.info("created the first admin, %s", settings.admin_email)
    except StorageUnavailable:
        logger.warning("the database is not reachable yet: the first admin was not created")


def purge_stale_records(served: Inventory) -> None:
    """SQLite runs no job queue, so stale tokens and login windows are purged at each start (and by
    `flask purge`); on PostgreSQL a periodic job of the workers does it."""
    try:
        purged = served.purge_stale_records()
        logger.info(
            "purged %s tokens and %s login-attempt windows", purged.tokens, purged.login_attempt_windows
        )
    except StorageUnavailable:
        logger.warning("the database is not reachable yet: nothing was purged")


def cursor_key(settings: Settings) -> str:
    """SECRET_KEY, which production must set: a default would be public, and cursors forgeable."""
    if settings.secret_key:
        return settings.secret_key
    if not settings.development:
        raise SettingsError(
            "SECRET_KEY is not set: give it a long random value (on a developer's machine, "
            "DEVELOPMENT=1 makes one up for each start)"
        )
    logger.warning(
        "SECRET_KEY is not set: made up a random one for this process (DEVELOPMENT=1); "
        "keyset cursors will not survive a restart"
    )
    return secrets.token_urlsafe(32)


def build_inventory(settings: Settings, engine: Engine | None = None) -> Inventory:
    start_mappers()
    engine = engine or create_database_engine(settings.database_url)
    read_engine = create_database_engine(
        settings.database_url, autocommit=True, prepared=settings.prepared_reads
    )
    session_factory = create_session_factory(engine)
    read_only_sessions = create_session_factory(read_engine, read_only=True)
    on_postgresql = engine.dialect.name == "postgresql"
    currencies = CurrencyCatalog(settings.currencies)
    hasher = WerkzeugPasswordHasher(settings.password_hash_method)
    # The web layer knows who is asking; outside a request (CLI, worker) it answers the system.
    history = History(utc_now, current_actor)
    password_check = ZxcvbnPasswordCheck()
    # PostgreSQL's server-side cursors need a transaction; SQLite streams without one, and its
    # write engine's transactions take the write lock (src/infrastructure/database.py).
    reader = SqlAlchemyNumberReader(read_engine, engine if on_postgresql else read_engine, currencies)
    authorize_request = AuthorizeRequest(SqlAlchemyTokenHolders(read_engine), utc_now)

    def uow() -> UnitOfWork:
        return SqlAlchemyUnitOfWork(session_factory)

    def read_uow() -> UnitOfWork:
        """For the use cases that only read (half the round trips: no BEGIN, no ROLLBACK)."""
        return SqlAlchemyUnitOfWork(read_only_sessions)

    import_numbers = ImportNumbers(
        uow,
        currencies,
        settings.import_batch_size,
        settings.max_reported_import_errors,
        # PostgreSQL stores a batch while the next is validated; SQLite connections stay on one thread.
        overlap_writes=on_postgresql,
        history=history,
    )
    seed_numbers = SeedNumbers(import_numbers)
    job_store = SqlAlchemyImportJobStore(engine, utc_now)
    run_import_job = RunImportJob(
        job_store, import_numbers, lambda chunks: read_number_rows(ChunkStream(chunks))
    )
    jobs_enabled = on_postgresql and settings.import_job_threshold_bytes > 0
    purge = PurgeStaleRecords(uow, utc_now)
    prune_changes = PruneChanges(uow, utc_now)

    def run_import_worker(concurrency: int, heartbeat_file: Path | None) -> None:
        app = worker_app(
            settings.database_url,
            run_import_job,
            purge,
            lambda: prune_changes(settings.changes_retention_days),
        )
        asyncio.run(run_worker(app, concurrency, heartbeat_file or HEARTBEAT_FILE))

    def dispose() -> None:
        engine.dispose()
        read_engine.dispose()

    return Inventory(
        settings=web_settings(settings),
        currencies=currencies,
        cursors=CursorCodec(cursor_key(settings)),
        create_number=CreateNumber(
            uow,
            currencies,
            clock=utc_now,
            idempotency_ttl=timedelta(seconds=settings.idempotency_ttl_seconds),
            history=history,
        ),
        get_number=GetNumber(reader, authorize_request),
        list_numbers=ListNumbers(reader, authorize_request),
        replace_number=ReplaceNumber(uow, currencies, history),
        patch_number=PatchNumber(uow, currencies, history),
        delete_number=DeleteNumber(uow, history),
        bulk_change=BulkChange(uow, reader, currencies, history),
        list_changes=ListChanges(read_uow),
        export_changes=ExportChanges(read_uow),
        number_history=NumberHistory(read_uow),
        prune_changes=prune_changes,
        seed_numbers=seed_numbers,
        export_numbers=ExportNumbers(reader),
        import_numbers=import_numbers,
        get_import_job=GetImportJob(job_store),
        run_import_job=run_import_job,
        start_import_job=StartImportJob(job_store, enqueuer(engine, run_import_job), current_actor)
        if jobs_enabled
        else None,
        authorize_request=authorize_request,
        issue_token=IssueToken(uow, hasher, utc_now, timedelta(seconds=settings.token_ttl_seconds)),
        revoke_token=RevokeToken(uow, utc_now),
        change_password=ChangePassword(uow, hasher, password_check, utc_now, history),
        purge_stale_records=purge,
        create_user=CreateUser(uow, hasher, password_check, history),
        list_users=ListUsers(read_uow),
        get_user=GetUser(read_uow),
        update_user=UpdateUser(uow, utc_now, history),
        delete_user=DeleteUser(uow, history),
        ensure_first_admin=EnsureFirstAdmin(uow, hasher, password_check, history),
        check_storage=lambda: ping(engine),
        seed_demo=lambda count: seed_numbers(demo_numbers(count, currencies.codes)),
        run_worker=run_import_worker if on_postgresql else None,
        dispose=dispose,
    )


def web_settings(settings: Settings) -> WebSettings:
    return WebSettings(
        page_size=settings.page_size,
        max_page_size=settings.max_page_size,
        currencies=settings.currencies,
        max_body_bytes=settings.max_body_bytes,
        max_import_bytes=settings.max_import_bytes,
        import_job_threshold_bytes=settings.import_job_threshold_bytes,
        cors_origins=settings.cors_origins,
        trust_proxy_headers=settings.trust_proxy_headers,
        allowed_hosts=tuple(settings.allowed_hosts),
        debug=settings.debug,
        changes_retention_days=settings.changes_retention_days,
    )


def utc_now() -> datetime:
    return datetime.now(UTC)
