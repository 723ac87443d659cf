from __future__ import annotations

from collections.abc import Mapping, Set
from dataclasses import dataclass, field

from src.application.changes import Action, History, number_fields, utc_now
from src.application.get_number import load_number
from src.application.number_fields import parse_fields
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
class PatchNumberCommand:
    """A JSON merge patch (RFC 7396): only the given fields change; null would remove one."""

    number_id: int
    changes: Mapping[str, object] = field(default_factory=dict)
    if_match: Set[int] | None = None


class PatchNumber:
    def __init__(
        self, uow_factory: UnitOfWorkFactory, currencies: CurrencyCatalog, history: History | None = None
    ) -> None:
        self._uow_factory = uow_factory
        self._currencies = currencies
        self._history = history or History(utc_now)

    def __call__(self, command: PatchNumberCommand) -> NumberResult:
        parsed = parse_fields(command.changes, self._currencies)
        with self._uow_factory() as uow:
            number = load_number(uow, command.number_id)
            require_version(number, command.if_match)
            phone_number, monthly_price, setup_price = parsed.applied_to(number)
            ensure_free(uow, phone_number, owner_id=number.id)
            with lost_races_explained(number, command.if_match, taking=phone_number):
                before = NumberResult.of(number)
                number.change(phone_number, monthly_price, setup_price)
                after = NumberResult.of(number)
                record_number_change(
                    uow,
                    self._history.change(
                        Action.PATCH, after.id, after.e164, number_fields(before), number_fields(after)
                    ),
                )
                uow.commit()
            return after
