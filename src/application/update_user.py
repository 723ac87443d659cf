from __future__ import annotations

from dataclasses import dataclass

from src.application.changes import Action, History, user_fields
from src.application.errors import LastActiveAdmin
from src.application.get_user import load_user
from src.application.ports import Clock, UnitOfWork, UnitOfWorkFactory
from src.application.results import UserResult
from src.domain.errors import DomainError, FieldErrors
from src.domain.users import Role, User


@dataclass(frozen=True)
class UserChanges:
    """What an admin changes: a role and/or the active flag; None leaves it as it is."""

    user_id: int
    role: object = None
    active: object = None


class UpdateUser:
    """Change a role or (de)activate; deactivation revokes every token of the user at once."""

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock, history: History | None = None) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._history = history or History(clock)

    def __call__(self, command: UserChanges) -> UserResult:
        errors = FieldErrors()
        role = errors.parse("role", Role.parse, command.role) if command.role is not None else None
        active = errors.parse("active", _boolean, command.active) if command.active is not None else None
        errors.raise_if_any()
        with self._uow_factory() as uow:
            user = load_user(uow, command.user_id)
            before = UserResult.of(user)
            new_role = role or user.role
            new_active = user.active if active is None else active
            if user.is_active_admin and not (new_active and new_role is Role.ADMIN):
                refuse_losing_last_admin(uow, user)
            user.role, user.active = new_role, new_active
            if not user.active and user.id is not None:
                uow.tokens.revoke_all_of(user.id, self._clock())
            result = UserResult.of(user)
            change = self._history.change(
                Action.USER_UPDATE, result.id, result.email, user_fields(before), user_fields(result)
            )
            if change.fields:
                uow.changes.add(change)
            uow.commit()
            return result


def refuse_losing_last_admin(uow: UnitOfWork, user: User) -> None:
    """Call before `user`, an active admin, stops being one (while the store still counts it)."""
    if user.is_active_admin and uow.users.count_active_admins() <= 1:
        raise LastActiveAdmin()


def _boolean(raw: object) -> bool:
    if not isinstance(raw, bool):
        raise DomainError("must be true or false")
    return raw
