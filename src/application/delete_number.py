from __future__ import annotations

from src.application.get_number import load_number
from src.application.ports import UnitOfWorkFactory


class DeleteNumber:
    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self._uow_factory = uow_factory

    def __call__(self, number_id: int) -> None:
        with self._uow_factory() as uow:
            uow.numbers.delete(load_number(uow, number_id))
            uow.commit()
