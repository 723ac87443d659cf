from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy import exc
from sqlalchemy.orm import Session, sessionmaker

from src.application.errors import StorageUnavailable
from src.application.ports import UnitOfWork
from src.infrastructure.repositories import (
    SqlAlchemyChangeRepository,
    SqlAlchemyIdempotencyRepository,
    SqlAlchemyLoginAttemptRepository,
    SqlAlchemyNumberImportStore,
    SqlAlchemyNumberRepository,
    SqlAlchemyTokenRepository,
    SqlAlchemyUserRepository,
)
from src.infrastructure.storage_errors import is_unavailable, translated_storage_errors


class SqlAlchemyUnitOfWork(UnitOfWork):
    """A session per unit of work, from a factory the composition root builds."""

    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self._session_factory = session_factory

    def __enter__(self) -> Self:
        self.session = self._session_factory()
        self.numbers = SqlAlchemyNumberRepository(self.session)
        self.number_imports = SqlAlchemyNumberImportStore(self.session)
        self.idempotency_keys = SqlAlchemyIdempotencyRepository(self.session)
        self.users = SqlAlchemyUserRepository(self.session)
        self.tokens = SqlAlchemyTokenRepository(self.session)
        self.login_attempts = SqlAlchemyLoginAttemptRepository(self.session)
        self.changes = SqlAlchemyChangeRepository(self.session)
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
        with translated_storage_errors():
            self.session.commit()

    def rollback(self) -> None:
        self.session.rollback()
