"""What a listing of numbers asks for: which numbers (a filter), in which order (a sort), from where
(a keyset position). Parsed from the client's text here; what they mean on the table is said once,
in SQL, by the read side (src/infrastructure/number_queries.py)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import TypeVar

from src.application.suggestions import did_you_mean
from src.domain.errors import DomainError, FieldErrors
from src.domain.money import Currency, CurrencyCatalog, parse_amount
from src.domain.phone_numbers import is_region

# The wire names of the filters (the web layer names its query parameters after them).
FILTER_PARAMETERS = (
    "q",
    "country",
    "prefix",
    "currency",
    "monthyPrice_min",
    "monthyPrice_max",
    "setupPrice_min",
    "setupPrice_max",
)
T = TypeVar("T")
# Up to this many matching rows a listing's total is counted exactly; past it, a store may estimate
# it (PostgreSQL's planner), so that counting never costs more than the page itself.
EXACT_COUNT_LIMIT = 1000
_DIGITS = re.compile(r"\d{1,15}")
_FORMATTING = re.compile(r"[ +().-]")
MAX_FORMATTED_DIGITS = 40  # 15 digits and their formatting, generously
_AMOUNT = re.compile(r"\d{1,6}(\.\d{1,2})?")


class SortField(StrEnum):
    """Sort keys by their wire names."""

    ID = "id"
    VALUE = "value"
    MONTHLY_PRICE = "monthyPrice"
    SETUP_PRICE = "setupPrice"


SortValue = int | str | Decimal
_SORT_NAMES = frozenset(SortField)


@dataclass(frozen=True)
class SortKey:
    field: SortField
    descending: bool = False

    def __str__(self) -> str:
        return f"-{self.field}" if self.descending else str(self.field)


@dataclass(frozen=True)
class Sort:
    """Sort keys that always end with id, so the order is total and stable: ties are broken by id,
    in the direction of the last key before it."""

    keys: tuple[SortKey, ...] = (SortKey(SortField.ID),)

    def __post_init__(self) -> None:
        if not self.keys or self.keys[-1].field is not SortField.ID:
            raise ValueError("a sort ends with id")

    @classmethod
    def parse(cls, text: str | None) -> Sort:
        """From "monthyPrice,-id": wire names, comma separated, each optionally prefixed by -."""
        if text is None or not text.strip():
            return cls()
        keys: list[SortKey] = []
        for item in text.split(","):
            name = item.strip()
            descending = name.startswith("-")
            name = name.removeprefix("-")
            if name not in _SORT_NAMES:
                allowed = ", ".join(SortField)
                raise DomainError(
                    f"{item.strip()!r} is not a sort key; use {allowed}, each may start with -"
                    + did_you_mean(name, [sort_field.value for sort_field in SortField]),
                    "sort",
                )
            if any(key.field == name for key in keys):
                raise DomainError(f"{name!r} is given twice", "sort")
            keys.append(SortKey(SortField(name), descending))
        fields = [key.field for key in keys]
        if SortField.ID in fields:
            keys = keys[: fields.index(SortField.ID) + 1]  # id is unique: nothing after it matters
        if keys[-1].field is not SortField.ID:
            keys.append(SortKey(SortField.ID, keys[-1].descending))
        return cls(tuple(keys))

    def __str__(self) -> str:
        return ",".join(str(key) for key in self.keys)


@dataclass(frozen=True)
class NumberFilter:
    """Every condition is optional; given ones all hold (AND)."""

    digits: str | None = None  # contained anywhere in the E.164 number
    country: str | None = None  # ISO 3166 alpha-2
    prefix: str | None = None  # E.164 digits the number starts with (after the +)
    currency: Currency | None = None
    monthly_min: Decimal | None = None
    monthly_max: Decimal | None = None
    setup_min: Decimal | None = None
    setup_max: Decimal | None = None

    @classmethod
    def parse(cls, params: Mapping[str, str | None], currencies: CurrencyCatalog) -> NumberFilter:
        """From query parameters named as in FILTER_PARAMETERS; every bad one is reported at once."""
        errors = FieldErrors()

        def parse(name: str, parser: Callable[[object], T]) -> T | None:
            raw = params.get(name)
            return None if raw is None or raw == "" else errors.parse(name, parser, raw)

        parsed = cls(
            digits=parse("q", _digits),
            country=parse("country", _country),
            prefix=parse("prefix", _digits),
            currency=parse("currency", currencies.parse),
            monthly_min=parse("monthyPrice_min", _amount),
            monthly_max=parse("monthyPrice_max", _amount),
            setup_min=parse("setupPrice_min", _amount),
            setup_max=parse("setupPrice_max", _amount),
        )
        errors.raise_if_any()
        return parsed


@dataclass(frozen=True)
class Position:
    """Where a keyset page starts: just after the row with these sort values (ending with its id)."""

    after: tuple[SortValue, ...]


@dataclass(frozen=True)
class Count:
    value: int
    exact: bool = True


@dataclass(frozen=True)
class Listing:
    filter: NumberFilter = field(default_factory=NumberFilter)
    sort: Sort = field(default_factory=Sort)


def _digits(raw: object) -> str:
    """Digits, however the user formatted them: "+55 (84) 9123-4" is 558491234. A "+" left
    unencoded in a query string arrives as a space, so spaces go too."""
    digits = _FORMATTING.sub("", raw) if isinstance(raw, str) and len(raw) <= MAX_FORMATTED_DIGITS else None
    if digits is None or not _DIGITS.fullmatch(digits):
        raise DomainError(
            f"must be 1 to 15 digits (spaces, +, (, ), - and . are ignored), not {str(raw)[:20]!r}"
        )
    return digits


def _amount(raw: object) -> Decimal:
    """A bound in plain notation only (3.40): a query string is no place for 1E+2."""
    if not isinstance(raw, str) or not _AMOUNT.fullmatch(raw):
        raise DomainError(f"must be an amount such as 3.40, not {str(raw)[:20]!r}")
    return parse_amount(raw)


def _country(raw: object) -> str:
    if not isinstance(raw, str) or not is_region(raw.upper()):
        raise DomainError(f"must be an ISO 3166 alpha-2 country code such as BR, not {str(raw)[:20]!r}")
    return raw.upper()
