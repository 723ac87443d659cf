"""The SQLAlchemy repository and unit of work against real databases."""

from decimal import Decimal

import pytest
from sqlalchemy import Engine, text

from src.application.errors import DuplicateRecord, StorageUnavailable
from src.domain.money import Currency, Money
from src.domain.numbers import Number
from src.domain.phone_numbers import PhoneNumber
from src.infrastructure.database import create_database_engine, create_session_factory
from src.infrastructure.orm import start_mappers
from src.infrastructure.unit_of_work import SqlAlchemyUnitOfWork
from tests.factories import NumberFactory, PhoneNumberFactory


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


def test_lists_in_id_order_and_counts(uow: SqlAlchemyUnitOfWork) -> None:
    ids = [stored_id(uow, NumberFactory()) for _ in range(5)]
    with uow:
        assert [n.id for n in uow.numbers.list(offset=1, limit=3)] == ids[1:4]
        assert uow.numbers.count().value == 5


def test_the_store_refuses_a_second_row_for_one_phone_number(uow: SqlAlchemyUnitOfWork) -> None:
    first = NumberFactory()
    stored_id(uow, first)
    with uow, pytest.raises(DuplicateRecord):
        uow.numbers.add(NumberFactory(phone_number=first.phone_number))
    with uow:
        assert uow.numbers.count().value == 1


def test_uncommitted_work_is_rolled_back(uow: SqlAlchemyUnitOfWork) -> None:
    with uow:
        uow.numbers.add(NumberFactory())
    with uow:
        assert uow.numbers.count().value == 0


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
        uow.numbers.count()


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
