from __future__ import annotations

import io
import json
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    bindparam,
    case,
    delete,
    func,
    or_,
    select,
    text,
    type_coerce,
    update,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from src.application.access_tokens import AccessToken
from src.application.idempotency import IdempotencyRecord
from src.application.number_listing import Count, Listing, NumberFilter, Position
from src.application.ports import (
    ALL_BY_ID,
    NO_FILTER,
    AttemptWindow,
    IdempotencyRepository,
    LoginAttemptRepository,
    NewNumber,
    NumberRepository,
    TokenRepository,
    UserRepository,
)
from src.application.results import NumberRecord
from src.domain.numbers import Number
from src.domain.phone_numbers import PhoneNumber
from src.domain.users import EmailAddress, Role, User
from src.infrastructure import number_queries
from src.infrastructure.storage_errors import UNIQUE_VIOLATION, translated_storage_errors
from src.infrastructure.tables import MAX_ID, access_tokens, idempotency_keys, login_attempts, numbers, users

STREAM_ROWS = 10_000
IMPORT_COLUMNS = "e164, monthly_price, setup_price, currency, country"
CREATE_IMPORT_TABLE = (
    'CREATE TEMPORARY TABLE IF NOT EXISTS numbers_import (e164 varchar(16) COLLATE "C", '
    "monthly_price numeric(8, 2), setup_price numeric(8, 2), currency varchar(3), "
    "country varchar(2)) ON COMMIT DROP; TRUNCATE numbers_import"
)
# Moves the batch's free numbers and answers the taken ones (the rows the INSERT skipped): nearly
# always none, where answering the inserted ones would send every number back.
MOVE_IMPORTED = (
    f"WITH moved AS (INSERT INTO numbers ({IMPORT_COLUMNS}) SELECT {IMPORT_COLUMNS} FROM numbers_import "  # noqa: S608 - constants
    "ON CONFLICT (e164) DO NOTHING RETURNING e164) "
    "SELECT e164 FROM numbers_import EXCEPT SELECT e164 FROM moved"
)


class SqlAlchemyNumberRepository(NumberRepository):
    def __init__(self, session: Session) -> None:
        self._session = session
        self._copy_directly = True  # until a batch meets a number already stored

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

    def list(
        self,
        listing: Listing = ALL_BY_ID,
        *,
        limit: int,
        offset: int = 0,
        after: Position | None = None,
    ) -> Sequence[Number]:
        query = select(Number).where(*self._conditions(listing.filter))
        if after is not None:
            query = query.where(number_queries.after(listing.sort, after))
        query = query.order_by(*number_queries.order(listing.sort)).offset(offset).limit(limit)
        return self._session.scalars(query).all()

    def count(self, number_filter: NumberFilter = NO_FILTER, exact_up_to: int | None = None) -> Count:
        matching = select(numbers.c.id).where(*self._conditions(number_filter))
        if exact_up_to is not None:
            capped = matching.limit(exact_up_to + 1).subquery()
            found = self._session.scalar(select(func.count()).select_from(capped)) or 0
            if found <= exact_up_to:
                return Count(found)
            if self._dialect() == "postgresql":
                # More than the bound match: the planner's estimate, never below what was seen.
                return Count(max(exact_up_to + 1, self._planned_rows(matching)), exact=False)
        return Count(self._session.scalar(select(func.count()).select_from(matching.subquery())) or 0)

    def _conditions(self, number_filter: NumberFilter) -> Sequence[ColumnElement[bool]]:
        return number_queries.conditions(number_filter, postgresql=self._dialect() == "postgresql")

    def _planned_rows(self, query: Select[Any]) -> int:
        sql = query.compile(dialect=self._session.get_bind().dialect, compile_kwargs={"literal_binds": True})
        plan = self._session.execute(text(f"EXPLAIN (FORMAT JSON) {sql}")).scalar_one()
        if isinstance(plan, str):
            plan = json.loads(plan)
        return int(plan[0]["Plan"]["Plan Rows"])

    def delete(self, number: Number) -> None:
        self._session.delete(number)

    def stream(self, listing: Listing) -> Iterator[NumberRecord]:
        # Plain columns (no value objects per row) from a server-side cursor, STREAM_ROWS at a time.
        query = (
            select(
                type_coerce(numbers.c.e164, String),
                numbers.c.monthly_price,
                numbers.c.setup_price,
                type_coerce(numbers.c.currency, String),
            )
            .where(*self._conditions(listing.filter))
            .order_by(*number_queries.order(listing.sort))
        )
        for partition in self._session.execute(
            query, execution_options={"yield_per": STREAM_ROWS}
        ).partitions():
            yield from map(NumberRecord._make, partition)

    def add_new(self, new_numbers: Sequence[NewNumber]) -> set[str]:
        if not new_numbers:
            return set()
        if self._dialect() == "postgresql":
            return self._copy_new(new_numbers)
        rows = [
            {
                "e164": phone_number.e164,
                "monthly_price": monthly_price.amount,
                "setup_price": setup_price.amount,
                "currency": monthly_price.currency.code,
                "country": phone_number.country,
            }
            for phone_number, monthly_price, setup_price in new_numbers
        ]
        statement = (
            sqlite_insert(numbers)
            .on_conflict_do_nothing(index_elements=[numbers.c.e164])
            .returning(type_coerce(numbers.c.e164, String))
        )
        inserted = set(self._session.connection().execute(statement, rows).scalars())
        return {phone_number.e164 for phone_number, _, _ in new_numbers} - inserted

    def _copy_new(self, new_numbers: Sequence[NewNumber]) -> set[str]:
        """PostgreSQL: COPY the batch (the fastest way in), straight into the table while no batch
        has met a taken number; else into a temporary table, whose free rows are then moved (ON
        CONFLICT DO NOTHING also settles races with other writers). Answer the taken numbers."""
        text_rows = io.StringIO()
        for phone_number, monthly_price, setup_price in new_numbers:
            country = phone_number.country or "\\N"
            currency = monthly_price.currency.code
            text_rows.write(
                f"{phone_number.e164}\t{monthly_price.amount}\t{setup_price.amount}\t{currency}\t{country}\n"
            )
        size = text_rows.tell()  # COPY reads it at once: each read waits for the validating thread's GIL
        text_rows.seek(0)
        driver = self._session.get_bind().dialect.loaded_dbapi
        cursor = self._session.connection().connection.cursor()
        try:
            if self._copy_directly:
                cursor.execute("SAVEPOINT import_batch")
                try:
                    cursor.copy_expert(f"COPY numbers ({IMPORT_COLUMNS}) FROM STDIN", text_rows, size)
                except driver.IntegrityError as error:
                    if getattr(error, "pgcode", None) != UNIQUE_VIOLATION:
                        raise
                    cursor.execute("ROLLBACK TO SAVEPOINT import_batch")
                    self._copy_directly = False  # numbers are taken: the rest skip them one by one
                    text_rows.seek(0)
                else:
                    cursor.execute("RELEASE SAVEPOINT import_batch")
                    return set()
            cursor.execute(CREATE_IMPORT_TABLE)
            cursor.copy_expert(f"COPY numbers_import ({IMPORT_COLUMNS}) FROM STDIN", text_rows, size)
            cursor.execute(MOVE_IMPORTED)
            return {row[0] for row in cursor.fetchall()}
        finally:
            cursor.close()

    def taken(self, phone_numbers: Sequence[PhoneNumber]) -> set[str]:
        if not phone_numbers:
            return set()
        query = select(type_coerce(numbers.c.e164, String)).where(
            numbers.c.e164.in_([phone_number.e164 for phone_number in phone_numbers])
        )
        return set(self._session.scalars(query))

    def _dialect(self) -> str:
        return self._session.get_bind().dialect.name


