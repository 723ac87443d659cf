"""LoginFailureRepository, and the 15-minute login throttle built on it, on every store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from src.application.create_user import CreateUser, NewUser
from src.application.errors import InvalidCredentials, TooManyLoginAttempts
from src.application.issue_token import Credentials, IssueToken
from src.application.ports import UnitOfWork
from tests.fakes import FakePasswordHasher

T0 = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
PASSWORD = "correct horse battery"


def record(store: UnitOfWork, email: str, *moments: datetime) -> None:
    with store as uow:
        for at in moments:
            uow.login_failures.record(email, at)
        uow.commit()


def test_failures_are_kept_per_email(store: UnitOfWork) -> None:
    record(store, "ana@example.com", T0, T0 + timedelta(minutes=1))
    record(store, "bo@example.com", T0)
    with store as uow:
        assert sorted(uow.login_failures.since("ana@example.com", T0 - timedelta(hours=1))) == [
            T0,
            T0 + timedelta(minutes=1),
        ]
        assert list(uow.login_failures.since("bo@example.com", T0 - timedelta(hours=1))) == [T0]
        assert list(uow.login_failures.since("cy@example.com", T0 - timedelta(hours=1))) == []


def test_since_keeps_only_failures_after_the_start(store: UnitOfWork) -> None:
    record(store, "ana@example.com", T0, T0 + timedelta(seconds=1))
    with store as uow:
        assert list(uow.login_failures.since("ana@example.com", T0)) == [T0 + timedelta(seconds=1)]


def test_clear_forgets_one_emails_failures_only(store: UnitOfWork) -> None:
    record(store, "ana@example.com", T0)
    record(store, "bo@example.com", T0)
    with store as uow:
        uow.login_failures.clear("ana@example.com")
        uow.commit()
    with store as uow:
        assert list(uow.login_failures.since("ana@example.com", T0 - timedelta(hours=1))) == []
        assert list(uow.login_failures.since("bo@example.com", T0 - timedelta(hours=1))) == [T0]


def test_an_uncommitted_failure_is_not_kept(store: UnitOfWork) -> None:
    with store as uow:
        uow.login_failures.record("ana@example.com", T0)
    with store as uow:
        assert list(uow.login_failures.since("ana@example.com", T0 - timedelta(hours=1))) == []


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


def log_in(store: UnitOfWork, clock: Clock, password: str) -> str:
    return IssueToken(lambda: store, FakePasswordHasher(), clock, timedelta(hours=1))(
        Credentials("ana@example.com", password)
    ).token


@pytest.fixture
def clock(store: UnitOfWork) -> Clock:
    CreateUser(lambda: store, FakePasswordHasher())(NewUser("ana@example.com", PASSWORD, "viewer"))
    return Clock()


def test_five_failures_in_15_minutes_throttle_the_sixth_login(store: UnitOfWork, clock: Clock) -> None:
    for _ in range(5):
        with pytest.raises(InvalidCredentials):
            log_in(store, clock, "wrong password")
        clock.now += timedelta(minutes=1)
    with pytest.raises(TooManyLoginAttempts) as raised:
        log_in(store, clock, PASSWORD)
    assert raised.value.retry_after_seconds == 10 * 60


def test_failures_older_than_15_minutes_no_longer_count(store: UnitOfWork, clock: Clock) -> None:
    for _ in range(5):
        with pytest.raises(InvalidCredentials):
            log_in(store, clock, "wrong password")
    clock.now += timedelta(minutes=15)
    assert log_in(store, clock, PASSWORD)


def test_a_successful_login_clears_the_failures(store: UnitOfWork, clock: Clock) -> None:
    for _ in range(4):
        with pytest.raises(InvalidCredentials):
            log_in(store, clock, "wrong password")
    log_in(store, clock, PASSWORD)
    for _ in range(5):
        with pytest.raises(InvalidCredentials):
            log_in(store, clock, "wrong password")
