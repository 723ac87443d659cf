from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from src.application.ports import NumberRepository
from src.domain.numbers import Number
from src.domain.phone_numbers import PhoneNumber
from src.infrastructure.tables import numbers


class SqlAlchemyNumberRepository(NumberRepository):
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, number: Number) -> None:
        self._session.add(number)

    def get(self, number_id: int) -> Number | None:
        return self._session.get(Number, number_id)

    def get_by_phone_number(self, phone_number: PhoneNumber) -> Number | None:
        return self._session.scalars(select(Number).where(numbers.c.e164 == phone_number)).one_or_none()

    def list(self, offset: int, limit: int) -> Sequence[Number]:
        return self._session.scalars(select(Number).order_by(numbers.c.id).offset(offset).limit(limit)).all()

    def count(self) -> int:
        return self._session.scalar(select(func.count()).select_from(numbers)) or 0

    def delete(self, number: Number) -> None:
        self._session.delete(number)
