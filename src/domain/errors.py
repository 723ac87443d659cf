"""Domain errors: each names the field at fault and says in plain words what is wrong."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

T = TypeVar("T")


class DomainError(Exception):
    """A rule of the domain was broken."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def on_field(self, field: str) -> DomainError:
        """The same error, told about `field`: value objects do not know which attribute they fill."""
        return type(self)(self.message, field)


class InvalidPhoneNumber(DomainError):
    pass


class InvalidAmount(DomainError):
    pass


class UnknownCurrency(DomainError):
    pass


class CurrencyMismatch(DomainError):
    pass


class InvalidFields(DomainError):
    """Several fields are wrong at once; all of them are reported, not just the first."""

    def __init__(self, errors: Iterable[DomainError]) -> None:
        self.errors = tuple(errors)
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in self.errors))


class FieldErrors:
    """Parses several fields and collects what is wrong with each, so all are reported at once."""

    def __init__(self) -> None:
        self.errors: list[DomainError] = []

    def parse(self, field: str, parser: Callable[[object], T], raw: object) -> T | None:
        try:
            return parser(raw)
        except DomainError as error:
            self.errors.append(error.on_field(field))
            return None

    def add(self, error: DomainError) -> None:
        self.errors.append(error)

    def raise_if_any(self) -> None:
        if self.errors:
            raise InvalidFields(self.errors)
