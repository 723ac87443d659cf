"""The ports the use cases need, implemented by infrastructure (SQLAlchemy) and by tests (fakes)."""

from __future__ import annotations

import abc
from collections.abc import Callable, Sequence
from datetime import datetime
from types import TracebackType
from typing import Self

from src.application.idempotency import IdempotencyRecord
from src.domain.numbers import Number
from src.domain.phone_numbers import PhoneNumber


class NumberRepository(abc.ABC):
    @abc.abstractmethod
    def add(self, number: Number) -> None:
        """Store a new number and give it its id at once; raises DuplicateRecord on a taken value."""

    @abc.abstractmethod
    def get(self, number_id: int) -> Number | None: ...

    @abc.abstractmethod
    def get_by_phone_number(self, phone_number: PhoneNumber) -> Number | None: ...

    @abc.abstractmethod
    def list(self, offset: int, limit: int) -> Sequence[Number]:
        """Numbers ordered by id."""

    @abc.abstractmethod
    def count(self) -> int: ...

    @abc.abstractmethod
    def delete(self, number: Number) -> None: ...


class IdempotencyRepository(abc.ABC):
    @abc.abstractmethod
    def get(self, key: str, now: datetime) -> IdempotencyRecord | None:
        """The record under `key` unless it has expired."""

    @abc.abstractmethod
    def add(self, record: IdempotencyRecord, now: datetime) -> None:
        """Store `record`, first forgetting every record expired at `now` (its key among them)."""


class UnitOfWork(abc.ABC):
    """One transaction: whatever is not committed explicitly is rolled back on exit."""

    numbers: NumberRepository
    idempotency_keys: IdempotencyRepository

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.rollback()

    @abc.abstractmethod
    def commit(self) -> None:
        """Make the changes durable; raises DuplicateRecord when a unique value is taken and
        ConcurrentUpdate when a changed row is no longer at the version that was read."""

    @abc.abstractmethod
    def rollback(self) -> None: ...


UnitOfWorkFactory = Callable[[], UnitOfWork]
Clock = Callable[[], datetime]  # the current time, timezone-aware
