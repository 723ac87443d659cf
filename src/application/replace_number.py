from __future__ import annotations

from dataclasses import dataclass

from src.application.get_number import load_number
from src.application.number_fields import NumberData, parse_fields
from src.application.ports import UnitOfWorkFactory
from src.application.results import NumberResult
from src.application.unique_numbers import commit_claiming, ensure_free
from src.domain.money import CurrencyCatalog


@dataclass(frozen=True)
class ReplaceNumberCommand:
    number_id: int
    data: NumberData


class ReplaceNumber:
    """PUT: every field is given and replaces the stored one."""

    def __init__(self, uow_factory: UnitOfWorkFactory, currencies: CurrencyCatalog) -> None:
        self._uow_factory = uow_factory
        self._currencies = currencies

    def __call__(self, command: ReplaceNumberCommand) -> NumberResult:
        phone_number, monthly_price, setup_price = parse_fields(
            command.data.as_changes(), self._currencies
        ).complete()
        with self._uow_factory() as uow:
            number = load_number(uow, command.number_id)
            ensure_free(uow, phone_number, owner_id=number.id)
            number.change(phone_number, monthly_price, setup_price)
            commit_claiming(uow, phone_number)
            return NumberResult.of(number)
