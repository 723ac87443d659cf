from __future__ import annotations

from src.application.errors import NumberNotFound
from src.application.ports import UnitOfWork, UnitOfWorkFactory
from src.application.results import NumberResult
from src.domain.numbers import Number


class GetNumber:
    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self._uow_factory = uow_factory

    def __call__(self, number_id: int) -> NumberResult:
        with self._uow_factory() as uow:
            return NumberResult.of(load_number(uow, number_id))


def load_number(uow: UnitOfWork, number_id: int) -> Number:
    number = uow.numbers.get(number_id)
    if number is None:
        raise NumberNotFound(number_id)
    return number
