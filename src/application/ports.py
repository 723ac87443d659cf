"""The ports the use cases need, implemented by infrastructure (SQLAlchemy) and by tests (fakes)."""

from __future__ import annotations

import abc
from collections.abc import Callable, Sequence
from types import TracebackType
from typing import Self

from src.domain.numbers import Number
from src.domain.phone_numbers import PhoneNumber


class NumberRepository(abc.ABC):
    @abc.abstractmethod
    def add(self, number: Number) -> None: ...

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


class UnitOfWork(abc.ABC):
    """One transaction: whatever is not committed explicitly is rolled back on exit."""

    numbers: NumberRepository

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
        """Make the changes durable; raises DuplicateRecord when a unique value is taken."""

    @abc.abstractmethod
    def rollback(self) -> None: ...


UnitOfWorkFactory = Callable[[], UnitOfWork]
