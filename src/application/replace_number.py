from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass

from src.application.changes import Action, History, number_fields, utc_now
from src.application.get_number import load_number
from src.application.number_fields import NumberData
from src.application.number_writes import (
    ensure_free,
    lost_races_explained,
    record_number_change,
    require_version,
)
from src.application.ports import UnitOfWorkFactory
from src.application.results import NumberResult
from src.domain.money import CurrencyCatalog


@dataclass(frozen=True)
class ReplaceNumberCommand:
    number_id: int
    data: NumberData
    if_match: Set[int] | None = None


class ReplaceNumber:
    """PUT: every field is given and replaces the stored one."""

    def __init__(
        self, uow_factory: UnitOfWorkFactory, currencies: CurrencyCatalog, history: History | None = None
    ) -> None:
        self._uow_factory = uow_factory
        self._currencies = currencies
        self._history = history or History(utc_now)

    def __call__(self, command: ReplaceNumberCommand) -> NumberResult:
        phone_number, monthly_price, setup_price = command.data.parse(self._currencies)
        with self._uow_factory() as uow:
            number = load_number(uow, command.number_id)
            require_version(number, command.if_match)
            ensure_free(uow, phone_number, owner_id=number.id)
            with lost_races_explained(number, command.if_match, taking=phone_number):
                before = NumberResult.of(number)
                number.change(phone_number, monthly_price, setup_price)
                after = NumberResult.of(number)
                record_number_change(
                    uow,
                    self._history.change(
                        Action.REPLACE, after.id, after.e164, number_fields(before), number_fields(after)
                    ),
                )
                uow.commit()
            return after
