from __future__ import annotations

from src.application.errors import NumberNotFound
from src.application.ports import NumberReader, UnitOfWork
from src.application.results import NumberView
from src.domain.numbers import Number


class GetNumber:
    def __init__(self, reader: NumberReader) -> None:
        self._reader = reader

    def __call__(self, number_id: int) -> NumberView:
        found = self._reader.one(number_id)
        if found is None:
            raise NumberNotFound(number_id)
        return found


def load_number(uow: UnitOfWork, number_id: int) -> Number:
    """The entity, for the use cases that change it."""
    number = uow.numbers.get(number_id)
    if number is None:
        raise NumberNotFound(number_id)
    return number
