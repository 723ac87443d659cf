from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass

from src.application.get_number import load_number
from src.application.number_writes import lost_races_explained, require_version
from src.application.ports import UnitOfWorkFactory


@dataclass(frozen=True)
class DeleteNumberCommand:
    number_id: int
    if_match: Set[int] | None = None


class DeleteNumber:
    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self._uow_factory = uow_factory

    def __call__(self, command: DeleteNumberCommand) -> None:
        with self._uow_factory() as uow:
            number = load_number(uow, command.number_id)
            require_version(number, command.if_match)
            with lost_races_explained(number, command.if_match):
                uow.numbers.delete(number)
                uow.commit()
