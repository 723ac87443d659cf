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


class VersionMismatch(ApplicationError):
    """The client's If-Match names a version that is no longer the stored one."""

    def __init__(self, number_id: int, current_version: int | None) -> None:
        super().__init__(
            f"number {number_id} has changed since you read it; fetch it again and reapply your change"
        )
        self.number_id = number_id
        self.current_version = current_version


class NumberChangedMeanwhile(ApplicationError):
    """Two writers raced for the same version without If-Match; this one lost."""

    def __init__(self, number_id: int) -> None:
        super().__init__(
            f"number {number_id} was changed by another request at the same time; fetch it and retry"
        )
        self.number_id = number_id


class ConcurrentUpdate(ApplicationError):
    """A unit of work found that the row it changes was changed or deleted by someone else."""


class IdempotencyKeyReused(ApplicationError):
    def __init__(self, key: str) -> None:
        super().__init__(
            f"the Idempotency-Key {key!r} was already used with a different request body; "
            "use a new key for a new request"
        )
        self.key = key


class DuplicateRecord(ApplicationError):
    """A unit of work was refused a second copy of a value that must be unique (a lost race)."""


class StorageUnavailable(ApplicationError):
    """The store cannot be reached now; the same request may succeed later."""
