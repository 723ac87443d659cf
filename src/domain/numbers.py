"""Number: a DID phone number for sale, with its monthly and setup prices in one currency."""

from __future__ import annotations

from src.domain.errors import CurrencyMismatch
from src.domain.money import Currency, Money
from src.domain.phone_numbers import PhoneNumber


class Number:
    """An entity: it keeps its identity while its phone number and prices change.

    `version` counts the changes: a writer that read version 3 may only replace version 3.
    """

    id: int | None

    def __init__(
        self,
        phone_number: PhoneNumber,
        monthly_price: Money,
        setup_price: Money,
        id: int | None = None,  # noqa: A002 - the identity the store assigns
        version: int = 1,
    ) -> None:
        _require_one_currency(monthly_price, setup_price)
        self.id = id
        self.version = version
        self.phone_number = phone_number
        self.monthly_price = monthly_price
        self.setup_price = setup_price

    @property
    def currency(self) -> Currency:
        return self.monthly_price.currency

    def change(self, phone_number: PhoneNumber, monthly_price: Money, setup_price: Money) -> None:
        """Take the new values; a change that changes nothing keeps the version."""
        _require_one_currency(monthly_price, setup_price)
        if (phone_number, monthly_price, setup_price) == (
            self.phone_number,
            self.monthly_price,
            self.setup_price,
        ):
            return
        self.phone_number = phone_number
        self.monthly_price = monthly_price
        self.setup_price = setup_price
        self.version += 1

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Number):
            return NotImplemented
        if self.id is None or other.id is None:
            return self is other
        return self.id == other.id

    # An id is assigned only when stored, so hashing by it would change a number's hash while it
    # sits in a set; the identity map keeps one object per stored number anyway.
    __hash__ = object.__hash__

    def __repr__(self) -> str:
        return f"<Number {self.id} {self.phone_number}>"


def _require_one_currency(monthly_price: Money, setup_price: Money) -> None:
    if monthly_price.currency != setup_price.currency:
        raise CurrencyMismatch("the monthly and setup prices must share one currency", "currency")
