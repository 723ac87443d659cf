"""The ports the use cases need, implemented by infrastructure (SQLAlchemy) and by tests (fakes)."""

from __future__ import annotations

import abc
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from types import TracebackType
from typing import NamedTuple, Self

from src.application.access_tokens import AccessToken
from src.application.changes import Change, ChangeQuery, ChangeRecord, ChangeStamp
from src.application.idempotency import IdempotencyRecord
from src.application.number_listing import Listing, NumberFilter, Position
from src.application.results import NumberRecord, NumberView, ViewPage
from src.domain.money import Currency, Money
from src.domain.numbers import Number
from src.domain.phone_numbers import PhoneNumber
from src.domain.users import EmailAddress, User

MAX_ID = 2**31 - 1  # ids are 32-bit integers in every store: no row has a larger one
NewNumber = tuple[PhoneNumber, Money, Money]  # a number's parts, validated, not yet stored


class BulkValues(NamedTuple):
    """What a bulk change sets on every number it matches; None leaves a field as it is."""

    monthly_price: Decimal | None = None
    setup_price: Decimal | None = None
    currency: Currency | None = None


class BulkOutcome(NamedTuple):
    """What a bulk change found: how many numbers the filter matched, and how many of them it
    changed (the others already had every value it sets)."""

    matched: int
    changed: int


class NumberRepository(abc.ABC):
    @abc.abstractmethod
    def add(self, number: Number) -> None:
        """Store a new number and give it its id at once; raises DuplicateRecord on a taken value."""

    @abc.abstractmethod
    def get(self, number_id: int) -> Number | None: ...

    @abc.abstractmethod
    def get_by_phone_number(self, phone_number: PhoneNumber) -> Number | None: ...

    @abc.abstractmethod
    def delete(self, number: Number) -> None: ...


class NumberImportStore(abc.ABC):
    """Set-based storage of numbers in bulk (imports, bulk changes), inside the unit of work's
    transaction: no entity is loaded, so the repository's aggregates stay out of it."""

    @abc.abstractmethod
    def add_new(self, numbers: Sequence[NewNumber], import_id: int | None = None) -> set[str]:
        """Store in bulk each number whose phone number is free, each linked to the import that
        creates it (its change id); return the E.164 of the others."""

    @abc.abstractmethod
    def taken(self, phone_numbers: Sequence[PhoneNumber]) -> set[str]:
        """The E.164 of those phone numbers that are stored."""

    @abc.abstractmethod
    def set_where(
        self,
        number_filter: NumberFilter,
        values: BulkValues,
        stamp: ChangeStamp,
        bulk_change_id: int,
        expected_count: int,
    ) -> BulkOutcome:
        """Only if exactly `expected_count` numbers match the filter at this moment: set `values`
        on each of them that differs, bumping its version, and record its change (before and
        after, under `bulk_change_id`). A number that already has every value keeps its version
        and gets no record. Otherwise nothing is written; either way, answer what matched.
        The rows are locked first: a concurrent single write either went before (and the filter
        judged its result) or waits, then finds its version gone. Set-based: a hundred thousand
        numbers are one statement where the store allows, never a round trip each."""


class ChangeRepository(abc.ABC):
    """The change history: appended to, listed, pruned by age; never edited."""

    @abc.abstractmethod
    def add(self, change: Change) -> int:
        """Record one change; answer its id."""

    @abc.abstractmethod
    def set_count(self, change_id: int, count: int) -> None:
        """Complete the record of an import or bulk change, made before the numbers it changes,
        with how many it changed (in the same transaction: a record is never edited later)."""

    @abc.abstractmethod
    def import_of(self, number_id: int) -> int | None:
        """The id of the import that created this stored number; None if none did."""

    @abc.abstractmethod
    def list(self, query: ChangeQuery, *, limit: int, before_id: int | None = None) -> Sequence[Change]:
        """Newest first (by id), only those older than `before_id` when given (keyset paging)."""

    @abc.abstractmethod
    def records(
        self, query: ChangeQuery, *, limit: int, before_id: int | None = None
    ) -> Sequence[ChangeRecord]:
        """What `list` answers, as stored (for a download)."""

    @abc.abstractmethod
    def count(self, query: ChangeQuery, *, up_to: int, before_id: int | None = None) -> int:
        """How many changes match (older than `before_id`), counting no further than `up_to`."""

    @abc.abstractmethod
    def prune(self, older_than: datetime) -> int:
        """Forget the changes recorded before `older_than`; answer how many."""


