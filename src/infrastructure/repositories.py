from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import bindparam, delete, func, insert, select, update
from sqlalchemy.orm import Session

from src.application.access_tokens import AccessToken
from src.application.idempotency import IdempotencyRecord
from src.application.ports import (
    IdempotencyRepository,
    LoginFailureRepository,
    NumberRepository,
    TokenRepository,
    UserRepository,
)
from src.domain.numbers import Number
from src.domain.phone_numbers import PhoneNumber
from src.domain.users import EmailAddress, Role, User
from src.infrastructure.storage_errors import translated_storage_errors
from src.infrastructure.tables import MAX_ID, access_tokens, idempotency_keys, login_failures, numbers, users


class SqlAlchemyNumberRepository(NumberRepository):
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, number: Number) -> None:
        self._session.add(number)
        with translated_storage_errors():
            self._session.flush()  # the id, now

    def get(self, number_id: int) -> Number | None:
        if not 0 < number_id <= MAX_ID:
            return None  # no such row, and asking would overflow the column type
        return self._session.get(Number, number_id)

    def get_by_phone_number(self, phone_number: PhoneNumber) -> Number | None:
        return self._session.scalars(select(Number).where(numbers.c.e164 == phone_number)).one_or_none()

    def list(self, offset: int, limit: int) -> Sequence[Number]:
        return self._session.scalars(select(Number).order_by(numbers.c.id).offset(offset).limit(limit)).all()

    def count(self) -> int:
        return self._session.scalar(select(func.count()).select_from(numbers)) or 0

    def delete(self, number: Number) -> None:
        self._session.delete(number)


class SqlAlchemyIdempotencyRepository(IdempotencyRepository):
    def __init__(self, session: Session) -> None:
        self._session = session

    def get(self, key: str, now: datetime) -> IdempotencyRecord | None:
        live = select(IdempotencyRecord).where(
            idempotency_keys.c.key == key, idempotency_keys.c.expires_at > now
        )
        return self._session.scalars(live).one_or_none()

    def add(self, record: IdempotencyRecord, now: datetime) -> None:
        self._session.execute(delete(idempotency_keys).where(idempotency_keys.c.expires_at <= now))
        self._session.add(record)


class SqlAlchemyUserRepository(UserRepository):
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, user: User) -> None:
        self._session.add(user)
        with translated_storage_errors():
            self._session.flush()

    def get(self, user_id: int) -> User | None:
        if not 0 < user_id <= MAX_ID:
            return None
        return self._session.get(User, user_id)

    def get_by_email(self, email: EmailAddress) -> User | None:
        return self._session.scalars(select(User).where(users.c.email == email)).one_or_none()

    def list(self) -> Sequence[User]:
        return self._session.scalars(select(User).order_by(users.c.id)).all()

    def count(self) -> int:
        return self._session.scalar(select(func.count()).select_from(users)) or 0

    def count_active_admins(self) -> int:
        # FOR UPDATE (PostgreSQL; SQLite has one writer at a time anyway): two transactions each
        # demoting another admin would otherwise both count two admins and leave none. The
        # second waits for the first, then counts again without the admin it demoted.
        active_admins = select(users.c.id).where(users.c.active, users.c.role == Role.ADMIN).with_for_update()
        return len(self._session.scalars(active_admins).all())

    def delete(self, user: User) -> None:
        self._session.execute(delete(access_tokens).where(access_tokens.c.user_id == user.id))
        self._session.delete(user)


_TOKEN_WITH_HOLDER = (
    select(
        access_tokens.c.token_hash,
        access_tokens.c.user_id,
        access_tokens.c.expires_at,
        access_tokens.c.revoked_at,
        users.c.email,
        users.c.password_hash,
        users.c.role,
        users.c.active,
    )
    .join_from(access_tokens, users, access_tokens.c.user_id == users.c.id)
    .where(access_tokens.c.token_hash == bindparam("token_hash"))
)


class SqlAlchemyTokenRepository(TokenRepository):
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, token: AccessToken) -> None:
        self._session.add(token)

    def get(self, token_hash: str) -> AccessToken | None:
        return self._session.get(AccessToken, token_hash)

    def get_with_holder(self, token_hash: str) -> tuple[AccessToken, User] | None:
        """Every request asks, and only reads the answer: a Core query, the two objects built from
        its row (detached: a change to them is never written), without the ORM's loading and
        identity map, which cost more than the query itself."""
        row = self._session.execute(_TOKEN_WITH_HOLDER, {"token_hash": token_hash}).one_or_none()
        if row is None:
            return None
        token = AccessToken(row.token_hash, row.user_id, row.expires_at, row.revoked_at)
        return token, User(row.email, row.password_hash, row.role, row.active, id=row.user_id)

    def revoke_all_of(self, user_id: int, now: datetime) -> None:
        self._session.execute(
            update(access_tokens)
            .where(access_tokens.c.user_id == user_id, access_tokens.c.revoked_at.is_(None))
            .values(revoked_at=now)
        )


class SqlAlchemyLoginFailureRepository(LoginFailureRepository):
    def __init__(self, session: Session) -> None:
        self._session = session

    def record(self, email: str, at: datetime) -> None:
        self._session.execute(insert(login_failures).values(email=email, failed_at=at))

    def since(self, email: str, start: datetime) -> Sequence[datetime]:
        recent = select(login_failures.c.failed_at).where(
            login_failures.c.email == email, login_failures.c.failed_at > start
        )
        return self._session.scalars(recent).all()

    def clear(self, email: str) -> None:
        self._session.execute(delete(login_failures).where(login_failures.c.email == email))