class SqlAlchemyIdempotencyRepository(IdempotencyRepository):
    def __init__(self, session: Session) -> None:
        self._session = session

    def get(self, owner_id: int, key: str, now: datetime) -> IdempotencyRecord | None:
        live = select(IdempotencyRecord).where(
            idempotency_keys.c.owner_id == owner_id,
            idempotency_keys.c.key == key,
            idempotency_keys.c.expires_at > now,
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

    def revoke_all_of(self, user_id: int, now: datetime, keep: str | None = None) -> None:
        self._session.execute(
            update(access_tokens)
            .where(
                access_tokens.c.user_id == user_id,
                access_tokens.c.revoked_at.is_(None),
                access_tokens.c.token_hash != (keep or ""),
            )
            .values(revoked_at=now)
        )

    def purge(self, now: datetime) -> int:
        result = self._session.execute(
            delete(access_tokens).where(
                or_(access_tokens.c.expires_at <= now, access_tokens.c.revoked_at.is_not(None))
            )
        )
        return int(result.rowcount)  # type: ignore[attr-defined]


class SqlAlchemyLoginAttemptRepository(LoginAttemptRepository):
    def __init__(self, session: Session) -> None:
        self._session = session

    def count(self, key: str, now: datetime, window: timedelta) -> AttemptWindow:
        # INSERT ... ON CONFLICT DO UPDATE ... RETURNING (PostgreSQL, SQLite >= 3.35): the row is
        # locked from the increment to the commit, so concurrent attempts queue and count in turn.
        insert_row = (postgresql_insert if self._dialect() == "postgresql" else sqlite_insert)(login_attempts)
        expired = login_attempts.c.window_started_at <= now - window
        statement = (
            insert_row.values(key=key, window_started_at=now, attempts=1)
            .on_conflict_do_update(
                index_elements=[login_attempts.c.key],
                set_={
                    "attempts": case((expired, 1), else_=login_attempts.c.attempts + 1),
                    "window_started_at": case((expired, now), else_=login_attempts.c.window_started_at),
                },
            )
            .returning(login_attempts.c.attempts, login_attempts.c.window_started_at)
        )
        attempts, started_at = self._session.execute(statement).one()
        return AttemptWindow(attempts, started_at)

    def forgive(self, key: str) -> None:
        self._session.execute(
            update(login_attempts)
            .where(login_attempts.c.key == key, login_attempts.c.attempts > 0)
            .values(attempts=login_attempts.c.attempts - 1)
        )

    def clear(self, key: str) -> None:
        self._session.execute(delete(login_attempts).where(login_attempts.c.key == key))

    def purge(self, started_before: datetime) -> int:
        result = self._session.execute(
            delete(login_attempts).where(login_attempts.c.window_started_at < started_before)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    def _dialect(self) -> str:
        return self._session.get_bind().dialect.name
