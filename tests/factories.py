"""factory-boy factories of pure domain objects; persist them through a repository."""

from __future__ import annotations

from decimal import Decimal

import factory

from src.application.number_fields import NumberData
from src.domain.money import Currency, Money
from src.domain.numbers import Number
from src.domain.phone_numbers import PhoneNumber

USD = Currency("USD")


def nth_phone_number(n: int) -> str:
    """A different valid Brazilian mobile number for each n below 100,000,000."""
    return f"+55 84 9{n // 10000 % 10000:04d}-{n % 10000:04d}"


class PhoneNumberFactory(factory.Factory):
    class Meta:
        model = PhoneNumber.parse

    text = factory.Sequence(nth_phone_number)


class MoneyFactory(factory.Factory):
    class Meta:
        model = Money

    amount = factory.Sequence(lambda n: Decimal(n % 100000).scaleb(-2))
    currency = USD


class NumberFactory(factory.Factory):
    class Meta:
        model = Number

    phone_number = factory.SubFactory(PhoneNumberFactory)
    monthly_price = factory.SubFactory(MoneyFactory)
    setup_price = factory.SubFactory(MoneyFactory, amount=Decimal("3.40"))


class NumberDataFactory(factory.Factory):
    """A create/replace request as a client would send it: valid unless told otherwise."""

    class Meta:
        model = NumberData

    value = factory.Sequence(nth_phone_number)
    monthly_price = "0.03"
    setup_price = "3.40"
    currency = "U$"
