from __future__ import annotations

from collections.abc import Iterable

from src.application.number_fields import NumberData, parse_fields
from src.application.ports import UnitOfWorkFactory
from src.domain.money import CurrencyCatalog
from src.domain.numbers import Number


class SeedNumbers:
    """Add the numbers not yet in the inventory, in one transaction; running it again adds none."""

    def __init__(self, uow_factory: UnitOfWorkFactory, currencies: CurrencyCatalog) -> None:
        self._uow_factory = uow_factory
        self._currencies = currencies

    def __call__(self, numbers: Iterable[NumberData]) -> int:
        parts = [parse_fields(data.as_changes(), self._currencies).complete() for data in numbers]
        added = 0
        with self._uow_factory() as uow:
            for phone_number, monthly_price, setup_price in parts:
                if uow.numbers.get_by_phone_number(phone_number) is None:
                    uow.numbers.add(Number(phone_number, monthly_price, setup_price))
                    added += 1
            uow.commit()
        return added
