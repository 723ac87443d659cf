"""Rules every write of a number follows: one phone number per row, and no lost updates.

Both are checked up front for a clear answer and enforced again by the store, for races.
"""

from __future__ import annotations

from collections.abc import Iterator, Set
from contextlib import contextmanager

from src.application.changes import Change
from src.application.errors import (
    ConcurrentUpdate,
    DuplicateRecord,
    NumberAlreadyExists,
    NumberChangedMeanwhile,
    VersionMismatch,
)
from src.application.ports import UnitOfWork
from src.domain.numbers import Number
from src.domain.phone_numbers import PhoneNumber


def ensure_free(uow: UnitOfWork, phone_number: PhoneNumber, owner_id: int | None = None) -> None:
    """Raise NumberAlreadyExists unless no number, or only the one with owner_id, holds phone_number.

    Call it before changing anything in the unit of work, so the look-up flushes nothing.
    """
    holder = uow.numbers.get_by_phone_number(phone_number)
    if holder is not None and holder.id != owner_id:
        raise NumberAlreadyExists(phone_number.international)


def require_version(number: Number, if_match: Set[int] | None) -> None:
    """`if_match`: the versions the client says it saw (If-Match); None when it set no condition."""
    if if_match is not None and number.version not in if_match:
        raise VersionMismatch(number.id or 0, number.version)


def record_number_change(uow: UnitOfWork, change: Change) -> None:
    """A write that changed no field (a PATCH of the same values) changed nothing worth recording."""
    if change.fields:
        uow.changes.add(change)


@contextmanager
def lost_races_explained(
    number: Number, if_match: Set[int] | None, taking: PhoneNumber | None = None
) -> Iterator[None]:
    """Around a write and its commit: tell a lost race apart from a bug. Another writer took the
    phone number this write `taking` (by default the number's own) first, or changed (or deleted)
    the same version of this number first."""
    # Read now: after a failed flush the store may have expired the entity's attributes.
    number_id, phone_number = number.id or 0, taking or number.phone_number
    try:
        yield
    except DuplicateRecord as error:
        raise NumberAlreadyExists(phone_number.international) from error
    except ConcurrentUpdate as error:
        if if_match is not None:
            raise VersionMismatch(number_id, None) from error
        raise NumberChangedMeanwhile(number_id) from error
