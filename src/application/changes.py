"""The change history: who changed which number or user, when, in which request, from what to what.

A change is recorded through the unit of work of the change itself, so it commits or vanishes with
it; nothing offers to edit or delete a record (only retention prunes the oldest).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import NamedTuple

from src.application.results import NumberResult, UserResult

FieldValue = str | bool | None


class Subject(StrEnum):
    NUMBER = "number"
    USER = "user"
    BULK_CHANGE = "bulk-change"  # the bulk change itself: its filter, its fields, its count
    IMPORT = "import"  # an import: who, when, how many numbers it created


class Action(StrEnum):
    """Unique across subjects, so that an action alone says what kind of thing changed."""

    CREATE = "create"
    REPLACE = "replace"
    PATCH = "patch"
    DELETE = "delete"
    # An import, once: the numbers it creates link to it (a record per row would cost an import
    # of a million rows as much again).
    IMPORT = "import"
    BULK_UPDATE = "bulk-update"  # a number changed by a bulk change (bulk_change_id says which)
    BULK_CHANGE = "bulk-change"
    USER_CREATE = "user-create"
    USER_UPDATE = "user-update"  # role and/or activation
    USER_PASSWORD = "user-password"  # noqa: S105 - an action's name, not a password
    USER_DELETE = "user-delete"

    @property
    def subject(self) -> Subject:
        if self is Action.BULK_CHANGE:
            return Subject.BULK_CHANGE
        if self is Action.IMPORT:
            return Subject.IMPORT
        return Subject.USER if self.value.startswith("user-") else Subject.NUMBER


@dataclass(frozen=True)
class Actor:
    """Who asked, as known when they asked: the email is kept as it was then."""

    user_id: int | None = None
    email: str | None = None
    request_id: str | None = None


SYSTEM = Actor()  # a command line, a migration: no user, no request
ActorProvider = Callable[[], Actor]


@dataclass(frozen=True)
class FieldChange:
    before: FieldValue
    after: FieldValue


@dataclass(frozen=True)
class Change:
    at: datetime
    actor: Actor
    action: Action
    subject_id: int | None
    subject: str  # the number's E.164 or the user's email at the time; the filter for a bulk change
    fields: Mapping[str, FieldChange] = field(default_factory=dict)
    bulk_change_id: int | None = None
    count: int | None = None  # how many numbers a bulk change changed, or an import created
    import_id: int | None = None  # a deleted number's: the import that created it, if one did
    id: int | None = None

    @property
    def subject_type(self) -> Subject:
        return self.action.subject


class ChangeRecord(NamedTuple):
    """A change as stored, for a download: its fields as their JSON text, the number as E.164.
    A long log is written out faster than it would be read into `Change`s first."""

    id: int
    at: datetime
    actor_id: int | None
    actor_email: str | None
    request_id: str | None
    action: str
    subject_type: str
    subject_id: int | None
    subject: str
    fields: str  # {"name": {"before": ..., "after": ...}}, only the fields that changed
    bulk_change_id: int | None
    how_many: int | None  # `count`: NamedTuple has a method of that name
    import_id: int | None


@dataclass(frozen=True)
class ChangeStamp:
    """When and by whom, shared by every change one use case records."""

    at: datetime
    actor: Actor


@dataclass(frozen=True)
class ChangeQuery:
    """Which changes to list; every condition is optional. `subjects` is what the caller may see."""

    subjects: frozenset[Subject] = frozenset(Subject)
    number_id: int | None = None  # its own changes and the import that created it
    number: str | None = None  # E.164; likewise
    actor: str | None = None  # email, lower-cased
    action: Action | None = None
    since: datetime | None = None
    until: datetime | None = None
    bulk_change_id: int | None = None


def number_fields(number: NumberResult | None) -> dict[str, FieldValue]:
    """A number's fields by their wire names, as the history keeps them (E.164, ISO code, 2 decimals)."""
    if number is None:
        return {}
    return {
        "value": number.e164,
        "monthyPrice": f"{number.monthly_price:.2f}",
        "setupPrice": f"{number.setup_price:.2f}",
        "currency": number.currency.code,
    }


def user_fields(user: UserResult | None) -> dict[str, FieldValue]:
    if user is None:
        return {}
    return {"email": user.email, "role": user.role.value, "active": user.active}


def changed_fields(
    before: Mapping[str, FieldValue], after: Mapping[str, FieldValue]
) -> dict[str, FieldChange]:
    """Only the fields whose value differs (a created thing has no before, a deleted one no after)."""
    names = [*before, *(name for name in after if name not in before)]
    return {
        name: FieldChange(before.get(name), after.get(name))
        for name in names
        if before.get(name) != after.get(name)
    }


def utc_now() -> datetime:
    return datetime.now(UTC)


class History:
    """What use cases record changes with: the clock, and who is asking (the web layer passes the
    caller of the current request; elsewhere it is the system)."""

    def __init__(self, clock: Callable[[], datetime], actor: ActorProvider = lambda: SYSTEM) -> None:
        self._clock = clock
        self._actor = actor

    def stamp(self) -> ChangeStamp:
        return ChangeStamp(self._clock(), self._actor())

    def change(
        self,
        action: Action,
        subject_id: int | None,
        subject: str,
        before: Mapping[str, FieldValue],
        after: Mapping[str, FieldValue],
        stamp: ChangeStamp | None = None,
    ) -> Change:
        stamp = stamp or self.stamp()
        return Change(stamp.at, stamp.actor, action, subject_id, subject, changed_fields(before, after))
