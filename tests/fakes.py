"""Fakes of our own ports: use-case tests run in memory, in milliseconds, with no database."""

from __future__ import annotations

import copy
import dataclasses
import json
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime, timedelta
from types import TracebackType
from typing import Any

from src.application.access_tokens import AccessToken
from src.application.changes import (
    SYSTEM,
    Action,
    Actor,
    Change,
    ChangeQuery,
    ChangeRecord,
    ChangeStamp,
    FieldChange,
    Subject,
    number_fields,
)
from src.application.errors import DuplicateRecord
from src.application.idempotency import IdempotencyRecord
from src.application.import_jobs import ImportJob, ImportJobStore, JobStatus
from src.application.import_numbers import ImportMode, ImportReport
from src.application.number_listing import Listing, NumberFilter, Position
from src.application.ports import (
    AttemptWindow,
    BulkOutcome,
    BulkValues,
    ChangeRepository,
    IdempotencyRepository,
    LoginAttemptRepository,
    NewNumber,
    NumberImportStore,
    NumberReader,
    NumberRepository,
    PasswordCheck,
    PasswordHasher,
    TokenRepository,
    UnitOfWork,
    UserRepository,
)
from src.application.results import NumberRecord, NumberResult, NumberView, ViewPage
from src.domain.money import CurrencyCatalog, Money
from src.domain.numbers import Number
from src.domain.phone_numbers import PhoneNumber
from src.domain.users import EmailAddress, User

_Saved = tuple[dict[str, Any], dict[int, dict[str, Any]]]


def _fields_of(entity: object) -> dict[str, Any]:
    """An entity's own attributes (not those SQLAlchemy's mapping adds when a test started it)."""
    return {name: value for name, value in vars(entity).items() if not name.startswith("_sa_")}


class _Transactional:
    """A fake repository whose state a FakeUnitOfWork can save and put back.

    `_containers` name its attributes that hold what is stored (dicts and lists); the entities in
    them are saved field by field, and put back into the same objects."""

    _containers: tuple[str, ...] = ()

    def saved(self) -> _Saved:
        containers = {name: copy.copy(getattr(self, name)) for name in self._containers}
        entities = {id(entity): _fields_of(entity) for entity in self._entities(containers)}
        return containers, entities

    def restore(self, saved: _Saved) -> None:
        containers, entities = saved
        for name, container in containers.items():
            setattr(self, name, copy.copy(container))
        for entity in self._entities(containers):
            vars(entity).update(entities[id(entity)])

    @staticmethod
    def _entities(containers: dict[str, Any]) -> list[object]:
        values: list[object] = []
        for container in containers.values():
            values.extend(container.values() if isinstance(container, dict) else container)
        return [value for value in values if hasattr(value, "__dict__")]


class FakeNumberRepository(NumberRepository, _Transactional):
    _containers = ("_numbers",)

    def __init__(self, numbers: Sequence[Number] = ()) -> None:
        self._numbers: dict[int, Number] = {}
        self.created_by: dict[int, int] = {}  # number id -> the import that created it
        self.changes: FakeChangeRepository | None = None  # where a bulk change records its numbers
        # Which numbers a filter keeps, as a test declares it: the filter rules are the real
        # store's (tests/integration/test_change_repository_contract.py), never copied here.
        self.kept_by: dict[NumberFilter, list[int]] = {}
        self._next_id = 1
        for number in numbers:
            self.add(number)

    def add(self, number: Number) -> None:
        number.id = self._next_id
        self._next_id += 1
        self._numbers[number.id] = number

    def get(self, number_id: int) -> Number | None:
        return self._numbers.get(number_id)

    def get_by_phone_number(self, phone_number: PhoneNumber) -> Number | None:
        return next((n for n in self._numbers.values() if n.phone_number == phone_number), None)

    def __len__(self) -> int:
        return len(self._numbers)

    def delete(self, number: Number) -> None:
        assert number.id is not None
        del self._numbers[number.id]

    def has_duplicates(self) -> bool:
        values = [n.phone_number for n in self._numbers.values()]
        return len(values) != len(set(values))

    def all(self) -> list[Number]:
        return list(self._numbers.values())


