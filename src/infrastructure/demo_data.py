"""A realistic demo inventory: mobile and landline numbers of several countries, always the same."""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from decimal import Decimal

import phonenumbers
from phonenumbers import PhoneNumberFormat, PhoneNumberType

from src.application.number_fields import NumberData

# Region -> the currency its numbers are sold in (when the catalog has it).
REGION_CURRENCIES = {
    "BR": "BRL",
    "US": "USD",
    "CA": "USD",
    "MX": "USD",
    "AR": "USD",
    "GB": "USD",
    "DE": "EUR",
    "FR": "EUR",
    "ES": "EUR",
    "PT": "EUR",
}
NUMBER_TYPES = (PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE)


def demo_numbers(count: int, currency_codes: Sequence[str]) -> Iterator[NumberData]:
    """`count` distinct valid numbers, spread evenly over the regions above."""
    rng = random.Random(20261122)  # noqa: S311 - demo prices, not secrets
    regions = list(REGION_CURRENCIES)
    per_region = -(-count // len(regions))
    produced = 0
    for region in regions:
        currency = (
            REGION_CURRENCIES[region] if REGION_CURRENCIES[region] in currency_codes else currency_codes[0]
        )
        for number in _valid_numbers(region, per_region):
            if produced == count:
                return
            produced += 1
            yield NumberData(
                value=phonenumbers.format_number(number, PhoneNumberFormat.E164),
                monthly_price=Decimal(rng.randrange(3, 2500)).scaleb(-2),
                setup_price=Decimal(rng.randrange(0, 20000, 5)).scaleb(-2),
                currency=currency,
            )


def _valid_numbers(region: str, wanted: int) -> Iterator[phonenumbers.PhoneNumber]:
    """Numbers counted up from the library's example numbers (half mobile, half fixed line),
    keeping the valid ones; some regions share one example for both types, hence `seen`."""
    seen: set[int] = set()
    for index, number_type in enumerate(NUMBER_TYPES):
        quota = wanted * (index + 1) // len(NUMBER_TYPES) - len(seen)
        example = phonenumbers.example_number_for_type(region, number_type)
        if example is None:
            continue
        start = int(phonenumbers.national_significant_number(example))
        for step in range(quota * 50):
            if quota == 0:
                break
            national_number = start + step * 7
            candidate = phonenumbers.PhoneNumber(
                country_code=example.country_code, national_number=national_number
            )
            if national_number not in seen and phonenumbers.is_valid_number(candidate):
                seen.add(national_number)
                quota -= 1
                yield candidate
