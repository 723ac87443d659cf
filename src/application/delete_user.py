from __future__ import annotations

from src.application.changes import Action, History, user_fields, utc_now
from src.application.get_user import load_user
from src.application.ports import UnitOfWorkFactory
from src.application.results import UserResult
from src.application.update_user import refuse_losing_last_admin


class DeleteUser:
    def __init__(self, uow_factory: UnitOfWorkFactory, history: History | None = None) -> None:
        self._uow_factory = uow_factory
        self._history = history or History(utc_now)

    def __call__(self, user_id: int) -> None:
        with self._uow_factory() as uow:
            user = load_user(uow, user_id)
            refuse_losing_last_admin(uow, user)
            before = UserResult.of(user)
            uow.users.delete(user)
            uow.changes.add(
                self._history.change(Action.USER_DELETE, before.id, before.email, user_fields(before), {})
            )
            uow.commit()
