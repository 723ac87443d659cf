"""Details of the domain that mutation testing showed no unit test pinned down."""

from __future__ import annotations

from decimal import Decimal

import pytest

from src.domain.errors import CurrencyMismatch, DomainError, InvalidFields, InvalidPhoneNumber
from src.domain.money import Currency, Money
from src.domain.numbers import Number
from src.domain.phone_numbers import PhoneNumber
from src.domain.users import WeakPassword, check_password_strength


def test_a_password_of_only_spaces_is_refused_saying_so_on_the_password_field() -> None:
    with pytest.raises(WeakPassword) as refused:
        check_password_strength(" \t" * 6)
    assert (refused.value.field, refused.value.message) == ("password", "must not be only spaces")


def test_prices_in_two_currencies_are_refused_on_the_currency_field() -> None:
    phone_number = PhoneNumber.parse("+5584912344321")
    usd, brl = Money(Decimal("1.00"), Currency("USD")), Money(Decimal("2.00"), Currency("BRL"))
    with pytest.raises(CurrencyMismatch) as refused:
        Number(phone_number, usd, brl)
    assert (refused.value.field, refused.value.message) == (
        "currency",
        "the monthly and setup prices must share one currency",
    )
    number = Number(phone_number, usd, usd)
    with pytest.raises(CurrencyMismatch):
        number.change(phone_number, usd, brl)


def test_a_non_geographic_number_has_no_country_however_it_was_made() -> None:
    assert PhoneNumber.parse("+800 1234 5678").country is None
    assert PhoneNumber("+80012345678").country is None
    assert PhoneNumber("+5584912344321").country == "BR"


def test_several_wrong_fields_are_told_together_each_with_its_name() -> None:
    errors = InvalidFields(
        [DomainError("must be positive", "monthly_price"), DomainError("unknown", "currency")]
    )
    assert str(errors) == "monthly_price: must be positive; currency: unknown"


def test_a_phone_number_may_be_written_in_up_to_64_characters() -> None:
    spaced = "+55 84 91234-4321".ljust(64)
    assert PhoneNumber.parse(spaced).e164 == "+5584912344321"
    with pytest.raises(InvalidPhoneNumber) as refused:
        PhoneNumber.parse(spaced + " ")
    assert refused.value.message == "must be at most 64 characters long"
