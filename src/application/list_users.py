from __future__ import annotations

from src.application.ports import UnitOfWorkFactory
from src.application.results import UserResult


class ListUsers:
    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self._uow_factory = uow_factory

    def __call__(self) -> tuple[UserResult, ...]:
        with self._uow_factory() as uow:
            return tuple(UserResult.of(user) for user in uow.users.list())
