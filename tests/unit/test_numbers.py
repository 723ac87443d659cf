from decimal import Decimal

import pytest

from src.domain.errors import CurrencyMismatch
from src.domain.money import Currency, Money
from src.domain.numbers import Number
from tests.factories import NumberFactory, PhoneNumberFactory


def test_numbers_are_equal_by_identity_not_by_attributes() -> None:
    first = NumberFactory(id=1)
    assert first == NumberFactory(id=1, phone_number=PhoneNumberFactory())
    assert first != NumberFactory(id=2, phone_number=first.phone_number)


def test_unsaved_numbers_are_only_equal_to_themselves() -> None:
    number = NumberFactory()
    twin = NumberFactory(phone_number=number.phone_number)
    assert number == number
    assert number != twin


def test_both_prices_share_one_currency() -> None:
    with pytest.raises(CurrencyMismatch):
        Number(
            PhoneNumberFactory(),
            Money(Decimal("1"), Currency("USD")),
            Money(Decimal("1"), Currency("EUR")),
        )


def test_changing_a_number_keeps_its_identity() -> None:
    number = NumberFactory(id=7)
    new_phone = PhoneNumberFactory()
    number.change(new_phone, Money(Decimal("1"), Currency("EUR")), Money(Decimal("2"), Currency("EUR")))
    assert (number.id, number.phone_number, number.currency) == (7, new_phone, Currency("EUR"))


def test_numbers_not_yet_stored_are_equal_only_to_themselves() -> None:
    stored = NumberFactory()
    stored.id = 1
    unstored = NumberFactory()
    assert unstored == unstored
    assert unstored != stored
    assert stored != unstored
    twin = NumberFactory()
    twin.id = 1
    assert stored == twin
