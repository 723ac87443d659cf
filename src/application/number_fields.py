"""The four client-given fields of a number, turned into domain values with every error reported."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import cast

from src.domain.errors import DomainError, FieldErrors
from src.domain.money import Currency, CurrencyCatalog, Money, parse_amount
from src.domain.numbers import Number
from src.domain.phone_numbers import PhoneNumber

FIELDS = ("value", "monthly_price", "setup_price", "currency")


@dataclass(frozen=True)
class NumberData:
    """A whole number as a client sent it (create, replace), not yet validated."""

    value: object
    monthly_price: object
    setup_price: object
    currency: object

    def as_changes(self) -> dict[str, object]:
        return {field: getattr(self, field) for field in FIELDS}

    def parse(self, currencies: CurrencyCatalog) -> tuple[PhoneNumber, Money, Money]:
        """The number's parts; raise InvalidFields naming every bad field at once."""
        try:  # straight through first: an import reads a million rows, nearly all of them valid
            currency = currencies.parse(self.currency)
            return (
                PhoneNumber.parse(self.value),
                Money(parse_amount(self.monthly_price), currency),
                Money(parse_amount(self.setup_price), currency),
            )
        except DomainError:
            return parse_fields(self.as_changes(), currencies).complete()  # to report every error


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
    if not changes.keys() <= _PARSERS.keys():
        raise ValueError(f"not number fields: {sorted(changes.keys() - _PARSERS.keys())}")
    errors = FieldErrors()
    parsed: dict[str, object] = {}
    # An import parses a million rows through here: one loop, no wrapper built per field.
    for field, parser in _PARSERS.items():
        if field not in changes:
            continue
        raw = changes[field]
        if raw is None:
            errors.add(DomainError("must not be null: every number has one", field))
        else:
            parsed[field] = errors.parse(field, parser or currencies.parse, raw)
    errors.raise_if_any()
    return ParsedFields(
        phone_number=cast(PhoneNumber | None, parsed.get("value")),
        monthly_amount=cast(Decimal | None, parsed.get("monthly_price")),
        setup_amount=cast(Decimal | None, parsed.get("setup_price")),
        currency=cast(Currency | None, parsed.get("currency")),
    )


# The parser of each field, in the order errors are reported; the currency's is the catalog's.
_PARSERS: dict[str, Callable[[object], object] | None] = {
    "value": PhoneNumber.parse,
    "monthly_price": parse_amount,
    "setup_price": parse_amount,
    "currency": None,
}
