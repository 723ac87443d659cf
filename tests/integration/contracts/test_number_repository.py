"""NumberRepository on every store: what the writes and the plain reads promise.

Listing with filters and sorts is left to the API tests, which check it against a brute-force
answer on both databases."""

from __future__ import annotations

from decimal import Decimal

import pytest

from src.application.errors import DuplicateRecord
from src.application.ports import UnitOfWork
from src.domain.money import Currency, Money
from src.domain.numbers import Number
from src.domain.phone_numbers import PhoneNumber

USD = Currency("USD")
BR = PhoneNumber.parse("+5584912344321")
US = PhoneNumber.parse("+12015550123")
GB = PhoneNumber.parse("+442079460000")


def usd(amount: str) -> Money:
    return Money(Decimal(amount), USD)


def add(store: UnitOfWork, *phone_numbers: PhoneNumber) -> list[int]:
    ids = []
    with store as uow:
        for phone_number in phone_numbers:
            number = Number(phone_number, usd("0.03"), usd("3.40"))
            uow.numbers.add(number)
            assert number.id is not None  # at once, before the commit
            ids.append(number.id)
        uow.commit()
    return ids


def test_a_number_is_stored_with_every_field(store: UnitOfWork) -> None:
    (number_id,) = add(store, BR)
    with store as uow:
        number = uow.numbers.get(number_id)
        assert number is not None
        assert (number.id, number.version, number.phone_number, number.monthly_price, number.setup_price) == (
            number_id,
            1,
            BR,
            usd("0.03"),
            usd("3.40"),
        )


@pytest.mark.parametrize("number_id", [0, -1, 999, 2**31, 2**63])
def test_no_number_under_an_unknown_id(store: UnitOfWork, number_id: int) -> None:
    add(store, BR)
    with store as uow:
        assert uow.numbers.get(number_id) is None


def test_found_by_phone_number(store: UnitOfWork) -> None:
    _, us_id = add(store, BR, US)
    with store as uow:
        found = uow.numbers.get_by_phone_number(US)
        assert found is not None
        assert found.id == us_id
        assert uow.numbers.get_by_phone_number(GB) is None


def test_a_taken_phone_number_is_a_duplicate_by_commit_at_the_latest(store: UnitOfWork) -> None:
    add(store, BR)
    with pytest.raises(DuplicateRecord):
        add(store, BR)
    with store as uow:
        assert uow.numbers.get_by_phone_number(BR) is not None


def test_a_change_is_kept_once_committed_and_counts_as_a_version(store: UnitOfWork) -> None:
    (number_id,) = add(store, BR)
    with store as uow:
        number = uow.numbers.get(number_id)
        assert number is not None
        number.change(US, usd("9.99"), usd("0.00"))
        uow.commit()
    with store as uow:
        number = uow.numbers.get(number_id)
        assert number is not None
        assert (number.phone_number, number.monthly_price, number.setup_price, number.version) == (
            US,
            usd("9.99"),
            usd("0.00"),
            2,
        )


def test_a_change_is_undone_without_a_commit(store: UnitOfWork) -> None:
    (number_id,) = add(store, BR)
    with store as uow:
        number = uow.numbers.get(number_id)
        assert number is not None
        number.change(US, usd("9.99"), usd("0.00"))
    with store as uow:
        number = uow.numbers.get(number_id)
        assert number is not None
        assert (number.phone_number, number.version) == (BR, 1)


def test_deletes(store: UnitOfWork) -> None:
    br_id, us_id = add(store, BR, US)
    with store as uow:
        number = uow.numbers.get(br_id)
        assert number is not None
        uow.numbers.delete(number)
        uow.commit()
    with store as uow:
        assert uow.numbers.get(br_id) is None
        assert uow.numbers.get_by_phone_number(BR) is None
        assert uow.numbers.get(us_id) is not None


# Listing, counting and streaming are the read side's (NumberReader): tests/integration/test_repository.py
# and the brute-force oracle of tests/integration/test_number_table_api.py check them on both databases.


def test_adds_in_bulk_what_is_free_and_answers_what_is_taken(store: UnitOfWork) -> None:
    add(store, BR)
    with store as uow:
        taken = uow.number_imports.add_new([(BR, usd("1"), usd("2")), (US, usd("1"), usd("2"))])
        uow.commit()
    assert taken == {"+5584912344321"}
    with store as uow:
        stored = uow.numbers.get_by_phone_number(US)
        assert stored is not None
        assert (stored.monthly_price, stored.setup_price) == (usd("1.00"), usd("2.00"))
        assert uow.numbers.get_by_phone_number(BR) is not None


def test_adding_nothing_in_bulk_takes_nothing(store: UnitOfWork) -> None:
    with store as uow:
        assert uow.number_imports.add_new([]) == set()
        assert uow.number_imports.taken([]) == set()


def test_tells_which_phone_numbers_are_taken(store: UnitOfWork) -> None:
    add(store, BR, GB)
    with store as uow:
        assert uow.number_imports.taken([BR, US, GB]) == {"+5584912344321", "+442079460000"}
