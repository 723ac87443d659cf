from __future__ import annotations

from dataclasses import dataclass

from src.application.changes import Action, History, user_fields, utc_now
from src.application.errors import DuplicateRecord, UserAlreadyExists
from src.application.ports import PasswordHasher, UnitOfWorkFactory
from src.application.results import UserResult
from src.domain.errors import FieldErrors
from src.domain.users import EmailAddress, Role, User, check_password_strength


@dataclass(frozen=True)
class NewUser:
    email: object
    password: object
    role: object


class CreateUser:
    def __init__(
        self, uow_factory: UnitOfWorkFactory, hasher: PasswordHasher, history: History | None = None
    ) -> None:
        self._uow_factory = uow_factory
        self._hasher = hasher
        self._history = history or History(utc_now)

    def __call__(self, command: NewUser) -> UserResult:
        email, password, role = parse_new_user(command)
        with self._uow_factory() as uow:
            if uow.users.get_by_email(email) is not None:
                raise UserAlreadyExists(email.value)
            user = User(email, self._hasher.hash(password), role)
            try:
                uow.users.add(user)
                result = UserResult.of(user)
                uow.changes.add(
                    self._history.change(Action.USER_CREATE, result.id, result.email, {}, user_fields(result))
                )
                uow.commit()
            except DuplicateRecord as error:
                raise UserAlreadyExists(email.value) from error
            return result


def parse_new_user(command: NewUser) -> tuple[EmailAddress, str, Role]:
    errors = FieldErrors()
    email = errors.parse("email", EmailAddress.parse, command.email)
    password = errors.parse("password", check_password_strength, command.password)
    role = errors.parse("role", Role.parse, command.role)
    errors.raise_if_any()
    assert email is not None
    assert password is not None
    assert role is not None
    return email, password, role
