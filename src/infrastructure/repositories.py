from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from src.application.idempotency import IdempotencyRecord
from src.application.ports import IdempotencyRepository, NumberRepository
from src.domain.numbers import Number
from src.domain.phone_numbers import PhoneNumber
from src.infrastructure.storage_errors import translated_storage_errors
from src.infrastructure.tables import MAX_ID, idempotency_keys, numbers


class SqlAlchemyNumberRepository(NumberRepository):
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, number: Number) -> None:
        self._session.add(number)
        with translated_storage_errors():
            self._session.flush()  # the id, now

    def get(self, number_id: int) -> Number | None:
        if not 0 < number_id <= MAX_ID:
            return None  # no such row, and asking would overflow the column type
        return self._session.get(Number, number_id)

    def get_by_phone_number(self, phone_number: PhoneNumber) -> Number | None:
        return self._session.scalars(select(Number).where(numbers.c.e164 == phone_number)).one_or_none()

    def list(self, offset: int, limit: int) -> Sequence[Number]:
        return self._session.scalars(select(Number).order_by(numbers.c.id).offset(offset).limit(limit)).all()

    def count(self) -> int:
        return self._session.scalar(select(func.count()).select_from(numbers)) or 0

    def delete(self, number: Number) -> None:
        self._session.delete(number)


class SqlAlchemyIdempotencyRepository(IdempotencyRepository):
    def __init__(self, session: Session) -> None:
        self._session = session

    def get(self, key: str, now: datetime) -> IdempotencyRecord | None:
        live = select(IdempotencyRecord).where(
            idempotency_keys.c.key == key, idempotency_keys.c.expires_at > now
        )
        return self._session.scalars(live).one_or_none()

    def add(self, record: IdempotencyRecord, now: datetime) -> None:
        self._session.execute(delete(idempotency_keys).where(idempotency_keys.c.expires_at <= now))
        self._session.add(record)
