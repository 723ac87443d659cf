"""Contract tests: each behaviour of a port, asserted once against its fake (tests/fakes.py) and
once against its SQLAlchemy implementation on SQLite and on PostgreSQL, so that the fakes the
unit tests trust can never drift from the store (the book's repository tests, run three ways).

Each test uses the port only through `store`: units of work entered one after another, each one
transaction, as the use cases use them.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from src.application.ports import UnitOfWork
from src.infrastructure.database import create_database_engine, create_session_factory
from src.infrastructure.orm import start_mappers
from src.infrastructure.unit_of_work import SqlAlchemyUnitOfWork
from tests.fakes import FakeUnitOfWork
from tests.integration.conftest import empty_tables

STORES = [
    pytest.param("fake", id="fake"),
    pytest.param("sqlite", marks=pytest.mark.sqlite, id="sqlite"),
    pytest.param("postgresql", marks=pytest.mark.postgresql, id="postgresql"),
]


@pytest.fixture(params=STORES)
def store(request: pytest.FixtureRequest) -> Iterator[UnitOfWork]:
    """A unit of work over an empty store; enter it again for each new transaction."""
    if request.param == "fake":
        yield FakeUnitOfWork()
        return
    url: str = request.getfixturevalue(f"{request.param}_url")
    start_mappers()
    engine = create_database_engine(url)
    try:
        yield SqlAlchemyUnitOfWork(create_session_factory(engine))
    finally:
        engine.dispose()
        empty_tables(url)