class FakeNumberImportStore(NumberImportStore):
    """Bulk storage into the fake repository, one number at a time."""

    def __init__(self, numbers: FakeNumberRepository) -> None:
        self._numbers = numbers

    def add_new(self, numbers: Sequence[NewNumber], import_id: int | None = None) -> set[str]:
        taken = self.taken([phone_number for phone_number, _, _ in numbers])
        for phone_number, monthly_price, setup_price in numbers:
            if phone_number.e164 not in taken:
                number = Number(phone_number, monthly_price, setup_price)
                self._numbers.add(number)
                if import_id is not None:
                    self._numbers.created_by[number.id or 0] = import_id
        return taken

    def taken(self, phone_numbers: Sequence[PhoneNumber]) -> set[str]:
        stored = {n.phone_number.e164 for n in self._numbers.all()}
        return {p.e164 for p in phone_numbers if p.e164 in stored}

    def set_where(
        self,
        number_filter: NumberFilter,
        values: BulkValues,
        stamp: ChangeStamp,
        bulk_change_id: int,
        expected_count: int,
    ) -> BulkOutcome:
        changes = self._numbers.changes
        assert changes is not None, "a FakeUnitOfWork gives its numbers its changes"
        kept = self._numbers.kept_by.get(number_filter)
        assert kept is not None, f"tell the fake which numbers {number_filter} keeps (kept_by)"
        matching = [number for number in map(self._numbers.get, sorted(kept)) if number is not None]
        if len(matching) != expected_count:
            return BulkOutcome(len(matching), 0)
        changed = 0
        for number in matching:
            before = number_fields(NumberResult.of(number))
            currency = values.currency or number.currency
            monthly = number.monthly_price.amount if values.monthly_price is None else values.monthly_price
            setup = number.setup_price.amount if values.setup_price is None else values.setup_price
            candidate = copy.copy(number)
            candidate.monthly_price, candidate.setup_price = Money(monthly, currency), Money(setup, currency)
            after = number_fields(NumberResult.of(candidate))
            fields = {
                name: FieldChange(before[name], after[name]) for name in after if before[name] != after[name]
            }
            if not fields:
                continue  # it already has the values: no new version, no record, as the store does
            number.monthly_price, number.setup_price = candidate.monthly_price, candidate.setup_price
            number.version += 1
            e164 = number.phone_number.e164
            change = Change(stamp.at, stamp.actor, Action.BULK_UPDATE, number.id, e164, fields)
            changes.add(dataclasses.replace(change, bulk_change_id=bulk_change_id))
            changed += 1
        return BulkOutcome(len(matching), changed)


class StubNumberReader(NumberReader):
    """Reads one number from a fake repository; answers pages and streams with what a test set up
    (`pages`, `records`) and notes what it was asked (`asked`). Filters and sorts are the real
    store's business (tests/integration/test_number_table_api.py checks them): nothing here
    re-implements them."""

    def __init__(
        self,
        numbers: FakeNumberRepository,
        currencies: CurrencyCatalog,
        tokens: FakeTokenRepository | None = None,
    ) -> None:
        self._numbers = numbers
        self._currencies = currencies
        self._tokens = tokens
        self.pages: list[ViewPage] = []
        self.records: list[NumberRecord] = []
        self.asked: list[tuple[Listing, int, int, Position | None]] = []

    def one(self, number_id: int) -> NumberView | None:
        number = self._numbers.get(number_id)
        return None if number is None else self.view_of(number)

    def one_with_holder(
        self, number_id: int, token_hash: str
    ) -> tuple[tuple[AccessToken, User] | None, NumberView | None]:
        holder = None if self._tokens is None else self._tokens.get_with_holder(token_hash)
        return holder, self.one(number_id)

    def view_of(self, number: Number) -> NumberView:
        assert number.id is not None
        return NumberView(
            number.id,
            number.version,
            number.phone_number.international,
            f"{number.monthly_price.amount:.2f}",
            f"{number.setup_price.amount:.2f}",
            self._currencies.symbol(number.currency),
        )

    def page(
        self, listing: Listing, per_page: int, *, offset: int = 0, after: Position | None = None
    ) -> ViewPage:
        self.asked.append((listing, per_page, offset, after))
        return self.pages.pop(0)

    def page_with_holder(
        self,
        listing: Listing,
        per_page: int,
        token_hash: str,
        *,
        offset: int = 0,
        after: Position | None = None,
    ) -> tuple[tuple[AccessToken, User] | None, ViewPage]:
        holder = None if self._tokens is None else self._tokens.get_with_holder(token_hash)
        return holder, self.page(listing, per_page, offset=offset, after=after)

    def stream(self, listing: Listing) -> Iterator[NumberRecord]:
        self.asked.append((listing, 0, 0, None))
        return iter(self.records)

    def count(self, number_filter: NumberFilter) -> int:
        kept = self._numbers.kept_by.get(number_filter)
        assert kept is not None, f"tell the fake which numbers {number_filter} keeps (kept_by)"
        return sum(1 for number_id in kept if self._numbers.get(number_id) is not None)


