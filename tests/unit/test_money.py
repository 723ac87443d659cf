from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from src.domain.errors import InvalidAmount, UnknownCurrency
from src.domain.money import MAX_AMOUNT, Currency, CurrencyCatalog, Money, parse_amount

USD = Currency("USD")
CATALOG = CurrencyCatalog({"U$": "USD", "R$": "BRL", "€": "EUR"})
prices = st.decimals(min_value=0, max_value=MAX_AMOUNT, places=2, allow_nan=False, allow_infinity=False)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("3.4", "3.40"),
        ("3.40", "3.40"),
        ("0.03", "0.03"),
        ("0", "0.00"),
        ("-0", "0.00"),
        ("1e3", "1000.00"),
        (Decimal("0.01"), "0.01"),
        (7, "7.00"),
        ("999999.99", "999999.99"),
    ],
)
def test_parses_amounts_exactly(raw: object, expected: str) -> None:
    assert str(parse_amount(raw)) == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("-0.01", "must not be negative"),
        (Decimal("-1"), "must not be negative"),
        ("0.001", "at most 2 decimal places"),
        ("3.400", "at most 2 decimal places"),
        ("1000000", "must not exceed 999999.99"),
        ("1e400", "must not exceed 999999.99"),
        ("1e-400", "at most 2 decimal places"),
        (Decimal("NaN"), "must be a finite number"),
        (Decimal("Infinity"), "must be a finite number"),
        ("NaN", "is not a decimal number"),
        ("Infinity", "is not a decimal number"),
        ("abc", "is not a decimal number"),
        ("", "is not a decimal number"),
        (" 3.4", "is not a decimal number"),
        ("1_000", "is not a decimal number"),
        (3.4, "must be a decimal number"),
        (True, "must be a decimal number"),
        (None, "must be a decimal number"),
    ],
)
def test_rejects_amounts_that_are_not_exact_prices(raw: object, message: str) -> None:
    with pytest.raises(InvalidAmount, match=message):
        parse_amount(raw)


def test_never_rounds_silently() -> None:
    with pytest.raises(InvalidAmount):
        Money(Decimal("0.015"), USD)


def test_money_with_the_same_amount_and_currency_is_equal() -> None:
    assert Money(Decimal("3.4"), USD) == Money.parse("3.40", USD)
    assert Money(Decimal("3.4"), USD) != Money(Decimal("3.4"), Currency("EUR"))


@given(prices)
def test_any_price_survives_a_round_trip_through_its_text(amount: Decimal) -> None:
    money = Money.parse(str(amount), USD)
    assert money.amount == amount
    assert Money.parse(f"{money.amount}", USD) == money
    assert len(str(money.amount).split(".")[1]) == 2


@given(prices, st.integers(min_value=1, max_value=9))
def test_a_third_decimal_place_is_always_refused(amount: Decimal, third: int) -> None:
    with pytest.raises(InvalidAmount):
        parse_amount(f"{amount}{third}")


@given(st.decimals(max_value=Decimal("-0.01"), allow_nan=False, allow_infinity=False, places=2))
def test_any_negative_price_is_refused(amount: Decimal) -> None:
    with pytest.raises(InvalidAmount, match="must not be negative"):
        parse_amount(amount)


def test_currency_needs_an_iso_code() -> None:
    with pytest.raises(UnknownCurrency):
        Currency("usd")


@pytest.mark.parametrize("raw", ["U$", "USD", "usd"])
def test_catalog_reads_symbols_and_codes(raw: str) -> None:
    assert CATALOG.parse(raw) == USD
    assert CATALOG.symbol(CATALOG.parse(raw)) == "U$"


@pytest.mark.parametrize("raw", ["GBP", "£", "", 1, None])
def test_catalog_names_the_allowed_currencies_when_refusing_one(raw: object) -> None:
    with pytest.raises(UnknownCurrency, match=r"U\$ \(USD\), R\$ \(BRL\), € \(EUR\)"):
        CATALOG.parse(raw)


def test_catalog_refuses_two_symbols_for_one_code() -> None:
    with pytest.raises(ValueError, match="only one symbol"):
        CurrencyCatalog({"U$": "USD", "$": "USD"})


def test_what_is_no_amount_at_all_is_refused_saying_how_to_give_one() -> None:
    for raw in (None, [1], {"amount": 1}):
        with pytest.raises(InvalidAmount) as raised:
            parse_amount(raw)
        assert (
            raised.value.message
            == 'must be a decimal number, given as a string such as "3.40" or a JSON number'
        )


def test_a_long_unreadable_amount_is_quoted_shortened_to_40_characters() -> None:
    with pytest.raises(InvalidAmount) as raised:
        parse_amount("x" * 41)
    assert raised.value.message == f"{'x' * 40 + '…'!r} is not a decimal number"
    with pytest.raises(InvalidAmount) as exactly_40:
        parse_amount("y" * 40)
    assert exactly_40.value.message == f"{'y' * 40!r} is not a decimal number"


def test_an_unknown_iso_code_is_refused_naming_it() -> None:
    with pytest.raises(UnknownCurrency) as raised:
        Currency("usd")
    assert raised.value.message == "'usd' is not an ISO 4217 currency code"


def test_an_unknown_currency_is_quoted_whole_or_shortened_and_the_allowed_ones_named() -> None:
    catalog = CurrencyCatalog({"U$": "USD", "R$": "BRL"})
    with pytest.raises(UnknownCurrency) as raised:
        catalog.parse("¥")
    assert raised.value.message == "'¥' is not one of the allowed currencies: U$ (USD), R$ (BRL)"
    with pytest.raises(UnknownCurrency) as long:
        catalog.parse("z" * 50)
    assert long.value.message.startswith(f"{'z' * 40 + '…'!r} is not one")


def test_a_catalog_needs_a_currency_and_one_symbol_per_code() -> None:
    with pytest.raises(ValueError, match=r"^a currency catalog needs at least one currency$"):
        CurrencyCatalog({})
    with pytest.raises(ValueError, match=r"^each currency code may have only one symbol$"):
        CurrencyCatalog({"U$": "USD", "$": "USD"})


@pytest.mark.parametrize(
    "raw", ["1e1000000000000000000", "3.40E+99999999999999999999", "0e1000000000000000000"]
)
def test_an_exponent_no_decimal_can_hold_is_an_invalid_amount(raw: str) -> None:
    with pytest.raises(InvalidAmount, match="out of range"):
        parse_amount(raw)
