"""IdempotencyRepository on every store: a record is its owner's alone, and lives until it
expires; then its key is free."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from src.application.errors import DuplicateRecord
from src.application.idempotency import IdempotencyRecord
from src.application.ports import UnitOfWork
from src.application.results import NumberResult
from src.domain.money import Currency
from src.domain.users import EmailAddress, Role, User

T0 = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def owner(store: UnitOfWork, email: str = "ana@example.com") -> int:
    """A user to own records: the store keeps no key without one."""
    with store as uow:
        user = User(EmailAddress(email), "hash", Role.SUPERVISOR)
        uow.users.add(user)
        assert user.id is not None
        uow.commit()
        return user.id


def record(owner_id: int, key: str, expires_at: datetime, number_id: int = 7) -> IdempotencyRecord:
    outcome = NumberResult(
        id=number_id,
        version=1,
        e164="+5584912344321",
        international="+55 84 91234-4321",
        monthly_price=Decimal("0.03"),
        setup_price=Decimal("3.40"),
        currency=Currency("USD"),
    )
    return IdempotencyRecord(owner_id, key, f"fingerprint-of-{key}", outcome, expires_at)


def add(store: UnitOfWork, kept: IdempotencyRecord, now: datetime) -> None:
    with store as uow:
        uow.idempotency_keys.add(kept, now)
        uow.commit()


def test_a_record_is_found_by_its_owner_and_key_with_its_outcome(store: UnitOfWork) -> None:
    ana = owner(store)
    add(store, record(ana, "k1", T0 + DAY), T0)
    with store as uow:
        found = uow.idempotency_keys.get(ana, "k1", T0)
        assert found is not None
        assert (found.owner_id, found.key, found.fingerprint, found.outcome) == (
            ana,
            "k1",
            "fingerprint-of-k1",
            record(ana, "k1", T0).outcome,
        )
        assert found.expires_at == T0 + DAY
        assert uow.idempotency_keys.get(ana, "k2", T0) is None


def test_one_users_key_is_invisible_to_another_user(store: UnitOfWork) -> None:
    ana, bo = owner(store, "ana@example.com"), owner(store, "bo@example.com")
    add(store, record(ana, "k1", T0 + DAY), T0)
    with store as uow:
        assert uow.idempotency_keys.get(bo, "k1", T0) is None
        assert uow.idempotency_keys.get(ana, "k1", T0) is not None


def test_two_users_may_store_the_same_key_each_with_its_own_outcome(store: UnitOfWork) -> None:
    ana, bo = owner(store, "ana@example.com"), owner(store, "bo@example.com")
    add(store, record(ana, "k1", T0 + DAY, number_id=7), T0)
    add(store, record(bo, "k1", T0 + DAY, number_id=8), T0)
    with store as uow:
        outcomes = [uow.idempotency_keys.get(who, "k1", T0) for who in (ana, bo)]
        assert [found.outcome.id for found in outcomes if found is not None] == [7, 8]


def test_a_record_is_not_found_from_the_moment_it_expires(store: UnitOfWork) -> None:
    ana = owner(store)
    add(store, record(ana, "k1", T0 + DAY), T0)
    with store as uow:
        assert uow.idempotency_keys.get(ana, "k1", T0 + DAY - timedelta(seconds=1)) is not None
        assert uow.idempotency_keys.get(ana, "k1", T0 + DAY) is None


def test_a_live_key_cannot_be_stored_twice_by_its_owner(store: UnitOfWork) -> None:
    ana = owner(store)
    add(store, record(ana, "k1", T0 + DAY), T0)
    with pytest.raises(DuplicateRecord):
        add(store, record(ana, "k1", T0 + 2 * DAY, number_id=8), T0)
    with store as uow:
        found = uow.idempotency_keys.get(ana, "k1", T0)
        assert found is not None
        assert found.outcome.id == 7


def test_an_expired_key_is_forgotten_and_may_be_stored_again(store: UnitOfWork) -> None:
    ana = owner(store)
    add(store, record(ana, "k1", T0 + DAY), T0)
    add(store, record(ana, "k1", T0 + 3 * DAY, number_id=8), T0 + DAY)
    with store as uow:
        found = uow.idempotency_keys.get(ana, "k1", T0 + DAY)
        assert found is not None
        assert found.outcome.id == 8


def test_adding_forgets_every_expired_record_of_every_owner(store: UnitOfWork) -> None:
    ana, bo = owner(store, "ana@example.com"), owner(store, "bo@example.com")
    add(store, record(ana, "old", T0 + DAY), T0)
    add(store, record(ana, "live", T0 + 3 * DAY), T0)
    add(store, record(bo, "new", T0 + 3 * DAY), T0 + 2 * DAY)
    with store as uow:  # asked as if in the past: only what the purge left can answer
        assert uow.idempotency_keys.get(ana, "old", T0) is None
        assert uow.idempotency_keys.get(ana, "live", T0) is not None


def test_an_uncommitted_record_is_not_kept(store: UnitOfWork) -> None:
    ana = owner(store)
    with store as uow:
        uow.idempotency_keys.add(record(ana, "k1", T0 + DAY), T0)
    with store as uow:
        assert uow.idempotency_keys.get(ana, "k1", T0) is None