class NumberReader(abc.ABC):
    """The read side: numbers as the API shows them, straight from the store, outside any unit of
    work. Filters and sorts mean what the store's queries say; nothing here re-implements them."""

    @abc.abstractmethod
    def one(self, number_id: int) -> NumberView | None: ...

    @abc.abstractmethod
    def one_with_holder(
        self, number_id: int, token_hash: str
    ) -> tuple[tuple[AccessToken, User] | None, NumberView | None]:
        """The number and the holder of the token, read together (one round trip): the caller is
        judged on the holder, as stored now, before anything of the number is shown."""

    @abc.abstractmethod
    def page(
        self, listing: Listing, per_page: int, *, offset: int = 0, after: Position | None = None
    ) -> ViewPage:
        """Up to `per_page` numbers the listing keeps, in its order, from `offset` or just `after`
        a keyset position; the total is exact up to EXACT_COUNT_LIMIT matches, past it exact or
        an estimate, whichever the store tells quickly."""

    @abc.abstractmethod
    def page_with_holder(
        self,
        listing: Listing,
        per_page: int,
        token_hash: str,
        *,
        offset: int = 0,
        after: Position | None = None,
    ) -> tuple[tuple[AccessToken, User] | None, ViewPage]:
        """`page` and the holder of the token, read together (one round trip): the caller is
        judged on the holder, as stored now, before anything of the page is shown."""

    @abc.abstractmethod
    def stream(self, listing: Listing) -> Iterator[NumberRecord]:
        """Every number the listing keeps, in its order, read in chunks: memory stays bounded."""

    @abc.abstractmethod
    def count(self, number_filter: NumberFilter) -> int:
        """How many numbers the filter keeps, exactly however many (a bulk change is guarded by it)."""


class IdempotencyRepository(abc.ABC):
    @abc.abstractmethod
    def get(self, owner_id: int, key: str, now: datetime) -> IdempotencyRecord | None:
        """The record of that user under `key` unless it has expired."""

    @abc.abstractmethod
    def add(self, record: IdempotencyRecord, now: datetime) -> None:
        """Store `record`, first forgetting every record expired at `now` (its key among them)."""


class UserRepository(abc.ABC):
    @abc.abstractmethod
    def add(self, user: User) -> None:
        """Store a new user and give it its id at once; raises DuplicateRecord on a taken email."""

    @abc.abstractmethod
    def get(self, user_id: int) -> User | None: ...

    @abc.abstractmethod
    def get_by_email(self, email: EmailAddress) -> User | None: ...

    @abc.abstractmethod
    def list(self) -> Sequence[User]:
        """Users ordered by id."""

    @abc.abstractmethod
    def count(self) -> int: ...

    @abc.abstractmethod
    def count_active_admins(self) -> int: ...

    @abc.abstractmethod
    def delete(self, user: User) -> None:
        """Remove the user and every token of theirs."""


class TokenHolders(abc.ABC):
    """Read side of the tokens: every request asks, outside any unit of work."""

    @abc.abstractmethod
    def get_with_holder(self, token_hash: str) -> tuple[AccessToken, User] | None:
        """The token and the user it was issued to, read together, as stored now."""


class TokenRepository(TokenHolders):
    @abc.abstractmethod
    def add(self, token: AccessToken) -> None: ...

    @abc.abstractmethod
    def get(self, token_hash: str) -> AccessToken | None: ...

    @abc.abstractmethod
    def revoke_all_of(self, user_id: int, now: datetime, keep: str | None = None) -> None:
        """Revoke every live token of the user but the one whose hash is `keep`."""

    @abc.abstractmethod
    def purge(self, now: datetime) -> int:
        """Delete the tokens expired or revoked by `now` (they open nothing any more); how many."""


@dataclass(frozen=True)
class AttemptWindow:
    attempts: int  # in this window, the one just counted included
    started_at: datetime


class LoginAttemptRepository(abc.ABC):
    """Login attempts counted per key (client address, address and account, account) in fixed
    windows, in the store, so that every process sees them."""

    @abc.abstractmethod
    def count(self, key: str, now: datetime, window: timedelta) -> AttemptWindow:
        """Count one more attempt under `key` (a window older than `window` starts again at `now`),
        in one atomic step: attempts made at the same moment each see their own count."""

    @abc.abstractmethod
    def forgive(self, key: str) -> None:
        """Take back one attempt: it succeeded."""

    @abc.abstractmethod
    def clear(self, key: str) -> None: ...

    @abc.abstractmethod
    def purge(self, started_before: datetime) -> int:
        """Forget the windows started before then; how many."""


class PasswordCheck(abc.ABC):
    @abc.abstractmethod
    def is_guessable(self, password: str, hints: Sequence[str]) -> bool:
        """A common password, or one made of `hints` (the email) and patterns an attacker tries first."""


class PasswordHasher(abc.ABC):
    @abc.abstractmethod
    def hash(self, password: str) -> str: ...

    @abc.abstractmethod
    def verify(self, password_hash: str, password: str) -> bool: ...


class UnitOfWork(abc.ABC):
    """One transaction: whatever is not committed explicitly is rolled back on exit."""

    numbers: NumberRepository
    number_imports: NumberImportStore
    idempotency_keys: IdempotencyRepository
    users: UserRepository
    tokens: TokenRepository
    login_attempts: LoginAttemptRepository
    changes: ChangeRepository

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.rollback()

    @abc.abstractmethod
    def commit(self) -> None:
        """Make the changes durable; raises DuplicateRecord when a unique value is taken and
        ConcurrentUpdate when a changed row is no longer at the version that was read."""

    @abc.abstractmethod
    def rollback(self) -> None: ...


UnitOfWorkFactory = Callable[[], UnitOfWork]
Clock = Callable[[], datetime]  # the current time, timezone-aware
