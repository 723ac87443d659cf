from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, NamedTuple

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Engine,
    Integer,
    Row,
    String,
    Text,
    any_,
    bindparam,
    case,
    cast,
    delete,
    exc,
    func,
    insert,
    literal,
    or_,
    select,
    text,
    type_coerce,
    union_all,
    update,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from src.application.access_tokens import AccessToken
from src.application.changes import (
    Action,
    Actor,
    Change,
    ChangeQuery,
    ChangeRecord,
    ChangeStamp,
    FieldChange,
    FieldValue,
    Subject,
)
from src.application.errors import StorageUnavailable
from src.application.idempotency import IdempotencyRecord
from src.application.number_listing import NumberFilter
from src.application.ports import (
    MAX_ID,
    AttemptWindow,
    BulkOutcome,
    BulkValues,
    ChangeRepository,
    IdempotencyRepository,
    LoginAttemptRepository,
    NewNumber,
    NumberImportStore,
    NumberRepository,
    TokenHolders,
    TokenRepository,
    UserRepository,
)
from src.domain.numbers import Number
from src.domain.phone_numbers import PhoneNumber
from src.domain.users import EmailAddress, Role, User
from src.infrastructure import number_queries
from src.infrastructure.database import PREPARE, DirectRead
from src.infrastructure.orm import as_loaded
from src.infrastructure.storage_errors import UNIQUE_VIOLATION, is_unavailable, translated_storage_errors
from src.infrastructure.tables import (
    access_tokens,
    changes,
    idempotency_keys,
    login_attempts,
    numbers,
    users,
)

