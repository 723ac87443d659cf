"""Refusals and bounds of the parsers (money, filters, number fields, tokens) that mutation testing
showed no unit test pinned down."""

from __future__ import annotations

from datetime import UTC
from decimal import Decimal

import pytest

from src.application.access_tokens import new_secret
from src.application.changes import utc_now
from src.application.number_fields import parse_fields
from src.application.number_listing import NumberFilter
from src.application.results import NumberResult, UserResult
from src.domain.errors import InvalidAmount, InvalidFields, InvalidPhoneNumber
from src.domain.money import Currency, CurrencyCatalog, Money, parse_amount
from src.domain.numbers import Number
from src.domain.phone_numbers import PhoneNumber
from src.domain.users import EmailAddress, Role, User

CURRENCIES = CurrencyCatalog({"U$": "USD", "R$": "BRL"})
USD = Currency("USD")


def refusal(raw: object) -> str:
    with pytest.raises(InvalidAmount) as refused:
        Money(raw, USD)  # type: ignore[arg-type]
    return refused.value.message


def test_money_refuses_what_is_no_finite_positive_amount_of_cents_saying_why() -> None:
    assert refusal("3.40") == "must be a Decimal"
    assert refusal(Decimal("NaN")) == "must be a finite number"
    assert refusal(Decimal("-0.01")) == "must not be negative"
    assert refusal(Decimal("1.001")) == "must have at most 2 decimal places"


def test_money_keeps_its_amount_in_cents() -> None:
    assert str(Money(Decimal("3.4"), USD)) == "3.40 USD"
    assert str(Money(Decimal("-0"), USD)) == "0.00 USD"


def test_an_amount_written_with_a_decimal_comma_is_refused_with_the_dotted_spelling() -> None:
    with pytest.raises(InvalidAmount) as refused:
        parse_amount("3,40")
    assert refused.value.message == "'3,40' is not a decimal number (write the decimals after a dot: '3.40')"


def test_a_phone_number_that_is_no_string_is_refused_with_an_example() -> None:
    with pytest.raises(InvalidPhoneNumber) as refused:
        PhoneNumber.parse(5584912344321)
    assert refused.value.message == 'must be a string such as "+55 84 91234-4321"'


def test_a_filter_reads_every_parameter_and_ignores_empty_ones() -> None:
    params = {
        "q": "912",
        "country": "br",
        "prefix": "55",
        "currency": "R$",
        "monthyPrice_min": "0.01",
        "monthyPrice_max": "9",
        "setupPrice_min": "1.5",
        "setupPrice_max": "3.4",
    }
    assert NumberFilter.parse(params, CURRENCIES) == NumberFilter(
        "912", "BR", "55", Currency("BRL"), Decimal("0.01"), Decimal("9"), Decimal("1.5"), Decimal("3.4")
    )
    assert NumberFilter.parse(dict.fromkeys(params, ""), CURRENCIES) == NumberFilter()


def test_a_filter_names_each_bad_parameter() -> None:
    params = {"currency": "XX", "monthyPrice_max": "x", "setupPrice_min": "y", "setupPrice_max": "z"}
    with pytest.raises(InvalidFields) as refused:
        NumberFilter.parse(params, CURRENCIES)
    assert [error.field for error in refused.value.errors] == list(params)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"q": "abc"}, "must be 1 to 15 digits (spaces, +, (, ), - and . are ignored), not 'abc'"),
        ({"q": "9" * 41}, f"must be 1 to 15 digits (spaces, +, (, ), - and . are ignored), not '{'9' * 20}'"),
        (
            {"country": "Brazil and more"},
            "must be an ISO 3166 alpha-2 country code such as BR, not 'Brazil and more'",
        ),
        ({"country": "x" * 25}, f"must be an ISO 3166 alpha-2 country code such as BR, not '{'x' * 20}'"),
    ],
)
def test_a_bad_filter_is_refused_showing_at_most_20_characters_of_it(
    params: dict[str, str], message: str
) -> None:
    with pytest.raises(InvalidFields) as refused:
        NumberFilter.parse(params, CURRENCIES)  # type: ignore[arg-type]
    assert [error.message for error in refused.value.errors] == [message]


def test_digits_may_be_formatted_up_to_40_characters() -> None:
    formatted = "+55 (84) 91234-4321" + " " * 21
    assert len(formatted) == 40
    assert NumberFilter.parse({"q": formatted}, CURRENCIES).digits == "5584912344321"
    with pytest.raises(InvalidFields):
        NumberFilter.parse({"q": formatted + " "}, CURRENCIES)


def test_only_number_fields_are_parsed_as_number_fields() -> None:
    with pytest.raises(ValueError, match=r"^not number fields: \['colour', 'size'\]$"):
        parse_fields({"size": 1, "colour": "red", "value": "+5584912344321"}, CURRENCIES)


def test_a_token_secret_is_32_random_bytes() -> None:
    secrets = {new_secret() for _ in range(5)}
    assert {len(secret) for secret in secrets} == {43}  # 32 bytes, URL-safe base64 without padding


def test_the_history_clock_is_utc() -> None:
    assert utc_now().tzinfo is UTC


def test_only_stored_numbers_and_users_are_results() -> None:
    number = Number(PhoneNumber.parse("+5584912344321"), Money(Decimal(1), USD), Money(Decimal(2), USD))
    with pytest.raises(AssertionError, match=r"^only stored numbers are results$"):
        NumberResult.of(number)
    with pytest.raises(AssertionError, match=r"^only stored users are results$"):
        UserResult.of(User(EmailAddress("ana@example.com"), "hash", Role.VIEWER))


def test_money_goes_up_to_its_maximum_and_no_further() -> None:
    assert Money(Decimal("999999.99"), USD).amount == Decimal("999999.99")
    assert refusal(Decimal("1000000.00")) == "must not exceed 999999.99"
