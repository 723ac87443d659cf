from __future__ import annotations

import hashlib
import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property

from src.application.access_tokens import AccessToken, hash_secret, new_secret
from src.application.errors import InvalidCredentials, TooManyLoginAttempts
from src.application.ports import Clock, PasswordHasher, UnitOfWork, UnitOfWorkFactory
from src.application.results import IssuedToken, UserResult
from src.domain.errors import DomainError
from src.domain.users import EmailAddress, User

# Login throttling (docs/security.md): three counters per 15-minute window, each raised before the
# password is checked, so that attempts made at the same moment cannot all slip under a limit.
WINDOW = timedelta(minutes=15)
PER_ADDRESS_AND_ACCOUNT = 5  # guesses one client may make at one account
PER_ADDRESS = 40  # attempts one client may make at all accounts together
# Guesses at one account from every client together; past it, only clients that have not failed at
# this account yet may try: the user, at their usual address, still logs in.
PER_ACCOUNT = 50


@dataclass(frozen=True)
class Credentials:
    email: object
    password: object
    client_address: str = ""  # where the attempt comes from, as the web layer sees it


class IssueToken:
    """Log in: the right email and password get a new bearer token.

    Attempts are limited per client address and account, per client address, and (for clients
    that already failed at it) per account: a client guessing wrong is refused (429 with the wait),
    never the account for everyone, so nobody can lock a user out. A successful login takes back
    its own attempt and clears its client's failures at that account.
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
        keys = AttemptKeys.of(credentials.client_address, credentials.email)
        password = credentials.password if isinstance(credentials.password, str) else ""
        count_attempt(self._uow_factory, keys, now)
        with self._uow_factory() as uow:
            user = self._find(uow, credentials.email)
            if not self._hasher.verify(user.password_hash if user else self._dummy_hash, password) or not (
                user and user.active
            ):
                raise InvalidCredentials()
            assert user.id is not None
            uow.login_attempts.forgive(keys.address)
            uow.login_attempts.clear(keys.address_and_account)
            uow.login_attempts.forgive(keys.account)
            secret = new_secret()
            token = AccessToken(hash_secret(secret), user.id, expires_at=now + self._token_ttl)
            uow.tokens.add(token)
            issued = IssuedToken(secret, token.expires_at, UserResult.of(user))
            uow.commit()
        return issued

    @staticmethod
    def _find(uow: UnitOfWork, email: object) -> User | None:
        try:
            return uow.users.get_by_email(EmailAddress(str(email)))
        except DomainError:
            return None

    @cached_property
    def _dummy_hash(self) -> str:
        return self._hasher.hash(secrets.token_urlsafe(16))


@dataclass(frozen=True)
class AttemptKeys:
    """Digests, so that no text the client chose (control characters included) reaches the store,
    and the store keeps no address or email."""

    address: str
    address_and_account: str
    account: str

    @classmethod
    def of(cls, client_address: str, email: object) -> AttemptKeys:
        account = _account_of(email)
        return cls(
            _digest("address", client_address),
            _digest("address+account", client_address, account),
            _digest("account", account),
        )


def count_attempt(uow_factory: UnitOfWorkFactory, keys: AttemptKeys, now: datetime) -> None:
    """Count this attempt (committed at once, before any password is checked); refuse it with the
    wait when a limit is passed. Only attempts whose password was checked stay counted: a success
    takes its own back, and so does a refusal."""
    with uow_factory() as uow:
        address = uow.login_attempts.count(keys.address, now, WINDOW)
        address_and_account = uow.login_attempts.count(keys.address_and_account, now, WINDOW)
        account = uow.login_attempts.count(keys.account, now, WINDOW)
        uow.commit()
    for counted, refused in (
        (address, address.attempts > PER_ADDRESS),
        (address_and_account, address_and_account.attempts > PER_ADDRESS_AND_ACCOUNT),
        (account, account.attempts > PER_ACCOUNT and address_and_account.attempts > 1),
    ):
        if refused:
            with uow_factory() as uow:  # a refused attempt is not made: it does not count
                for key in (keys.address, keys.address_and_account, keys.account):
                    uow.login_attempts.forgive(key)
                uow.commit()
            wait = counted.started_at + WINDOW - now
            raise TooManyLoginAttempts(max(1, math.ceil(wait.total_seconds())))


def _account_of(email: object) -> str:
    try:
        return EmailAddress.parse(email).value
    except DomainError:
        return "invalid:" + repr(email)


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()
