from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from src.application.changes import Action, History, number_fields
from src.application.errors import IdempotencyKeyReused, NumberAlreadyExists
from src.application.idempotency import IdempotencyKey, IdempotencyRecord
from src.application.number_fields import NumberData
from src.application.number_writes import ensure_free, lost_races_explained
from src.application.ports import Clock, UnitOfWork, UnitOfWorkFactory
from src.application.results import NumberResult
from src.domain.money import CurrencyCatalog, Money
from src.domain.numbers import Number
from src.domain.phone_numbers import PhoneNumber


@dataclass(frozen=True)
class CreateNumberCommand:
    data: NumberData
    idempotency: IdempotencyKey | None = None


@dataclass(frozen=True)
class Created:
    number: NumberResult
    replayed: bool = False  # True when this is the stored outcome of an earlier, identical request


class CreateNumber:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        currencies: CurrencyCatalog,
        clock: Clock,
        idempotency_ttl: timedelta,
        history: History | None = None,
    ) -> None:
        self._uow_factory = uow_factory
        self._currencies = currencies
        self._clock = clock
        self._idempotency_ttl = idempotency_ttl
        self._history = history or History(clock)

    def __call__(self, command: CreateNumberCommand) -> Created:
        parts = command.data.parse(self._currencies)
        try:
            return self._create(command.idempotency, *parts)
        except NumberAlreadyExists:
            # A retry that raced its original loses on the number; once the original has
            # committed, its key holds the answer to give.
            if command.idempotency is not None:
                with self._uow_factory() as uow:
                    replay = self._replay(uow, command.idempotency)
                if replay is not None:
                    return replay
            raise

    def _create(
        self,
        idempotency: IdempotencyKey | None,
        phone_number: PhoneNumber,
        monthly_price: Money,
        setup_price: Money,
    ) -> Created:
        with self._uow_factory() as uow:
            if idempotency is not None and (replay := self._replay(uow, idempotency)) is not None:
                return replay
            ensure_free(uow, phone_number)
            number = Number(phone_number, monthly_price, setup_price)
            with lost_races_explained(number, if_match=None):
                uow.numbers.add(number)
                result = NumberResult.of(number)
                uow.changes.add(
                    self._history.change(Action.CREATE, result.id, result.e164, {}, number_fields(result))
                )
                if idempotency is not None:
                    now = self._clock()
                    record = IdempotencyRecord(
                        idempotency.owner_id,
                        idempotency.key,
                        idempotency.fingerprint,
                        result,
                        expires_at=now + self._idempotency_ttl,
                    )
                    uow.idempotency_keys.add(record, now)
                uow.commit()
            return Created(result)

    def _replay(self, uow: UnitOfWork, idempotency: IdempotencyKey) -> Created | None:
        record = uow.idempotency_keys.get(idempotency.owner_id, idempotency.key, self._clock())
        if record is None:
            return None
        if record.fingerprint != idempotency.fingerprint:
            raise IdempotencyKeyReused(idempotency.key)
        return Created(record.outcome, replayed=True)
