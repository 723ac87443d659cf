"""The four client-given fields of a number, turned into domain values with every error reported."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import TypeVar

from src.domain.errors import DomainError, FieldErrors
from src.domain.money import Currency, CurrencyCatalog, Money, parse_amount
from src.domain.numbers import Number
from src.domain.phone_numbers import PhoneNumber

FIELDS = ("value", "monthly_price", "setup_price", "currency")
T = TypeVar("T")


@dataclass(frozen=True)
class NumberData:
    """A whole number as a client sent it (create, replace), not yet validated."""

    value: object
    monthly_price: object
    setup_price: object
    currency: object

    def as_changes(self) -> dict[str, object]:
        return {field: getattr(self, field) for field in FIELDS}


@dataclass(frozen=True)
class ParsedFields:
    """The domain value of each field that was given; None where it was not."""

    phone_number: PhoneNumber | None = None
    monthly_amount: Decimal | None = None
    setup_amount: Decimal | None = None
    currency: Currency | None = None

    def applied_to(self, number: Number) -> tuple[PhoneNumber, Money, Money]:
        """The number's new parts: given fields win, the rest are kept."""
        currency = self.currency or number.currency
        monthly = self.monthly_amount if self.monthly_amount is not None else number.monthly_price.amount
        setup = self.setup_amount if self.setup_amount is not None else number.setup_price.amount
        return self.phone_number or number.phone_number, Money(monthly, currency), Money(setup, currency)

    def complete(self) -> tuple[PhoneNumber, Money, Money]:
        if (
            self.phone_number is None
            or self.currency is None
            or self.monthly_amount is None
            or self.setup_amount is None
        ):
            raise ValueError("complete() needs every field parsed")
        return (
            self.phone_number,
            Money(self.monthly_amount, self.currency),
            Money(self.setup_amount, self.currency),
        )


def parse_fields(changes: Mapping[str, object], currencies: CurrencyCatalog) -> ParsedFields:
    """Parse each given field; raise InvalidFields naming every bad field at once."""
    unknown = set(changes) - set(FIELDS)
    if unknown:
        raise ValueError(f"not number fields: {sorted(unknown)}")
    errors = FieldErrors()

    def parse(field: str, parser: Callable[[object], T]) -> T | None:
        return errors.parse(field, _not_null(parser), changes[field]) if field in changes else None

    parsed = ParsedFields(
        phone_number=parse("value", PhoneNumber.parse),
        monthly_amount=parse("monthly_price", parse_amount),
        setup_amount=parse("setup_price", parse_amount),
        currency=parse("currency", currencies.parse),
    )
    errors.raise_if_any()
    return parsed


def _not_null(parser: Callable[[object], T]) -> Callable[[object], T]:
    def parse(raw: object) -> T:
        if raw is None:
            raise DomainError("must not be null: every number has one")
        return parser(raw)

    return parse
