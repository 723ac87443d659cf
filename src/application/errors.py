"""Errors a use case reports to its caller; the web layer maps each to one HTTP problem."""

from __future__ import annotations


class ApplicationError(Exception):
    pass


class NumberNotFound(ApplicationError):
    def __init__(self, number_id: int) -> None:
        super().__init__(f"there is no number with id {number_id}")
        self.number_id = number_id


class NumberAlreadyExists(ApplicationError):
    def __init__(self, international: str) -> None:
        super().__init__(f"the number {international} is already in the inventory")
        self.international = international


class DuplicateRecord(ApplicationError):
    """A unit of work was refused a second copy of a value that must be unique (a lost race)."""


class StorageUnavailable(ApplicationError):
    """The store cannot be reached now; the same request may succeed later."""
