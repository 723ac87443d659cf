from __future__ import annotations

from src.application.number_fields import NumberData, parse_fields
from src.application.ports import UnitOfWorkFactory
from src.application.results import NumberResult
from src.application.unique_numbers import commit_claiming, ensure_free
from src.domain.money import CurrencyCatalog
from src.domain.numbers import Number


class CreateNumber:
    def __init__(self, uow_factory: UnitOfWorkFactory, currencies: CurrencyCatalog) -> None:
        self._uow_factory = uow_factory
        self._currencies = currencies

    def __call__(self, command: NumberData) -> NumberResult:
        phone_number, monthly_price, setup_price = parse_fields(
            command.as_changes(), self._currencies
        ).complete()
        with self._uow_factory() as uow:
            ensure_free(uow, phone_number)
            number = Number(phone_number, monthly_price, setup_price)
            uow.numbers.add(number)
            commit_claiming(uow, phone_number)
            return NumberResult.of(number)
