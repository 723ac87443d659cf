from __future__ import annotations

from src.application.errors import UserNotFound
from src.application.ports import UnitOfWork, UnitOfWorkFactory
from src.application.results import UserResult
from src.domain.users import User


class GetUser:
    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self._uow_factory = uow_factory

    def __call__(self, user_id: int) -> UserResult:
        with self._uow_factory() as uow:
            return UserResult.of(load_user(uow, user_id))


def load_user(uow: UnitOfWork, user_id: int) -> User:
    user = uow.users.get(user_id)
    if user is None:
        raise UserNotFound(user_id)
    return user
