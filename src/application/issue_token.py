from __future__ import annotations

import hashlib
import math
import secrets
from dataclasses import dataclass
from datetime import timedelta
from functools import cached_property

from src.application.access_tokens import AccessToken, hash_secret, new_secret
from src.application.errors import InvalidCredentials, TooManyLoginAttempts
from src.application.ports import Clock, PasswordHasher, UnitOfWork, UnitOfWorkFactory
from src.application.results import IssuedToken, UserResult
from src.domain.errors import DomainError
from src.domain.users import EmailAddress, User

MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=15)


@dataclass(frozen=True)
class Credentials:
    email: object
    password: object


class IssueToken:
    """Log in: the right email and password get a new bearer token.

    Five failures for one email within 15 minutes close the door until the oldest one ages out.
    Unknown emails cost the same password check as known ones, so timing tells nothing.
    """

    def __init__(
        self, uow_factory: UnitOfWorkFactory, hasher: PasswordHasher, clock: Clock, token_ttl: timedelta
    ) -> None:
        self._uow_factory = uow_factory
        self._hasher = hasher
        self._clock = clock
        self._token_ttl = token_ttl

    def __call__(self, credentials: Credentials) -> IssuedToken:
        now = self._clock()
        throttle_key = _throttle_key(credentials.email)
        password = credentials.password if isinstance(credentials.password, str) else ""
        with self._uow_factory() as uow:
            failures = uow.login_failures.since(throttle_key, now - FAILURE_WINDOW)
            if len(failures) >= MAX_FAILURES:
                wait = min(failures) + FAILURE_WINDOW - now
                raise TooManyLoginAttempts(max(1, math.ceil(wait.total_seconds())))
            user = self._find(uow, credentials.email)
            if not self._hasher.verify(user.password_hash if user else self._dummy_hash, password) or not (
                user and user.active
            ):
                uow.login_failures.record(throttle_key, now)
                uow.commit()
                raise InvalidCredentials()
            assert user.id is not None
            uow.login_failures.clear(throttle_key)
            secret = new_secret()
            token = AccessToken(hash_secret(secret), user.id, expires_at=now + self._token_ttl)
            uow.tokens.add(token)
            uow.commit()
            return IssuedToken(secret, token.expires_at, UserResult.of(user))

    @staticmethod
    def _find(uow: UnitOfWork, email: object) -> User | None:
        try:
            return uow.users.get_by_email(EmailAddress(str(email)))
        except DomainError:
            return None

    @cached_property
    def _dummy_hash(self) -> str:
        return self._hasher.hash(secrets.token_urlsafe(16))


def _throttle_key(email: object) -> str:
    """Failures count per email; what is no email at all is counted under a digest of it, so that
    no text the client chose (control characters included) reaches the store."""
    try:
        return EmailAddress.parse(email).value
    except DomainError:
        return "invalid:" + hashlib.sha256(repr(email).encode()).hexdigest()[:32]