class FakeIdempotencyRepository(IdempotencyRepository, _Transactional):
    _containers = ("records",)

    def __init__(self) -> None:
        self.records: dict[tuple[int, str], IdempotencyRecord] = {}

    def get(self, owner_id: int, key: str, now: datetime) -> IdempotencyRecord | None:
        record = self.records.get((owner_id, key))
        return record if record is not None and record.expires_at > now else None

    def add(self, record: IdempotencyRecord, now: datetime) -> None:
        self.records = {key: kept for key, kept in self.records.items() if kept.expires_at > now}
        if (record.owner_id, record.key) in self.records:
            raise DuplicateRecord(f"idempotency key {record.key!r}")
        self.records[(record.owner_id, record.key)] = record


class FakeUserRepository(UserRepository, _Transactional):
    _containers = ("_users",)

    def __init__(self) -> None:
        self._users: dict[int, User] = {}
        self._next_id = 1
        self.tokens: FakeTokenRepository | None = None  # whose tokens go with a deleted user

    def add(self, user: User) -> None:
        if self.get_by_email(user.email) is not None:
            raise DuplicateRecord(f"email {user.email}")
        user.id = self._next_id
        self._next_id += 1
        self._users[user.id] = user

    def get(self, user_id: int) -> User | None:
        return self._users.get(user_id)

    def get_by_email(self, email: EmailAddress) -> User | None:
        return next((u for u in self._users.values() if u.email == email), None)

    def list(self) -> Sequence[User]:
        return sorted(self._users.values(), key=lambda u: u.id or 0)

    def count(self) -> int:
        return len(self._users)

    def count_active_admins(self) -> int:
        return sum(1 for user in self._users.values() if user.is_active_admin)

    def delete(self, user: User) -> None:
        assert user.id is not None
        del self._users[user.id]
        if self.tokens is not None:
            self.tokens.forget_all_of(user.id)


class FakeTokenRepository(TokenRepository, _Transactional):
    _containers = ("tokens",)

    def __init__(self, users: FakeUserRepository) -> None:
        self.tokens: dict[str, AccessToken] = {}
        self._users = users

    def add(self, token: AccessToken) -> None:
        self.tokens[token.token_hash] = token

    def get(self, token_hash: str) -> AccessToken | None:
        return self.tokens.get(token_hash)

    def get_with_holder(self, token_hash: str) -> tuple[AccessToken, User] | None:
        token = self.tokens.get(token_hash)
        user = None if token is None else self._users.get(token.user_id)
        return None if token is None or user is None else (token, user)

    def revoke_all_of(self, user_id: int, now: datetime, keep: str | None = None) -> None:
        for token in self.tokens.values():
            if token.user_id == user_id and token.revoked_at is None and token.token_hash != keep:
                token.revoked_at = now

    def forget_all_of(self, user_id: int) -> None:
        self.tokens = {key: token for key, token in self.tokens.items() if token.user_id != user_id}

    def purge(self, now: datetime) -> int:
        dead = [key for key, token in self.tokens.items() if token.expires_at <= now or token.revoked_at]
        for key in dead:
            del self.tokens[key]
        return len(dead)


class FakeLoginAttemptRepository(LoginAttemptRepository, _Transactional):
    _containers = ("windows",)

    def __init__(self) -> None:
        self.windows: dict[str, AttemptWindow] = {}

    def count(self, key: str, now: datetime, window: timedelta) -> AttemptWindow:
        current = self.windows.get(key)
        if current is None or current.started_at <= now - window:
            counted = AttemptWindow(1, now)
        else:
            counted = AttemptWindow(current.attempts + 1, current.started_at)
        self.windows[key] = counted
        return counted

    def forgive(self, key: str) -> None:
        current = self.windows.get(key)
        if current is not None and current.attempts > 0:
            self.windows[key] = AttemptWindow(current.attempts - 1, current.started_at)

    def clear(self, key: str) -> None:
        self.windows.pop(key, None)

    def purge(self, started_before: datetime) -> int:
        stale = [key for key, window in self.windows.items() if window.started_at < started_before]
        for key in stale:
            del self.windows[key]
        return len(stale)


