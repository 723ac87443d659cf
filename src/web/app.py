"""The composition root: create_app(settings) wires every adapter to every use case."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import Flask

from src.application.create_number import CreateNumber
from src.application.delete_number import DeleteNumber
from src.application.get_number import GetNumber
from src.application.list_numbers import ListNumbers
from src.application.patch_number import PatchNumber
from src.application.ports import UnitOfWork
from src.application.replace_number import ReplaceNumber
from src.application.seed_numbers import SeedNumbers
from src.domain.money import CurrencyCatalog
from src.infrastructure.database import create_database_engine, create_session_factory
from src.infrastructure.logging import configure_logging
from src.infrastructure.orm import start_mappers
from src.infrastructure.settings import Settings
from src.infrastructure.unit_of_work import SqlAlchemyUnitOfWork
from src.web.access_log import register_access_log
from src.web.blueprints import docs, health, numbers
from src.web.cli import register_commands
from src.web.errors import register_error_handlers
from src.web.http_policies import register_http_policies
from src.web.inventory import EXTENSION_KEY, Inventory
from src.web.request_ids import RequestIdFilter, register_request_ids


def create_app(settings: Settings | None = None) -> Flask:
    settings = settings or Settings.from_env()
    app = Flask(__name__)
    app.config.update(MAX_CONTENT_LENGTH=settings.max_body_bytes, DEBUG=settings.debug)
    app.json.sort_keys = False  # type: ignore[attr-defined]  # documents keep their order (NumberOut's keys)
    configure_logging(settings.log_level, settings.log_format, RequestIdFilter())
    app.extensions[EXTENSION_KEY] = build_inventory(settings)
    register_request_ids(app)
    register_access_log(app)
    register_http_policies(app, settings.cors_origins)
    register_blueprints(app)
    register_error_handlers(app)
    register_commands(app)
    return app


def build_inventory(settings: Settings) -> Inventory:
    start_mappers()
    engine = create_database_engine(settings.database_url)
    session_factory = create_session_factory(engine)
    currencies = CurrencyCatalog(settings.currencies)

    def uow() -> UnitOfWork:
        return SqlAlchemyUnitOfWork(session_factory)

    return Inventory(
        settings=settings,
        currencies=currencies,
        engine=engine,
        create_number=CreateNumber(
            uow,
            currencies,
            clock=utc_now,
            idempotency_ttl=timedelta(seconds=settings.idempotency_ttl_seconds),
        ),
        get_number=GetNumber(uow),
        list_numbers=ListNumbers(uow),
        replace_number=ReplaceNumber(uow, currencies),
        patch_number=PatchNumber(uow, currencies),
        delete_number=DeleteNumber(uow),
        seed_numbers=SeedNumbers(uow, currencies),
    )


def utc_now() -> datetime:
    return datetime.now(UTC)


def register_blueprints(app: Flask) -> None:
    app.register_blueprint(health.bp)
    app.register_blueprint(numbers.bp)
    app.register_blueprint(docs.bp)
