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


def stored(store: UnitOfWork) -> tuple[int, int]:
    with store as uow:
        return uow.numbers.count().value, uow.users.count()


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
        assert [n.phone_number.e164 for n in uow.numbers.list(limit=10)] == ["+5584912344321"]