class FakePasswordCheck(PasswordCheck):
    """Knows a few common passwords, and that a password spelling out a hint is guessable."""

    COMMON = frozenset({"1234567890", "password12", "qwertyuiop"})

    def is_guessable(self, password: str, hints: Sequence[str]) -> bool:
        lowered = password.lower()
        return lowered in self.COMMON or any(hint.lower() in lowered for hint in hints if hint)


class FakeChangeRepository(ChangeRepository, _Transactional):
    _containers = ("changes",)

    def __init__(self, numbers: FakeNumberRepository) -> None:
        self.changes: list[Change] = []
        self._numbers = numbers
        self._next_id = 1

    def add(self, change: Change) -> int:
        stored = dataclasses.replace(change, id=self._next_id)
        self._next_id += 1
        self.changes.append(stored)
        return self._next_id - 1

    def set_count(self, change_id: int, count: int) -> None:
        self.changes = [
            dataclasses.replace(change, count=count) if change.id == change_id else change
            for change in self.changes
        ]

    def import_of(self, number_id: int) -> int | None:
        return self._numbers.created_by.get(number_id) if self._numbers.get(number_id) else None

    def list(self, query: ChangeQuery, *, limit: int, before_id: int | None = None) -> Sequence[Change]:
        related = self._imports_of(query) | self._changes_of_its_holder(query)
        kept = [
            change
            for change in reversed(self.changes)
            if (before_id is None or (change.id or 0) < before_id)
            and (_keeps(query, change) or (change.id in related and _keeps(_unnumbered(query), change)))
        ]
        return kept[:limit]

    def records(
        self, query: ChangeQuery, *, limit: int, before_id: int | None = None
    ) -> Sequence[ChangeRecord]:
        return [
            ChangeRecord(
                change.id or 0,
                change.at,
                change.actor.user_id,
                change.actor.email,
                change.actor.request_id,
                change.action.value,
                change.subject_type.value,
                change.subject_id,
                change.subject,
                json.dumps({name: dataclasses.asdict(field) for name, field in change.fields.items()}),
                change.bulk_change_id,
                change.count,
                change.import_id,
            )
            for change in self.list(query, limit=limit, before_id=before_id)
        ]

    def count(self, query: ChangeQuery, *, up_to: int, before_id: int | None = None) -> int:
        return len(self.list(query, limit=up_to, before_id=before_id))

    def _changes_of_its_holder(self, query: ChangeQuery) -> set[int | None]:
        """Asked by phone number: every change of the number that holds it now, or held it last."""
        holders = {n.id for n in self._numbers.all() if n.phone_number.e164 == query.number}
        holders |= {
            c.subject_id for c in self.changes if c.action is Action.DELETE and c.subject == query.number
        }
        return {
            change.id
            for change in self.changes
            if query.number is not None
            and change.subject_type is Subject.NUMBER
            and change.subject_id in holders
        }

    def _imports_of(self, query: ChangeQuery) -> set[int | None]:
        """The import that created the number a query asks about: from the live number, or from
        its delete."""
        if query.number_id is None and query.number is None:
            return set()
        number_ids = {query.number_id} if query.number_id is not None else set()
        if query.number is not None:
            number_ids |= {n.id for n in self._numbers.all() if n.phone_number.e164 == query.number}
        found = {self._numbers.created_by.get(number_id or 0) for number_id in number_ids}
        found |= {
            change.import_id
            for change in self.changes
            if change.action is Action.DELETE
            and change.import_id is not None
            and (change.subject_id == query.number_id or change.subject == query.number)
        }
        return found - {None}

    def prune(self, older_than: datetime) -> int:
        kept = [change for change in self.changes if change.at >= older_than]
        pruned = len(self.changes) - len(kept)
        self.changes = kept
        return pruned


def _unnumbered(query: ChangeQuery) -> ChangeQuery:
    return dataclasses.replace(query, number_id=None, number=None)


def _keeps(query: ChangeQuery, change: Change) -> bool:
    return (
        change.subject_type in query.subjects
        and (
            query.number_id is None
            or (change.subject_type is Subject.NUMBER and change.subject_id == query.number_id)
        )
        and (
            query.number is None or (change.subject_type is Subject.NUMBER and change.subject == query.number)
        )
        and (query.actor is None or change.actor.email == query.actor)
        and (query.action is None or change.action is query.action)
        and (query.since is None or change.at >= query.since)
        and (query.until is None or change.at < query.until)
        and (query.bulk_change_id is None or change.bulk_change_id == query.bulk_change_id)
    )


