"""Which listings are prepared once on PostgreSQL: those whose best plan no value of theirs can
change (number_queries.plan_stable)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from src.application.number_listing import Listing, NumberFilter, Sort
from src.domain.money import Currency
from src.infrastructure.number_queries import plan_stable


@pytest.mark.parametrize(
    ("values", "sort", "stable"),
    [
        ({}, "id", True),
        ({"country": "BR"}, "id", True),
        ({"currency": "BRL"}, "-value", True),
        ({"currency": "BRL", "monthly_max": "10"}, "-monthyPrice", True),
        ({"monthly_min": "1", "monthly_max": "2"}, "monthyPrice,id", True),
        ({"setup_min": "1"}, "-setupPrice", True),
        # A range on a column the listing is not sorted by first: its width decides the plan.
        ({"monthly_max": "10"}, "id", False),
        ({"setup_max": "10"}, "monthyPrice", False),
        ({"monthly_max": "10", "setup_max": "10"}, "monthyPrice", False),
        ({"monthly_max": "10", "setup_max": "10"}, "setupPrice", False),
        # Only a constant LIKE pattern becomes an index range.
        ({"digits": "91234"}, "id", False),
        ({"prefix": "5584"}, "value", False),
    ],
)
def test_a_listing_is_prepared_only_when_no_value_can_change_its_plan(
    values: dict[str, str], sort: str, stable: bool
) -> None:
    typed: dict[str, Any] = {
        name: Currency(value)
        if name == "currency"
        else Decimal(value)
        if name.endswith(("_min", "_max"))
        else value
        for name, value in values.items()
    }
    assert plan_stable(Listing(NumberFilter(**typed), Sort.parse(sort))) is stable
