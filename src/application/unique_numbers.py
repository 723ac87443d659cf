"""One phone number, one row: checked up front for a clear answer, enforced by the store for races."""

from __future__ import annotations

from src.application.errors import DuplicateRecord, NumberAlreadyExists
from src.application.ports import UnitOfWork
from src.domain.phone_numbers import PhoneNumber


def ensure_free(uow: UnitOfWork, phone_number: PhoneNumber, owner_id: int | None = None) -> None:
    """Raise NumberAlreadyExists unless no number, or only the one with owner_id, holds phone_number.

    Call it before changing anything in the unit of work, so the look-up flushes nothing.
    """
    holder = uow.numbers.get_by_phone_number(phone_number)
    if holder is not None and holder.id != owner_id:
        raise NumberAlreadyExists(phone_number.international)


def commit_claiming(uow: UnitOfWork, phone_number: PhoneNumber) -> None:
    """Commit; a concurrent writer that took phone_number first makes this a NumberAlreadyExists."""
    try:
        uow.commit()
    except DuplicateRecord as error:
        raise NumberAlreadyExists(phone_number.international) from error
