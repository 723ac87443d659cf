from __future__ import annotations

from src.application.changes import History, utc_now
from src.application.create_user import NewUser, parse_new_user, store_new_user
from src.application.errors import DuplicateRecord
from src.application.ports import PasswordCheck, PasswordHasher, UnitOfWorkFactory
from src.domain.users import Role, User


class EnsureFirstAdmin:
    """Create an admin when there is no user at all (a fresh install); otherwise do nothing.

    Several processes may start at once: the one that loses the race finds the user there.
    """

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        hasher: PasswordHasher,
        password_check: PasswordCheck,
        history: History | None = None,
    ) -> None:
        self._uow_factory = uow_factory
        self._hasher = hasher
        self._password_check = password_check
        self._history = history or History(utc_now)

    def __call__(self, email: str, password: str) -> bool:
        new_admin = NewUser(email, password, Role.ADMIN.value)
        address, checked_password, role = parse_new_user(new_admin, self._password_check)
        with self._uow_factory() as uow:
            if uow.users.count() > 0:
                return False
            try:
                store_new_user(uow, User(address, self._hasher.hash(checked_password), role), self._history)
            except DuplicateRecord:
                return False
            return True
