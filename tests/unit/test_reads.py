"""The read use cases that only hand over what the store has (a user, the users, an export), and
the equality of users and of parsed fields they rest on."""

from __future__ import annotations

from decimal import Decimal

import pytest

from src.application.create_user import CreateUser, NewUser
from src.application.errors import UserNotFound
from src.application.export_numbers import ExportNumbers
from src.application.get_user import GetUser
from src.application.list_users import ListUsers
from src.application.number_fields import ParsedFields, parse_fields
from src.application.number_listing import Listing, NumberFilter, Sort
from src.application.results import NumberRecord, UserResult
from src.domain.money import Currency, CurrencyCatalog, Money
from src.domain.phone_numbers import PhoneNumber
from src.domain.users import EmailAddress, Role, User
from tests.fakes import FakePasswordCheck, FakePasswordHasher, FakeUnitOfWork, StubNumberReader

CURRENCIES = CurrencyCatalog({"U$": "USD", "R$": "BRL"})
PASSWORD = "correct horse battery"


def add_user(uow: FakeUnitOfWork, email: str, role: str) -> int:
    return CreateUser(uow, FakePasswordHasher(), FakePasswordCheck())(NewUser(email, PASSWORD, role)).id


def test_get_user_answers_the_stored_user() -> None:
    uow = FakeUnitOfWork()
    add_user(uow, "ana@example.com", "admin")
    bea = add_user(uow, "bea@example.com", "viewer")
    assert GetUser(uow)(bea) == UserResult(bea, "bea@example.com", Role.VIEWER, active=True)


def test_get_user_of_an_unknown_id_is_not_found() -> None:
    uow = FakeUnitOfWork()
    with pytest.raises(UserNotFound, match=r"^there is no user with id 5$"):
        GetUser(uow)(5)


def test_list_users_answers_every_stored_user() -> None:
    uow = FakeUnitOfWork()
    ana = add_user(uow, "ana@example.com", "admin")
    bea = add_user(uow, "bea@example.com", "viewer")
    assert ListUsers(uow)() == (
        UserResult(ana, "ana@example.com", Role.ADMIN, active=True),
        UserResult(bea, "bea@example.com", Role.VIEWER, active=True),
    )


def test_export_streams_what_the_reader_streams_for_the_listing() -> None:
    uow = FakeUnitOfWork()
    reader = StubNumberReader(uow.numbers, CURRENCIES)
    reader.records = [
        NumberRecord("+5584912344321", "0.03", "3.40", "USD"),
        NumberRecord("+5584912344322", "1.00", "2.00", "BRL"),
    ]
    listing = Listing(NumberFilter(country="BR"), Sort.parse("-monthyPrice"))
    assert list(ExportNumbers(reader)(listing)) == reader.records
    assert reader.asked == [(listing, 0, 0, None)]


def a_user(user_id: int | None, email: str = "ana@example.com") -> User:
    return User(EmailAddress(email), "hash", Role.VIEWER, id=user_id)


def test_users_are_equal_by_their_stored_id() -> None:
    assert a_user(3) == a_user(3, "other@example.com")
    assert a_user(3) != a_user(4)


def test_a_user_not_stored_yet_equals_only_itself() -> None:
    unsaved = a_user(None)
    assert unsaved == unsaved
    assert unsaved != a_user(None)
    assert unsaved != a_user(3)
    assert a_user(3) != unsaved


def test_a_user_is_never_equal_to_what_is_no_user() -> None:
    assert a_user(3).__eq__(3) is NotImplemented
    assert a_user(3) != 3


def test_complete_parsed_fields_make_the_numbers_parts() -> None:
    parsed = parse_fields(
        {"value": "+55 84 91234-4321", "monthly_price": "0.03", "setup_price": "3.40", "currency": "U$"},
        CURRENCIES,
    )
    usd = Currency("USD")
    assert parsed.complete() == (
        PhoneNumber.parse("+5584912344321"),
        Money(Decimal("0.03"), usd),
        Money(Decimal("3.40"), usd),
    )


@pytest.mark.parametrize("missing", ["phone_number", "monthly_amount", "setup_amount", "currency"])
def test_parsed_fields_with_one_missing_are_not_complete(missing: str) -> None:
    fields: dict[str, object] = {
        "phone_number": PhoneNumber.parse("+5584912344321"),
        "monthly_amount": Decimal("0.03"),
        "setup_amount": Decimal("3.40"),
        "currency": Currency("USD"),
    }
    fields[missing] = None
    with pytest.raises(ValueError, match=r"^complete\(\) needs every field parsed$"):
        ParsedFields(**fields).complete()  # type: ignore[arg-type]