class FakePasswordHasher(PasswordHasher):
    """Reversible on purpose: only tests use it, to stay fast. It counts its checks."""

    def __init__(self) -> None:
        self.verifications = 0

    def hash(self, password: str) -> str:
        return "fake$" + password[::-1]

    def verify(self, password_hash: str, password: str) -> bool:
        self.verifications += 1
        return password_hash == self.hash(password)


class FakeUnitOfWork(UnitOfWork):
    """Shares one set of repositories across units of work, like one database across transactions.

    Like the real one, it rolls back: entering saves the repositories' state, committing makes the
    current state the one to go back to, leaving (or `rollback`) puts the saved state back, in
    place, so a test's references to stored objects stay valid. Ids are not given back, as a
    database's sequences are not. Tests may still check `committed`.
    """

    def __init__(self, numbers: FakeNumberRepository | None = None) -> None:
        self.numbers: FakeNumberRepository = FakeNumberRepository() if numbers is None else numbers
        self.number_imports: FakeNumberImportStore = FakeNumberImportStore(self.numbers)
        self.idempotency_keys: FakeIdempotencyRepository = FakeIdempotencyRepository()
        self.users: FakeUserRepository = FakeUserRepository()
        self.tokens: FakeTokenRepository = FakeTokenRepository(self.users)
        self.users.tokens = self.tokens
        self.login_attempts: FakeLoginAttemptRepository = FakeLoginAttemptRepository()
        self.changes: FakeChangeRepository = FakeChangeRepository(self.numbers)
        self.numbers.changes = self.changes
        self.committed = False
        self.commit_error: Exception | None = None
        self._saved: list[list[_Saved]] = []  # one per unit of work entered and not yet left

    def __call__(self) -> FakeUnitOfWork:
        """The fake is its own factory, so a test can hand it to a use case and look at it after."""
        return self

    def __enter__(self) -> FakeUnitOfWork:
        self._saved.append(self._state())
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            self.rollback()
        finally:
            self._saved.pop()

    def commit(self) -> None:
        if self.commit_error is not None:
            raise self.commit_error
        if self.numbers.has_duplicates():
            raise DuplicateRecord("two numbers hold one phone number")
        self.committed = True
        # Durable for every open unit of work: none of their rollbacks may undo it.
        self._saved = [self._state() for _ in self._saved]

    def rollback(self) -> None:
        if self._saved:
            for repository, saved in zip(self._repositories(), self._saved[-1], strict=True):
                repository.restore(saved)

    def _repositories(self) -> tuple[_Transactional, ...]:
        return (
            self.numbers,
            self.idempotency_keys,
            self.users,
            self.tokens,
            self.login_attempts,
            self.changes,
        )

    def _state(self) -> list[_Saved]:
        return [repository.saved() for repository in self._repositories()]


class FakeImportJobStore(ImportJobStore):
    """Jobs in a dict, their files as lists of chunks; `progress_seen` records every report."""

    def __init__(self) -> None:
        self.jobs: dict[int, ImportJob] = {}
        self.files: dict[int, list[bytes]] = {}
        self.progress_seen: list[int] = []

    def create(
        self, mode: ImportMode, chunks: Iterable[bytes], owner_id: int, requested_by: Actor = SYSTEM
    ) -> ImportJob:
        job_id = len(self.jobs) + 1
        self.files[job_id] = list(chunks)
        size = sum(map(len, self.files[job_id]))
        job = ImportJob(job_id, JobStatus.QUEUED, mode, size, 0, owner_id=owner_id, requested_by=requested_by)
        self.jobs[job_id] = job
        return job

    def get(self, job_id: int) -> ImportJob | None:
        return self.jobs.get(job_id)

    def read_file(self, job_id: int) -> Iterator[bytes]:
        yield from self.files.get(job_id, [])

    def start(self, job_id: int) -> ImportJob:
        job = self.jobs[job_id]
        self.jobs[job_id] = dataclasses.replace(job, status=JobStatus.RUNNING, attempts=job.attempts + 1)
        return self.jobs[job_id]

    def progress(self, job_id: int, rows_done: int) -> None:
        self.progress_seen.append(rows_done)
        self.jobs[job_id] = dataclasses.replace(self.jobs[job_id], rows_done=rows_done)

    def finish(self, job_id: int, status: JobStatus, report: ImportReport | None, error: str | None) -> None:
        self.jobs[job_id] = dataclasses.replace(self.jobs[job_id], status=status, report=report, error=error)
        self.files.pop(job_id, None)
