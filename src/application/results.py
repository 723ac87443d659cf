"""What use cases return: plain data, never an object attached to a session."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import NamedTuple

from src.application.number_listing import Count, Position
from src.domain.money import Currency
from src.domain.numbers import Number
from src.domain.users import Role, User


@dataclass(frozen=True)
class NumberResult:
    id: int
    version: int
    e164: str
    international: str
    monthly_price: Decimal
    setup_price: Decimal
    currency: Currency

    @classmethod
    def of(cls, number: Number) -> NumberResult:
        assert number.id is not None, "only stored numbers are results"
        return cls(
            id=number.id,
            version=number.version,
            e164=number.phone_number.e164,
            international=number.phone_number.international,
            monthly_price=number.monthly_price.amount,
            setup_price=number.setup_price.amount,
            currency=number.currency,
        )


class NumberView(NamedTuple):
    """A stored number as the API shows it, read straight from the table's columns: no entity, no
    value objects. The fields are the response's, already formatted; `version` makes the ETag."""

    id: int
    version: int
    value: str  # international format, e.g. "+55 84 91234-4321"
    monthly_price: str  # two decimals, e.g. "0.03"
    setup_price: str
    currency: str  # the agreed symbol, e.g. "U$"


@dataclass(frozen=True)
class ViewPage:
    """What a reader answers for one page of a listing."""

    items: tuple[NumberView, ...]
    total: Count
    following: Position | None  # where the next page starts; None when this one is the last


class NumberRecord(NamedTuple):
    """A stored number as plain values, for reading in bulk (exports): no entity, no session."""

    e164: str
    monthly_price: str  # two decimals, e.g. "0.03"
    setup_price: str
    currency_code: str


@dataclass(frozen=True)
class NumberPage:
    items: tuple[NumberView, ...]
    total: int
    page: int
    per_page: int
    total_is_exact: bool = True  # False: an estimate, the store having too many matches to count
    following: Position | None = None  # keyset pages: where the next page starts, if there is one

    @property
    def last_page(self) -> int:
        return max(1, -(-self.total // self.per_page))


@dataclass(frozen=True)
class UserResult:
    id: int
    email: str
    role: Role
    active: bool

    @classmethod
    def of(cls, user: User) -> UserResult:
        assert user.id is not None, "only stored users are results"
        return cls(id=user.id, email=user.email.value, role=user.role, active=user.active)


@dataclass(frozen=True)
class IssuedToken:
    token: str  # the secret: shown once, stored only as a hash
    expires_at: datetime
    user: UserResult
