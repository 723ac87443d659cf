"""The composition root: create_app(settings) wires every adapter to every use case."""

from __future__ import annotations

import logging
import secrets
from datetime import UTC, datetime, timedelta

from flask import Flask

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
from src.application.list_changes import ListChanges, NumberHistory, PruneChanges
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
from src.infrastructure.csv_codec import ChunkStream, read_number_rows
from src.infrastructure.database import create_database_engine, create_session_factory
from src.infrastructure.import_job_store import SqlAlchemyImportJobStore
from src.infrastructure.job_queue import enqueuer
from src.infrastructure.logging import configure_logging
from src.infrastructure.orm import start_mappers
from src.infrastructure.password_check import ZxcvbnPasswordCheck
from src.infrastructure.passwords import WerkzeugPasswordHasher
from src.infrastructure.settings import Settings, SettingsError
from src.infrastructure.unit_of_work import SqlAlchemyUnitOfWork
from src.web.access_log import register_access_log
from src.web.auth import current_actor, register_authorization
from src.web.blueprints import auth, changes, docs, health, numbers, users
from src.web.cli import register_commands
from src.web.cursors import CursorCodec
from src.web.errors import register_error_handlers
from src.web.http_policies import register_http_policies
from src.web.inventory import EXTENSION_KEY, Inventory
from src.web.proxies import trust_proxy_headers
from src.web.request_ids import RequestIdFilter, register_request_ids

logger = logging.getLogger(__name__)


def create_app(settings: Settings | None = None) -> Flask:
    settings = settings or Settings.from_env()
    app = Flask(__name__)
    app.config.update(
        MAX_CONTENT_LENGTH=settings.max_body_bytes,
        DEBUG=settings.debug,
        # Flask answers any other Host (after ProxyFix: X-Forwarded-Host) with a 400.
        TRUSTED_HOSTS=list(settings.allowed_hosts),
    )
    app.json.sort_keys = False  # type: ignore[attr-defined]  # documents keep their order (NumberOut's keys)
    configure_logging(settings.log_level, settings.log_format, RequestIdFilter())
    app.extensions[EXTENSION_KEY] = build_inventory(settings)
    register_request_ids(app)
    register_access_log(app)
    register_http_policies(app, settings.cors_origins)
    register_authorization(app)
    register_blueprints(app)
    register_error_handlers(app)
    register_commands(app)
    create_first_admin(app.extensions[EXTENSION_KEY], settings)
    purge_on_sqlite(app.extensions[EXTENSION_KEY])
    trust_proxy_headers(app, settings.trust_proxy_headers)
    return app


def create_first_admin(served: Inventory, settings: Settings) -> None:
    """ADMIN_EMAIL/ADMIN_PASSWORD make the first admin of a fresh install, however the app starts."""
    if not (settings.admin_email and settings.admin_password):
        return
    try:
        if served.ensure_first_admin(settings.admin_email, settings.admin_password):
            logger.info("created the first admin, %s", settings.admin_email)
    except StorageUnavailable:
        logger.warning("the database is not reachable yet: the first admin was not created")


def purge_on_sqlite(served: Inventory) -> None:
    """SQLite runs no job queue, so stale tokens and login windows are purged at each start (and by
    `flask purge`); on PostgreSQL a periodic job of the workers does it."""
    if served.engine.dialect.name != "sqlite":
        return
    try:
        purged = served.purge_stale_records()
        logger.info(
            "purged %s tokens and %s login-attempt windows", purged.tokens, purged.login_attempt_windows
        )
    except StorageUnavailable:
        logger.warning("the database is not reachable yet: nothing was purged")


def build_inventory(settings: Settings) -> Inventory:
    start_mappers()
    engine = create_database_engine(settings.database_url)
    read_engine = create_database_engine(settings.database_url, autocommit=True)
    session_factory = create_session_factory(engine)
    read_only_sessions = create_session_factory(read_engine, read_only=True)
    on_postgresql = engine.dialect.name == "postgresql"
    currencies = CurrencyCatalog(settings.currencies)
    hasher = WerkzeugPasswordHasher(settings.password_hash_method)
    history = History(utc_now, current_actor)
    password_check = ZxcvbnPasswordCheck()

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
    job_store = SqlAlchemyImportJobStore(engine, utc_now)
    run_import_job = RunImportJob(
        job_store, import_numbers, lambda chunks: read_number_rows(ChunkStream(chunks))
    )
    jobs_enabled = on_postgresql and settings.import_job_threshold_bytes > 0

    return Inventory(
        settings=settings,
        currencies=currencies,
        engine=engine,
        read_engine=read_engine,
        cursors=CursorCodec(cursor_key(settings)),
        create_number=CreateNumber(
            uow,
            currencies,
            clock=utc_now,
            idempotency_ttl=timedelta(seconds=settings.idempotency_ttl_seconds),
            history=history,
        ),
        get_number=GetNumber(read_uow),
        list_numbers=ListNumbers(read_uow),
        replace_number=ReplaceNumber(uow, currencies, history),
        patch_number=PatchNumber(uow, currencies, history),
        delete_number=DeleteNumber(uow, history),
        bulk_change=BulkChange(uow, currencies, history),
        list_changes=ListChanges(read_uow),
        number_history=NumberHistory(read_uow),
        prune_changes=PruneChanges(uow, utc_now),
        seed_numbers=SeedNumbers(import_numbers),
        export_numbers=ExportNumbers(uow),
        import_numbers=import_numbers,
        get_import_job=GetImportJob(job_store),
        run_import_job=run_import_job,
        start_import_job=StartImportJob(job_store, enqueuer(engine, run_import_job), current_actor)
        if jobs_enabled
        else None,
        authorize_request=AuthorizeRequest(read_uow, utc_now),
        issue_token=IssueToken(uow, hasher, utc_now, timedelta(seconds=settings.token_ttl_seconds)),
        revoke_token=RevokeToken(uow, utc_now),
        change_password=ChangePassword(uow, hasher, password_check, utc_now, history),
        purge_stale_records=PurgeStaleRecords(uow, utc_now),
        create_user=CreateUser(uow, hasher, password_check, history),
        list_users=ListUsers(read_uow),
        get_user=GetUser(read_uow),
        update_user=UpdateUser(uow, utc_now, history),
        delete_user=DeleteUser(uow, history),
        ensure_first_admin=EnsureFirstAdmin(uow, hasher, password_check, history),
    )


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


def utc_now() -> datetime:
    return datetime.now(UTC)


def register_blueprints(app: Flask) -> None:
    app.register_blueprint(health.bp)
    app.register_blueprint(numbers.bp)
    app.register_blueprint(docs.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(users.bp)
    app.register_blueprint(changes.bp)
