from __future__ import annotations

from dataclasses import dataclass

from src.application.access_tokens import hash_secret
from src.application.changes import Action, History
from src.application.create_user import new_password
from src.application.get_user import load_user
from src.application.issue_token import AttemptKeys, count_attempt
from src.application.ports import Clock, PasswordCheck, PasswordHasher, UnitOfWorkFactory
from src.domain.errors import DomainError, FieldErrors, InvalidFields


@dataclass(frozen=True)
class PasswordChange:
    user_id: int
    token: str  # the secret this request came with: the one token that stays valid
    current_password: object
    new_password: object
    client_address: str = ""


class ChangePassword:
    """A user changes their own password. The current password proves it is them (a token alone may
    have been stolen), and guesses at it count as login attempts; every other token of theirs stops
    working, so whoever else held one is out."""

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        hasher: PasswordHasher,
        password_check: PasswordCheck,
        clock: Clock,
        history: History | None = None,
    ) -> None:
        self._uow_factory = uow_factory
        self._hasher = hasher
        self._password_check = password_check
        self._clock = clock
        self._history = history or History(clock)

    def __call__(self, change: PasswordChange) -> None:
        now = self._clock()
        with self._uow_factory() as uow:
            email = load_user(uow, change.user_id).email.value
        errors = FieldErrors()
        checked = errors.parse(
            "newPassword", lambda raw: new_password(raw, self._password_check, [email]), change.new_password
        )
        errors.raise_if_any()
        assert checked is not None
        keys = AttemptKeys.of(change.client_address, email)
        count_attempt(self._uow_factory, keys, now)
        current = change.current_password if isinstance(change.current_password, str) else ""
        with self._uow_factory() as uow:
            user = load_user(uow, change.user_id)
            if not self._hasher.verify(user.password_hash, current):
                raise InvalidFields([DomainError("is not your current password", "currentPassword")])
            user.password_hash = self._hasher.hash(checked)
            assert user.id is not None
            uow.tokens.revoke_all_of(user.id, now, keep=hash_secret(change.token))
            uow.login_attempts.forgive(keys.address)
            uow.login_attempts.clear(keys.address_and_account)
            uow.login_attempts.forgive(keys.account)
            # That it changed, never the password or its hash.
            uow.changes.add(self._history.change(Action.USER_PASSWORD, user.id, email, {}, {}))
            uow.commit()
