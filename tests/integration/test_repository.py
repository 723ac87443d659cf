"""The SQLAlchemy repository and unit of work against real databases."""

import threading
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import psycopg2
import pytest
from sqlalchemy import Engine, event, text

from bench.seed import top_up
from src.application.access_tokens import AccessToken
from src.application.errors import DuplicateRecord, StorageUnavailable
from src.application.number_listing import EXACT_COUNT_LIMIT, Count, Listing, NumberFilter, Position, Sort
from src.application.results import NumberView
from src.domain.money import Currency, CurrencyCatalog, Money
from src.domain.numbers import Number
from src.domain.phone_numbers import PhoneNumber
from src.domain.users import EmailAddress, Role, User
from src.infrastructure.database import ReadOnlyViolation, create_database_engine, create_session_factory
from src.infrastructure.number_reader import SqlAlchemyNumberReader
from src.infrastructure.orm import start_mappers
from src.infrastructure.repositories import SqlAlchemyTokenHolders
from src.infrastructure.unit_of_work import SqlAlchemyUnitOfWork
from tests.factories import NumberFactory, PhoneNumberFactory
from tests.integration.conftest import only_postgresql, wait_until_blocked_on_a_lock


@pytest.fixture
def uow(engine: Engine) -> SqlAlchemyUnitOfWork:
    start_mappers()
    return SqlAlchemyUnitOfWork(create_session_factory(engine))


def stored_id(uow: SqlAlchemyUnitOfWork, number: Number) -> int:
    with uow:
        uow.numbers.add(number)
        uow.commit()
        assert number.id is not None
        return number.id


@pytest.mark.parametrize("amount", ["0.01", "3.40", "999999.99", "0.00"])
def test_money_is_stored_exactly(uow: SqlAlchemyUnitOfWork, engine: Engine, amount: str) -> None:
    price = Money(Decimal(amount), Currency("BRL"))
    number_id = stored_id(uow, NumberFactory(monthly_price=price, setup_price=price))
    with uow:
        loaded = uow.numbers.get(number_id)
        assert loaded is not None
        assert loaded.monthly_price == loaded.setup_price == price
        assert str(loaded.monthly_price.amount) == amount
    with engine.connect() as connection:
        raw = connection.execute(text("SELECT monthly_price FROM numbers")).scalar_one()
    # The column holds an exact value: NUMERIC on PostgreSQL, integer cents on SQLite; never a float.
    assert not isinstance(raw, float)
    assert Decimal(raw) in (Decimal(amount), Decimal(amount) * 100)


def test_finds_a_number_by_its_phone_number(uow: SqlAlchemyUnitOfWork) -> None:
    number = NumberFactory()
    number_id = stored_id(uow, number)
    with uow:
        found = uow.numbers.get_by_phone_number(number.phone_number)
        assert found is not None
        assert found.id == number_id
        assert uow.numbers.get_by_phone_number(PhoneNumberFactory()) is None


def test_the_reader_pages_in_id_order_with_the_total(uow: SqlAlchemyUnitOfWork, engine: Engine) -> None:
    ids = [stored_id(uow, NumberFactory()) for _ in range(5)]
    found = reader_on(engine).page(Listing(), 3, offset=1)
    assert [view.id for view in found.items] == ids[1:4]
    assert found.total == Count(5)
    assert found.following == Position((ids[3],))  # a sixth row exists past these
    past_the_end = reader_on(engine).page(Listing(), 3, offset=50)
    assert (past_the_end.items, past_the_end.total, past_the_end.following) == ((), Count(5), None)


def test_the_reader_shows_one_number_as_the_api_does(uow: SqlAlchemyUnitOfWork, engine: Engine) -> None:
    price = Money(Decimal("3.4"), Currency("BRL"))
    number = NumberFactory(
        phone_number=PhoneNumber.parse("+5584912344321"), monthly_price=price, setup_price=price
    )
    number_id = stored_id(uow, number)
    assert reader_on(engine).one(number_id) == NumberView(
        number_id, 1, "+55 84 91234-4321", "3.40", "3.40", "R$"
    )
    assert reader_on(engine).one(number_id + 1) is None
    assert reader_on(engine).one(2**40) is None  # past the column type: no row, and no error


