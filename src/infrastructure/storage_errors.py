"""The driver's errors that the application has words for, translated in one place."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import exc
from sqlalchemy.orm.exc import StaleDataError

from src.application.errors import ConcurrentUpdate, DuplicateRecord

UNIQUE_VIOLATION = "23505"  # PostgreSQL's SQLSTATE


@contextmanager
def translated_storage_errors() -> Iterator[None]:
    """Unique violations become DuplicateRecord; a row changed under us, ConcurrentUpdate."""
    try:
        yield
    except exc.IntegrityError as error:
        if is_unique_violation(error):
            raise DuplicateRecord(str(error.orig)) from error
        raise
    except StaleDataError as error:
        raise ConcurrentUpdate(str(error)) from error


def is_unavailable(error: BaseException | None) -> bool:
    """Errors that say "try again later" rather than "this request is wrong": a refused or lost
    connection, a full pool, a locked SQLite file, a timed-out statement."""
    if isinstance(error, exc.DBAPIError):
        return error.connection_invalidated or isinstance(error, exc.OperationalError | exc.InterfaceError)
    return isinstance(error, exc.TimeoutError)


def is_unique_violation(error: exc.IntegrityError) -> bool:
    pgcode = getattr(error.orig, "pgcode", None)
    return pgcode == UNIQUE_VIOLATION or (pgcode is None and "UNIQUE constraint failed" in str(error.orig))