# A bulk change keeps its locked rows (and sorts their ids) in memory up to this: with the default
# 4 MB, 100,000 rows went through about 48 MB of temporary files.
BULK_CHANGE_WORK_MEM = "64MB"
IMPORT_COLUMNS = "e164, monthly_price, setup_price, currency, country, created_by_change_id"
CREATE_IMPORT_TABLE = (
    'CREATE TEMPORARY TABLE IF NOT EXISTS numbers_import (e164 varchar(16) COLLATE "C", '
    "monthly_price numeric(8, 2), setup_price numeric(8, 2), currency varchar(3), "
    "country varchar(2), created_by_change_id bigint) ON COMMIT DROP; TRUNCATE numbers_import"
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

    def delete(self, number: Number) -> None:
        self._session.delete(number)


class SqlAlchemyNumberImportStore(NumberImportStore):
    def __init__(self, session: Session) -> None:
        self._session = session
        self._copy_directly = True  # until a batch meets a number already stored

    def add_new(self, new_numbers: Sequence[NewNumber], import_id: int | None = None) -> set[str]:
        if not new_numbers:
            return set()
        if self._dialect() == "postgresql":
            return self._copy_new(new_numbers, import_id)
        rows = [
            {
                "e164": phone_number.e164,
                "monthly_price": monthly_price.amount,
                "setup_price": setup_price.amount,
                "currency": monthly_price.currency.code,
                "country": phone_number.country,
                "created_by_change_id": import_id,
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

    def _copy_new(self, new_numbers: Sequence[NewNumber], import_id: int | None) -> set[str]:
        """PostgreSQL: COPY the batch (the fastest way in), straight into the table while no batch
        has met a taken number; else into a temporary table, whose free rows are then moved (ON
        CONFLICT DO NOTHING also settles races with other writers). Answer the taken numbers."""
        driver = self._session.get_bind().dialect.loaded_dbapi
        cursor = self._session.connection().connection.cursor()
        try:
            if self._copy_directly:
                cursor.execute("SAVEPOINT import_batch")
                try:
                    rows = _CopyText(new_numbers, import_id)
                    cursor.copy_expert(f"COPY numbers ({IMPORT_COLUMNS}) FROM STDIN", rows)
                except driver.IntegrityError as error:
                    if getattr(error, "pgcode", None) != UNIQUE_VIOLATION:
                        raise
                    cursor.execute("ROLLBACK TO SAVEPOINT import_batch")
                    self._copy_directly = False  # numbers are taken: the rest skip them one by one
                else:
                    cursor.execute("RELEASE SAVEPOINT import_batch")
                    return set()
            cursor.execute(CREATE_IMPORT_TABLE)
            rows = _CopyText(new_numbers, import_id)  # again from the first: the direct copy was undone
            cursor.copy_expert(f"COPY numbers_import ({IMPORT_COLUMNS}) FROM STDIN", rows)
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

    def set_where(
        self,
        number_filter: NumberFilter,
        values: BulkValues,
        stamp: ChangeStamp,
        bulk_change_id: int,
        expected_count: int,
    ) -> BulkOutcome:
        assignments: dict[str, Any] = {}
        if values.monthly_price is not None:
            assignments["monthly_price"] = values.monthly_price
        if values.setup_price is not None:
            assignments["setup_price"] = values.setup_price
        if values.currency is not None:
            assignments["currency"] = values.currency
        if self._dialect() == "postgresql":
            return self._set_locked(number_filter, assignments, stamp, bulk_change_id, expected_count)
        matched, rows = self._set_under_write_lock(number_filter, assignments, expected_count)
        recorded = []
        for number_id, e164, *old_and_new in rows:
            before, after = _wire_fields(e164, *old_and_new[:3]), _wire_fields(e164, *old_and_new[3:6])
            fields = {
                name: FieldChange(before[name], after[name]) for name in after if before[name] != after[name]
            }
            change = Change(stamp.at, stamp.actor, Action.BULK_UPDATE, number_id, e164, fields)
            recorded.append(_change_row(replace(change, bulk_change_id=bulk_change_id)))
        if recorded:
            self._session.execute(insert(changes), recorded)
        return BulkOutcome(matched, len(rows))

    def _set_locked(
        self,
        number_filter: NumberFilter,
        assignments: dict[str, Any],
        stamp: ChangeStamp,
        bulk_change_id: int,
        expected_count: int,
    ) -> BulkOutcome:
        """PostgreSQL, one statement, no row sent back: lock the matching rows in id order (a
        concurrent writer of one of them waits, or has committed and its new values are what the
        filter judged; two bulk changes never deadlock) and count them; only if that count is the
        expected one, update those that differ from the values set and record each one's change
        from its locked values (before) and the values set (after). A stale count costs the lock
        and the count, nothing more.

        What it costs is index maintenance (every index of both tables gets an entry per row), so
        the rest is kept off the way: the update finds its rows by primary key rather than by
        joining the whole table, each record's JSON is plain concatenation of the fields set, and
        the locked rows stay in memory (see bench/README.md, "The table at a million numbers")."""
        self._session.execute(text(f"SET LOCAL work_mem = '{BULK_CHANGE_WORK_MEM}'"))
        set_columns = list(assignments)
        locked = (
            select(
                numbers.c.id,
                type_coerce(numbers.c.e164, String).label("e164"),
                *(numbers.c[name] for name in set_columns),
            )
            .where(*self._conditions(number_filter))
            .order_by(numbers.c.id)
            .with_for_update()
            .cte("locked")
        )
        matched = select(func.count()).select_from(locked).scalar_subquery()
        differing = (
            select(locked)
            .where(
                matched == expected_count,
                or_(*(locked.c[name] != _set_value(name, assignments[name]) for name in set_columns)),
            )
            .cte("differing")
        )
        updated = (
            update(numbers)
            .where(numbers.c.id == any_(func.array(select(differing.c.id).scalar_subquery())))
            .values(version=numbers.c.version + 1, **assignments)
            .returning(numbers.c.id)
            .cte("updated")
        )
        fields = [_field_change_json(name, differing.c[name], assignments[name]) for name in set_columns]
        columns = ("at", "actor_id", "actor_email", "request_id", "action", "subject_type")
        recorded = (
            insert(changes)
            .from_select(
                [*columns, "subject_id", "subject", "fields", "bulk_change_id"],
                select(
                    literal(stamp.at, changes.c.at.type),
                    literal(stamp.actor.user_id, Integer),
                    literal(stamp.actor.email, String),
                    literal(stamp.actor.request_id, String),
                    literal(Action.BULK_UPDATE.value),
                    literal(Subject.NUMBER.value),
                    differing.c.id,
                    differing.c.e164,
                    literal("{") + func.concat_ws(", ", *fields) + literal("}"),
                    literal(bulk_change_id, BigInteger),
                ).select_from(differing),
            )
            .cte("recorded")
        )
        # Data-modifying CTEs run to completion whether or not the final SELECT reads them.
        outcome = select(matched, select(func.count()).select_from(updated).scalar_subquery()).add_cte(
            recorded
        )
        found, changed = self._session.execute(outcome).one()
        return BulkOutcome(int(found), int(changed))

    def _set_under_write_lock(
        self, number_filter: NumberFilter, assignments: dict[str, Any], expected_count: int
    ) -> tuple[int, list[tuple[Any, ...]]]:
        """SQLite, under the write lock its unit of work holds from BEGIN: count the matching rows;
        only if that is the expected count, bump the version of those that differ from the values
        set, whose RETURNING (the new row only, on SQLite) then still shows the values before, and
        set the new values on exactly those rows (the filter may no longer match them after).
        Answers the count and, for each changed row, its id, E.164, values before and after."""
        conditions = self._conditions(number_filter)
        matched = self._session.scalar(select(func.count()).select_from(numbers).where(*conditions)) or 0
        if matched != expected_count:
            return matched, []
        differs = or_(*(numbers.c[name] != _set_value(name, value) for name, value in assignments.items()))
        bumped = self._session.execute(
            update(numbers)
            .where(*conditions, differs)
            .values(version=numbers.c.version + 1)
            .returning(
                numbers.c.id,
                type_coerce(numbers.c.e164, String),
                numbers.c.monthly_price,
                numbers.c.setup_price,
                type_coerce(numbers.c.currency, String),
            )
        ).all()
        if bumped:
            ids = json.dumps([row[0] for row in bumped])
            in_bumped = numbers.c.id.in_(select(text("value")).select_from(func.json_each(ids)))
            self._session.execute(update(numbers).where(in_bumped).values(**assignments))
        monthly_set, setup_set = assignments.get("monthly_price"), assignments.get("setup_price")
        currency_set = assignments.get("currency")
        return matched, [
            (
                number_id,
                e164,
                monthly,
                setup,
                currency,
                monthly if monthly_set is None else monthly_set,
                setup if setup_set is None else setup_set,
                currency if currency_set is None else currency_set.code,
            )
            for number_id, e164, monthly, setup, currency in bumped
        ]

    def _conditions(self, number_filter: NumberFilter) -> Sequence[ColumnElement[bool]]:
        return number_queries.conditions(number_filter, postgresql=self._dialect() == "postgresql")

    def _dialect(self) -> str:
        return self._session.get_bind().dialect.name


_COPY_NULL = "\\N"


class _CopyText:
    """A batch as COPY text, written out as the driver reads it: the database stores the first
    rows while the next are written. (Written whole, a batch of 20,000 kept the database waiting
    for a tenth of a second, on a thread that also waits for the validating thread's GIL.)"""

    _ROWS_PER_READ = 2000

    def __init__(self, new_numbers: Sequence[NewNumber], import_id: int | None) -> None:
        self._rows = iter(new_numbers)
        self._created_by = _COPY_NULL if import_id is None else str(import_id)

    def read(self, _size: int = -1) -> str:
        created_by = self._created_by
        return "".join(
            f"{phone_number.e164}\t{monthly_price.amount}\t{setup_price.amount}\t"
            f"{monthly_price.currency.code}\t{phone_number.country or _COPY_NULL}\t{created_by}\n"
            for phone_number, monthly_price, setup_price in itertools.islice(self._rows, self._ROWS_PER_READ)
        )


def _set_value(name: str, value: Any) -> ColumnElement[Any]:
    """A value a bulk change sets, typed as its column (a Currency binds as its code)."""
    return literal(value, numbers.c[name].type)


def _field_change_json(name: str, before: ColumnElement[Any], after: Any) -> ColumnElement[Any]:
    """`"monthyPrice": {"before": "0.03", "after": "0.05"}` (spaced as json.dumps writes every
    other record) for a row whose value the bulk change replaced, NULL (left out by concat_ws) for
    one that already had it."""
    wire_name = {"monthly_price": "monthyPrice", "setup_price": "setupPrice", "currency": "currency"}[name]
    after_text = after.code if name == "currency" else f"{after:.2f}"
    before_json = cast(func.to_json(cast(before, Text)), Text)
    pair = (
        literal(f'"{wire_name}": {{"before": ')
        + before_json
        + literal(f', "after": {json.dumps(after_text)}}}')
    )
    return case((before != _set_value(name, after), pair))


def _wire_fields(e164: str, monthly: Decimal, setup: Decimal, currency: str) -> dict[str, FieldValue]:
    return {
        "value": e164,
        "monthyPrice": f"{monthly:.2f}",
        "setupPrice": f"{setup:.2f}",
        "currency": currency,
    }


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


TOKEN_WITH_HOLDER = (
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


# Asked by every request that is not authorized in its own read (writes, users, the change log):
# prepared on the read engine's connections.
_PREPARED_TOKEN_WITH_HOLDER = TOKEN_WITH_HOLDER.execution_options(**{PREPARE: True})


class HolderRow(NamedTuple):
    """TOKEN_WITH_HOLDER's columns, converted, when they come from elsewhere than its own result."""

    token_hash: str | None
    user_id: int
    expires_at: datetime
    revoked_at: datetime | None
    email: EmailAddress
    password_hash: str
    role: Role
    active: bool


def token_with_holder(row: Row[*tuple[Any, ...]] | HolderRow | None) -> tuple[AccessToken, User] | None:
    """The two objects built from a row of TOKEN_WITH_HOLDER's columns (detached: a change to them
    is never written), without the ORM's loading and identity map, which cost more than the query."""
    if row is None or row.token_hash is None:
        return None
    token = as_loaded(
        AccessToken,
        token_hash=row.token_hash,
        user_id=row.user_id,
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
    )
    user = as_loaded(
        User,
        id=row.user_id,
        email=row.email,
        password_hash=row.password_hash,
        role=row.role,
        active=row.active,
    )
    return token, user


class SqlAlchemyTokenHolders(TokenHolders):
    """Every request asks: one Core query on the autocommit engine, no session, no transaction."""

    def __init__(self, read_engine: Engine) -> None:
        self._read = DirectRead(read_engine, _PREPARED_TOKEN_WITH_HOLDER)

    def get_with_holder(self, token_hash: str) -> tuple[AccessToken, User] | None:
        try:
            found = self._read.first({"token_hash": token_hash})
            return None if found is None else token_with_holder(HolderRow(*found))
        except (exc.DBAPIError, exc.TimeoutError) as error:
            if is_unavailable(error):
                raise StorageUnavailable("the database cannot be reached") from error
            raise


class SqlAlchemyTokenRepository(TokenRepository):
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, token: AccessToken) -> None:
        self._session.add(token)

    def get(self, token_hash: str) -> AccessToken | None:
        return self._session.get(AccessToken, token_hash)

    def get_with_holder(self, token_hash: str) -> tuple[AccessToken, User] | None:
        found = self._session.execute(TOKEN_WITH_HOLDER, {"token_hash": token_hash})
        return token_with_holder(found.one_or_none())

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
        window_start = login_attempts.c.window_started_at
        expired = window_start <= now - window
        # Typed as the column: untyped, SQLite would keep a non-UTC moment's wall-clock time as UTC.
        restarted_at = bindparam("restarted_at", now, type_=window_start.type)
        statement = (
            insert_row.values(key=key, window_started_at=now, attempts=1)
            .on_conflict_do_update(
                index_elements=[login_attempts.c.key],
                set_={
                    "attempts": case((expired, 1), else_=login_attempts.c.attempts + 1),
                    "window_started_at": case((expired, restarted_at), else_=window_start),
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


class SqlAlchemyChangeRepository(ChangeRepository):
    """Core statements only: a change is written once and read as plain data, never as an entity."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, change: Change) -> int:
        self._flush_the_change_itself()
        inserted = self._session.execute(insert(changes).values(_change_row(change)).returning(changes.c.id))
        return int(inserted.scalar_one())

    def set_count(self, change_id: int, count: int) -> None:
        self._session.execute(update(changes).where(changes.c.id == change_id).values(count=count))

    def import_of(self, number_id: int) -> int | None:
        if not 0 < number_id <= MAX_ID:
            return None
        found = self._session.execute(
            select(numbers.c.created_by_change_id).where(numbers.c.id == number_id)
        ).scalar_one_or_none()
        return None if found is None else int(found)

    def _flush_the_change_itself(self) -> None:
        """The change being recorded is written first, so that a lost race (a taken number, a
        version changed meanwhile) is told as such, not as a failure of the record."""
        with translated_storage_errors():
            self._session.flush()

    def list(self, query: ChangeQuery, *, limit: int, before_id: int | None = None) -> Sequence[Change]:
        return [_change_of(row) for row in self._listed(query, limit, before_id)]

    def records(
        self, query: ChangeQuery, *, limit: int, before_id: int | None = None
    ) -> Sequence[ChangeRecord]:
        return [ChangeRecord._make(row) for row in self._listed(query, limit, before_id)]

    def _listed(self, query: ChangeQuery, limit: int, before_id: int | None) -> Sequence[Any]:
        """Rows of every column, in ChangeRecord's order (the id, then CHANGE_COLUMNS), newest first."""
        conditions = _conditions_before(query, before_id)
        if conditions is None:
            return []
        found = select(changes.c.id, *(changes.c[name] for name in CHANGE_COLUMNS)).where(*conditions)
        return self._session.execute(found.order_by(changes.c.id.desc()).limit(limit)).all()

    def count(self, query: ChangeQuery, *, up_to: int, before_id: int | None = None) -> int:
        conditions = _conditions_before(query, before_id)
        if conditions is None:
            return 0
        capped = select(changes.c.id).where(*conditions).limit(up_to).subquery()
        return int(self._session.scalar(select(func.count()).select_from(capped)) or 0)

    def prune(self, older_than: datetime) -> int:
        pruned = self._session.execute(delete(changes).where(changes.c.at < older_than))
        return int(pruned.rowcount)  # type: ignore[attr-defined]


CHANGE_COLUMNS = (
    "at",
    "actor_id",
    "actor_email",
    "request_id",
    "action",
    "subject_type",
    "subject_id",
    "subject",
    "fields",
    "bulk_change_id",
    "count",
    "import_id",
)


def _about_number(
    own: Callable[[Any], ColumnElement[bool]],
    the_number: ColumnElement[bool],
    *,
    with_its_whole_history: bool = False,
) -> ColumnElement[bool]:
    """A number's own changes, and the import that created it: found through the number's row
    while it lives, then through its delete record. Asked by phone number, also every change of
    the number that holds it now (or held it last, before it was deleted), made while it had
    another value (a create before a PUT renumbered it).
    One IN over index look-ups: as an OR of these, PostgreSQL walked the whole log backwards by id
    (0.6 s at a million records)."""
    mine, deletes, its = changes.alias("mine"), changes.alias("deletes"), changes.alias("its")
    own_changes = select(mine.c.id).where(own(mine), mine.c.subject_type == Subject.NUMBER.value)
    created_by = select(numbers.c.created_by_change_id).where(the_number)
    deleted_from = select(deletes.c.import_id).where(
        own(deletes), deletes.c.action == Action.DELETE.value, deletes.c.import_id.is_not(None)
    )
    found = [own_changes, created_by, deleted_from]
    if with_its_whole_history:
        last_had_it = select(deletes.c.subject_id).where(
            own(deletes), deletes.c.action == Action.DELETE.value
        )
        holder = union_all(select(numbers.c.id).where(the_number), last_had_it)
        found.append(
            select(its.c.id).where(its.c.subject_id.in_(holder), its.c.subject_type == Subject.NUMBER.value)
        )
    return changes.c.id.in_(union_all(*found))


def _change_row(change: Change) -> dict[str, Any]:
    return {
        "at": change.at,
        "actor_id": change.actor.user_id,
        "actor_email": change.actor.email,
        "request_id": change.actor.request_id,
        "action": change.action.value,
        "subject_type": change.subject_type.value,
        "subject_id": change.subject_id,
        "subject": change.subject,
        "fields": json.dumps(
            {name: {"before": field.before, "after": field.after} for name, field in change.fields.items()}
        ),
        "bulk_change_id": change.bulk_change_id,
        "count": change.count,
        "import_id": change.import_id,
    }


def _copy_text(value: Any) -> str:
    """A value in COPY's text format: \\N for NULL, backslashes doubled (JSON escapes the rest)."""
    if value is None:
        return "\\N"
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


def _change_of(row: Any) -> Change:
    fields = {
        name: FieldChange(value.get("before"), value.get("after"))
        for name, value in json.loads(row.fields).items()
    }
    return Change(
        at=row.at,
        actor=Actor(row.actor_id, row.actor_email, row.request_id),
        action=Action(row.action),
        subject_id=row.subject_id,
        subject=row.subject,
        fields=fields,
        bulk_change_id=row.bulk_change_id,
        count=row.count,
        import_id=row.import_id,
        id=row.id,
    )


def _conditions_before(query: ChangeQuery, before_id: int | None) -> list[ColumnElement[bool]] | None:
    """The query's conditions, older than `before_id` when given; None when no change can match
    (a number id past the column type, which asking about would overflow)."""
    if query.number_id is not None and not 0 < query.number_id <= MAX_ID:
        return None
    found = _change_conditions(query)
    if before_id is not None:
        found.append(changes.c.id < before_id)
    return found


def _change_conditions(query: ChangeQuery) -> list[ColumnElement[bool]]:
    found: list[ColumnElement[bool]] = [
        changes.c.subject_type.in_([subject.value for subject in query.subjects])
    ]
    if query.number_id is not None:
        number_id = query.number_id
        found.append(_about_number(lambda table: table.c.subject_id == number_id, numbers.c.id == number_id))
    if query.number is not None:
        e164 = query.number
        found.append(
            _about_number(
                lambda table: table.c.subject == e164, numbers.c.e164 == e164, with_its_whole_history=True
            )
        )
    if query.actor is not None:
        found.append(changes.c.actor_email == query.actor)
    if query.action is not None:
        found.append(changes.c.action == query.action.value)
    if query.since is not None:
        found.append(changes.c.at >= query.since)
    if query.until is not None:
        found.append(changes.c.at < query.until)
    if query.bulk_change_id is not None:
        found.append(changes.c.bulk_change_id == query.bulk_change_id)
    return found