def test_the_reader_runs_a_statement_built_for_one_filter_with_the_values_of_the_next(
    uow: SqlAlchemyUnitOfWork, engine: Engine
) -> None:
    cheap = Money(Decimal("0.50"), Currency("USD"))
    dear = Money(Decimal("7.00"), Currency("USD"))
    brazilian = stored_id(
        uow, NumberFactory(phone_number=PhoneNumber.parse("+5584912344321"), monthly_price=cheap)
    )
    american = stored_id(
        uow, NumberFactory(phone_number=PhoneNumber.parse("+12015550123"), monthly_price=dear)
    )
    reader = reader_on(engine)

    def ids(number_filter: NumberFilter, after: Position | None = None) -> list[int]:
        listing = Listing(number_filter, Sort.parse("monthyPrice"))
        return [view.id for view in reader.page(listing, 5, after=after).items]

    assert ids(NumberFilter(country="BR")) == [brazilian]
    assert ids(NumberFilter(country="US")) == [american]
    assert ids(NumberFilter(monthly_max=Decimal("1.00"))) == [brazilian]
    assert ids(NumberFilter(monthly_max=Decimal("9.00"))) == [brazilian, american]
    assert ids(NumberFilter(), after=Position((Decimal("0.50"), brazilian))) == [american]
    assert ids(NumberFilter(), after=Position((Decimal("7.00"), american))) == []


@only_postgresql
def test_a_fresh_estimate_far_over_the_bound_spares_later_pages_the_bounded_count(engine: Engine) -> None:
    top_up(engine.url.render_as_string(hide_password=False), 12 * EXACT_COUNT_LIMIT)
    reader = reader_on(engine)
    statements = statements_sent(engine)
    first = reader.page(Listing(), 20, offset=40)
    assert not first.total.exact
    assert first.total.value > 10 * EXACT_COUNT_LIMIT  # the planner's estimate, from the statistics
    assert len(statements) == 2  # the page with its bounded count, then EXPLAIN for the estimate
    statements.clear()
    second = reader.page(Listing(), 20, offset=40)
    assert len(statements) == 1  # the page alone,
    assert "count(" not in statements[0]  # without the bounded count
    assert (second.items, second.total) == (first.items, first.total)
    with engine.connect() as connection:
        stored = connection.scalar(text("SELECT count(*) FROM numbers"))
    assert reader.count(NumberFilter()) == stored  # exact, however many: a bulk change is guarded by it


def reader_on(engine: Engine) -> SqlAlchemyNumberReader:
    return SqlAlchemyNumberReader(engine, engine, CurrencyCatalog({"U$": "USD", "R$": "BRL"}))


def test_the_store_refuses_a_second_row_for_one_phone_number(
    uow: SqlAlchemyUnitOfWork, engine: Engine
) -> None:
    first = NumberFactory()
    stored_id(uow, first)
    with uow, pytest.raises(DuplicateRecord):
        uow.numbers.add(NumberFactory(phone_number=first.phone_number))
    assert reader_sees(engine) == 1


def test_uncommitted_work_is_rolled_back(uow: SqlAlchemyUnitOfWork, engine: Engine) -> None:
    with uow:
        uow.numbers.add(NumberFactory())
    assert reader_sees(engine) == 0


def test_deletes(uow: SqlAlchemyUnitOfWork) -> None:
    number_id = stored_id(uow, NumberFactory())
    with uow:
        number = uow.numbers.get(number_id)
        assert number is not None
        uow.numbers.delete(number)
        uow.commit()
    with uow:
        assert uow.numbers.get(number_id) is None


@pytest.mark.postgresql
def test_an_unreachable_database_is_reported_as_unavailable() -> None:
    start_mappers()
    engine = create_database_engine("postgresql+psycopg2://nobody@127.0.0.1:1/none")
    uow = SqlAlchemyUnitOfWork(create_session_factory(engine))
    with pytest.raises(StorageUnavailable), uow:
        uow.numbers.get(1)
    with pytest.raises(StorageUnavailable):
        reader_on(engine).page(Listing(), 20)


@only_postgresql
def test_counting_the_active_admins_holds_them_until_the_transaction_ends(engine: Engine) -> None:
    """Two admins demoting each other at once: the second counter waits for the first
    transaction, then no longer counts the admin it demoted, so one admin always remains."""
    start_mappers()
    sessions = create_session_factory(engine)
    with SqlAlchemyUnitOfWork(sessions) as setup:
        for name in ("ada", "bob"):
            setup.users.add(User(EmailAddress.parse(f"{name}@test.example"), "hash", Role.ADMIN))
        setup.commit()
    counted_by_second: list[int] = []

    def count_in_another_transaction() -> None:
        with SqlAlchemyUnitOfWork(sessions) as second:
            counted_by_second.append(second.users.count_active_admins())

    with SqlAlchemyUnitOfWork(sessions) as first:
        assert first.users.count_active_admins() == 2
        other = threading.Thread(target=count_in_another_transaction)
        other.start()
        wait_until_blocked_on_a_lock(engine.url.render_as_string(hide_password=False), "FOR UPDATE")
        assert counted_by_second == []
        bob = first.users.get_by_email(EmailAddress.parse("bob@test.example"))
        assert bob is not None
        bob.role = Role.VIEWER
        first.commit()
    other.join(timeout=10)
    assert counted_by_second == [1]


