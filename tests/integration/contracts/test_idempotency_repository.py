"""IdempotencyRepository on every store: a record lives until it expires, then its key is free."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from src.application.errors import DuplicateRecord
from src.application.idempotency import IdempotencyRecord
from src.application.ports import UnitOfWork
from src.application.results import NumberResult
from src.domain.money import Currency

T0 = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def record(key: str, expires_at: datetime, number_id: int = 7) -> IdempotencyRecord:
    outcome = NumberResult(
        id=number_id,
        version=1,
        e164="+5584912344321",
        international="+55 84 91234-4321",
        monthly_price=Decimal("0.03"),
        setup_price=Decimal("3.40"),
        currency=Currency("USD"),
    )
    return IdempotencyRecord(key, f"fingerprint-of-{key}", outcome, expires_at)


def add(store: UnitOfWork, kept: IdempotencyRecord, now: datetime) -> None:
    with store as uow:
        uow.idempotency_keys.add(kept, now)
        uow.commit()


def test_a_record_is_found_by_its_key_with_its_outcome(store: UnitOfWork) -> None:
    add(store, record("k1", T0 + DAY), T0)
    with store as uow:
        found = uow.idempotency_keys.get("k1", T0)
        assert found is not None
        assert (found.key, found.fingerprint, found.outcome) == (
            "k1",
            "fingerprint-of-k1",
            record("k1", T0).outcome,
        )
        assert found.expires_at == T0 + DAY
        assert uow.idempotency_keys.get("k2", T0) is None


def test_a_record_is_not_found_from_the_moment_it_expires(store: UnitOfWork) -> None:
    add(store, record("k1", T0 + DAY), T0)
    with store as uow:
        assert uow.idempotency_keys.get("k1", T0 + DAY - timedelta(seconds=1)) is not None
        assert uow.idempotency_keys.get("k1", T0 + DAY) is None


def test_a_live_key_cannot_be_stored_twice(store: UnitOfWork) -> None:
    add(store, record("k1", T0 + DAY), T0)
    with pytest.raises(DuplicateRecord):
        add(store, record("k1", T0 + 2 * DAY, number_id=8), T0)
    with store as uow:
        found = uow.idempotency_keys.get("k1", T0)
        assert found is not None
        assert found.outcome.id == 7


def test_an_expired_key_is_forgotten_and_may_be_stored_again(store: UnitOfWork) -> None:
    add(store, record("k1", T0 + DAY), T0)
    add(store, record("k1", T0 + 3 * DAY, number_id=8), T0 + DAY)
    with store as uow:
        found = uow.idempotency_keys.get("k1", T0 + DAY)
        assert found is not None
        assert found.outcome.id == 8


def test_adding_forgets_every_expired_record(store: UnitOfWork) -> None:
    add(store, record("old", T0 + DAY), T0)
    add(store, record("live", T0 + 3 * DAY), T0)
    add(store, record("new", T0 + 3 * DAY), T0 + 2 * DAY)
    with store as uow:  # asked as if in the past: only what the purge left can answer
        assert uow.idempotency_keys.get("old", T0) is None
        assert uow.idempotency_keys.get("live", T0) is not None


def test_an_uncommitted_record_is_not_kept(store: UnitOfWork) -> None:
    with store as uow:
        uow.idempotency_keys.add(record("k1", T0 + DAY), T0)
    with store as uow:
        assert uow.idempotency_keys.get("k1", T0) is None
