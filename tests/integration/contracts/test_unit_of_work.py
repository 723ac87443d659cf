"""UnitOfWork on every store: one transaction, committed explicitly or rolled back."""

from __future__ import annotations

from decimal import Decimal

import pytest

from src.application.ports import UnitOfWork
from src.domain.money import Currency, Money
from src.domain.numbers import Number
from src.domain.phone_numbers import PhoneNumber
from src.domain.users import EmailAddress, Role, User

USD = Currency("USD")


def number(text: str) -> Number:
    return Number(PhoneNumber.parse(text), Money(Decimal("1"), USD), Money(Decimal("2"), USD))


KNOWN = ("+5584912344321", "+12015550123")


def stored(store: UnitOfWork) -> tuple[int, int]:
    """How many of the numbers these tests add are stored, and how many users."""
    with store as uow:
        found = [uow.numbers.get_by_phone_number(PhoneNumber(e164)) for e164 in KNOWN]
        return sum(number is not None for number in found), uow.users.count()


def test_what_is_committed_is_kept(store: UnitOfWork) -> None:
    with store as uow:
        uow.numbers.add(number("+5584912344321"))
        uow.users.add(User(EmailAddress("ana@example.com"), "hash", Role.VIEWER))
        uow.commit()
    assert stored(store) == (1, 1)


def test_leaving_without_a_commit_keeps_nothing(store: UnitOfWork) -> None:
    with store as uow:
        uow.numbers.add(number("+5584912344321"))
        uow.users.add(User(EmailAddress("ana@example.com"), "hash", Role.VIEWER))
    assert stored(store) == (0, 0)


def fail_half_way(store: UnitOfWork) -> None:
    with store as uow:
        uow.numbers.add(number("+5584912344321"))
        raise RuntimeError("a use case fails half way")


def test_an_error_inside_rolls_back(store: UnitOfWork) -> None:
    with pytest.raises(RuntimeError, match="half way"):
        fail_half_way(store)
    assert stored(store) == (0, 0)


def test_rollback_undoes_what_followed_the_last_commit_only(store: UnitOfWork) -> None:
    with store as uow:
        uow.numbers.add(number("+5584912344321"))
        uow.commit()
        uow.numbers.add(number("+12015550123"))
        uow.rollback()
    with store as uow:
        kept = [e164 for e164 in KNOWN if uow.numbers.get_by_phone_number(PhoneNumber(e164)) is not None]
        assert kept == ["+5584912344321"]
