from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass, replace

from src.application.changes import Action, History, number_fields, utc_now
from src.application.get_number import load_number
from src.application.number_writes import lost_races_explained, require_version
from src.application.ports import UnitOfWorkFactory
from src.application.results import NumberResult


@dataclass(frozen=True)
class DeleteNumberCommand:
    number_id: int
    if_match: Set[int] | None = None


class DeleteNumber:
    def __init__(self, uow_factory: UnitOfWorkFactory, history: History | None = None) -> None:
        self._uow_factory = uow_factory
        self._history = history or History(utc_now)

    def __call__(self, command: DeleteNumberCommand) -> None:
        with self._uow_factory() as uow:
            number = load_number(uow, command.number_id)
            require_version(number, command.if_match)
            with lost_races_explained(number, command.if_match):
                before = NumberResult.of(number)
                # Kept on the delete: once the row is gone, it is what links the number to its import.
                import_id = uow.changes.import_of(before.id)
                uow.numbers.delete(number)
                change = self._history.change(
                    Action.DELETE, before.id, before.e164, number_fields(before), {}
                )
                uow.changes.add(replace(change, import_id=import_id))
                uow.commit()
