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


class Unauthenticated(ApplicationError):
    """No usable bearer token: none given, or unknown, expired or revoked."""

    def __init__(self, token_given: bool) -> None:
        super().__init__(
            "the token is invalid, expired or revoked; log in again"
            if token_given
            else "send a bearer token (Authorization: Bearer <token>); get one at POST /api/v1/auth/tokens"
        )
        self.token_given = token_given


class Forbidden(ApplicationError):
    def __init__(self, role: str, permission: str) -> None:
        super().__init__(f"a {role} may not do this (it needs the {permission} permission)")


class InvalidCredentials(ApplicationError):
    def __init__(self) -> None:
        super().__init__("wrong email or password")


class TooManyLoginAttempts(ApplicationError):
    def __init__(self, retry_after_seconds: int) -> None:
        super().__init__(f"too many failed logins from this client; try again in {retry_after_seconds} s")
        self.retry_after_seconds = retry_after_seconds


class UserNotFound(ApplicationError):
    def __init__(self, user_id: int) -> None:
        super().__init__(f"there is no user with id {user_id}")


class UserAlreadyExists(ApplicationError):
    def __init__(self, email: str) -> None:
        super().__init__(f"a user with the email {email} already exists")


class LastActiveAdmin(ApplicationError):
    def __init__(self) -> None:
        super().__init__(
            "the last active admin cannot be removed, demoted or deactivated; make another admin first"
        )


class ImportLineRefused(ApplicationError):
    """A line of an uploaded file is past the bounds any real file keeps (its length, its fields):
    the file is refused before more of it is read."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line} {message}")
        self.line = line
        self.message = message


class MalformedImportFile(ApplicationError):
    """The uploaded file cannot be read as CSV text at all (not UTF-8, broken quoting)."""
