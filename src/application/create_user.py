from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from src.application.changes import Action, History, user_fields, utc_now
from src.application.errors import DuplicateRecord, UserAlreadyExists
from src.application.ports import PasswordCheck, PasswordHasher, UnitOfWork, UnitOfWorkFactory
from src.application.results import UserResult
from src.domain.errors import FieldErrors
from src.domain.users import EmailAddress, Role, User, WeakPassword, check_password_strength


@dataclass(frozen=True)
class NewUser:
    email: object
    password: object
    role: object


class CreateUser:
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

    def __call__(self, command: NewUser) -> UserResult:
        email, password, role = parse_new_user(command, self._password_check)
        with self._uow_factory() as uow:
            if uow.users.get_by_email(email) is not None:
                raise UserAlreadyExists(email.value)
            try:
                return store_new_user(uow, User(email, self._hasher.hash(password), role), self._history)
            except DuplicateRecord as error:
                raise UserAlreadyExists(email.value) from error


def store_new_user(uow: UnitOfWork, user: User, history: History) -> UserResult:
    """Add the user with the change that records it, and commit; DuplicateRecord when the email
    was taken meanwhile (each caller answers that its own way)."""
    uow.users.add(user)
    result = UserResult.of(user)
    uow.changes.add(history.change(Action.USER_CREATE, result.id, result.email, {}, user_fields(result)))
    uow.commit()
    return result


def parse_new_user(command: NewUser, password_check: PasswordCheck) -> tuple[EmailAddress, str, Role]:
    errors = FieldErrors()
    email = errors.parse("email", EmailAddress.parse, command.email)
    hints = [email.value] if email is not None else []
    password = errors.parse(
        "password", lambda raw: new_password(raw, password_check, hints), command.password
    )
    role = errors.parse("role", Role.parse, command.role)
    errors.raise_if_any()
    assert email is not None
    assert password is not None
    assert role is not None
    return email, password, role


def new_password(raw: object, password_check: PasswordCheck, hints: Sequence[str]) -> str:
    """A password someone chooses: long enough, not blank, and not among those tried first."""
    password = check_password_strength(raw)
    if password_check.is_guessable(password, hints):  # each caller names the field (FieldErrors)
        raise WeakPassword("is too common or too easy to guess: choose another")
    return password
