from __future__ import annotations

from src.application.get_user import load_user
from src.application.ports import UnitOfWorkFactory
from src.application.update_user import refuse_losing_last_admin


class DeleteUser:
    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self._uow_factory = uow_factory

    def __call__(self, user_id: int) -> None:
        with self._uow_factory() as uow:
            user = load_user(uow, user_id)
            refuse_losing_last_admin(uow, user)
            uow.users.delete(user)
            uow.commit()