def test_a_read_only_unit_of_work_reads_but_refuses_to_write(
    uow: SqlAlchemyUnitOfWork, engine: Engine
) -> None:
    number_id = stored_id(uow, NumberFactory())
    read_engine = create_database_engine(
        str(engine.url.render_as_string(hide_password=False)), autocommit=True
    )
    reader = SqlAlchemyUnitOfWork(create_session_factory(read_engine, read_only=True))
    with reader:
        loaded = reader.numbers.get(number_id)
        assert loaded is not None
        loaded.setup_price = Money(Decimal("9.99"), loaded.setup_price.currency)
        with pytest.raises(ReadOnlyViolation):
            reader.commit()
    with reader, pytest.raises(ReadOnlyViolation):
        reader.numbers.add(NumberFactory())  # add() flushes at once, for the id
    read_engine.dispose()
    assert reader_sees(engine) == 1


def reader_sees(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text("SELECT count(*) FROM numbers")).scalar_one())


def test_a_token_is_read_with_its_holder_in_one_query(
    uow: SqlAlchemyUnitOfWork, engine: Engine, database_url: str
) -> None:
    holder = User(EmailAddress("holder@example.com"), "hash", Role.SUPERVISOR)
    expires = datetime(2030, 1, 1, tzinfo=UTC)
    with uow:
        uow.users.add(holder)
        uow.tokens.add(AccessToken("a" * 64, holder.id or 0, expires))
        uow.commit()
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    with uow:  # read inside: leaving a unit of work rolls back, which expires what it loaded
        found = uow.tokens.get_with_holder("a" * 64)
        assert uow.tokens.get_with_holder("b" * 64) is None
        assert found is not None
        token, user = found
        assert (token.user_id, token.expires_at, token.revoked_at) == (holder.id, expires, None)
        assert (user.id, user.email, user.role, user.active) == (
            holder.id,
            holder.email,
            Role.SUPERVISOR,
            True,
        )
    # One for each lookup (SQLite's write units of work also send BEGIN IMMEDIATE: not a query).
    assert len([sql for sql in statements if not sql.startswith("BEGIN")]) == 2
    # The read side, as authorization asks on every request (on PostgreSQL past the engine's
    # execution path, so counted at the driver).
    read_engine = create_database_engine(database_url, autocommit=True, prepared=True)
    sent = statements_sent(read_engine)
    try:
        holders = SqlAlchemyTokenHolders(read_engine)
        found_again = holders.get_with_holder("a" * 64)
        assert found_again is not None
        assert (found_again[0].token_hash, found_again[1].id) == ("a" * 64, holder.id)
        assert holders.get_with_holder("b" * 64) is None
        assert len(sent) == 2
    finally:
        read_engine.dispose()


def statements_sent(engine: Engine) -> list[str]:
    """Every statement the engine's connections send, through the engine or straight to the driver
    (psycopg2's cursors, counted; SQLite's reads all go through the engine), from now on."""
    sent: list[str] = []
    engine.dispose()  # the pooled connections were made without the counting cursor
    if engine.dialect.driver != "psycopg2":
        event.listen(engine, "before_cursor_execute", lambda *args: sent.append(args[2]))
        return sent

    class CountingCursor(psycopg2.extensions.cursor):
        def execute(self, query: Any, vars: Any = None) -> None:  # noqa: A002 - the driver's name
            sent.append(str(query))
            super().execute(query, vars)

    event.listen(
        engine, "connect", lambda connection, _record: setattr(connection, "cursor_factory", CountingCursor)
    )
    return sent


def test_stores_the_country_derived_from_the_number_on_every_write(
    uow: SqlAlchemyUnitOfWork, engine: Engine
) -> None:
    number_id = stored_id(uow, NumberFactory(phone_number=PhoneNumber.parse("+55 84 91234-4321")))
    with uow:
        loaded = uow.numbers.get(number_id)
        assert loaded is not None
        loaded.change(PhoneNumber.parse("+1 201 555 0123"), loaded.monthly_price, loaded.setup_price)
        uow.commit()
    with engine.connect() as connection:
        assert connection.execute(text("SELECT country FROM numbers")).scalar_one() == "US"
