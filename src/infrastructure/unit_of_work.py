from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy import exc
from sqlalchemy.orm import Session, sessionmaker

from src.application.errors import DuplicateRecord, StorageUnavailable
from src.application.ports import UnitOfWork
from src.infrastructure.repositories import SqlAlchemyNumberRepository


class SqlAlchemyUnitOfWork(UnitOfWork):
    """A session per unit of work, from a factory the composition root builds."""

    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self._session_factory = session_factory

    def __enter__(self) -> Self:
        self.session = self._session_factory()
        self.numbers = SqlAlchemyNumberRepository(self.session)
        return super().__enter__()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            super().__exit__(exc_type, error, traceback)
        except exc.DBAPIError:
            pass  # the connection is gone, and the server dropped the transaction with it
        finally:
            self.session.close()
        if is_unavailable(error):
            raise StorageUnavailable("the database cannot be reached") from error

    def commit(self) -> None:
        try:
            self.session.commit()
        except exc.IntegrityError as error:
            if is_unique_violation(error):
                raise DuplicateRecord(str(error.orig)) from error
            raise

    def rollback(self) -> None:
        self.session.rollback()


def is_unavailable(error: BaseException | None) -> bool:
    """Errors that say "try again later" rather than "this request is wrong": a refused or lost
    connection, a full pool, a locked SQLite file, a timed-out statement."""
    if isinstance(error, exc.DBAPIError):
        return error.connection_invalidated or isinstance(error, exc.OperationalError | exc.InterfaceError)
    return isinstance(error, exc.TimeoutError)


def is_unique_violation(error: exc.IntegrityError) -> bool:
    pgcode = getattr(error.orig, "pgcode", None)
    return pgcode == "23505" or (pgcode is None and "UNIQUE constraint failed" in str(error.orig))
