"""LoginAttemptRepository, and the login throttle built on it, on every store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from src.application.create_user import CreateUser, NewUser
from src.application.errors import InvalidCredentials, TooManyLoginAttempts
from src.application.issue_token import Credentials, IssueToken
from src.application.ports import AttemptWindow, UnitOfWork
from tests.fakes import FakePasswordCheck, FakePasswordHasher

T0 = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
WINDOW = timedelta(minutes=15)
MINUTE = timedelta(minutes=1)


def count(store: UnitOfWork, key: str, at: datetime) -> AttemptWindow:
    with store as uow:
        counted = uow.login_attempts.count(key, at, WINDOW)
        uow.commit()
        return counted


def counted_times(store: UnitOfWork, key: str, at: datetime, times: int) -> AttemptWindow:
    for _ in range(times - 1):
        count(store, key, at)
    return count(store, key, at)


def change(store: UnitOfWork, how: str, key: str) -> None:
    with store as uow:
        getattr(uow.login_attempts, how)(key)
        uow.commit()


def test_the_first_attempt_starts_a_window_at_one(store: UnitOfWork) -> None:
    assert count(store, "k", T0) == AttemptWindow(1, T0)


def test_attempts_inside_the_window_count_up_from_its_start(store: UnitOfWork) -> None:
    count(store, "k", T0)
    assert count(store, "k", T0 + MINUTE) == AttemptWindow(2, T0)
    assert count(store, "k", T0 + WINDOW - timedelta(microseconds=1)) == AttemptWindow(3, T0)


def test_an_attempt_once_the_window_has_ended_starts_a_new_one(store: UnitOfWork) -> None:
    counted_times(store, "k", T0, 3)
    assert count(store, "k", T0 + WINDOW) == AttemptWindow(1, T0 + WINDOW)
    assert count(store, "k", T0 + WINDOW + MINUTE) == AttemptWindow(2, T0 + WINDOW)


def test_keys_are_counted_apart(store: UnitOfWork) -> None:
    counted_times(store, "a", T0, 3)
    assert count(store, "b", T0 + MINUTE) == AttemptWindow(1, T0 + MINUTE)
    assert count(store, "a", T0 + MINUTE) == AttemptWindow(4, T0)


def test_a_window_started_in_another_zone_is_the_same_moment(store: UnitOfWork) -> None:
    brasilia = timezone(timedelta(hours=-3))
    count(store, "k", T0.astimezone(brasilia))
    counted = count(store, "k", (T0 + MINUTE).astimezone(brasilia))
    assert (counted.attempts, counted.started_at) == (2, T0)
    assert count(store, "k", (T0 + WINDOW).astimezone(brasilia)) == AttemptWindow(1, T0 + WINDOW)
    assert count(store, "k", T0 + WINDOW + MINUTE) == AttemptWindow(2, T0 + WINDOW)


def test_forgiving_takes_back_one_attempt_and_keeps_the_window(store: UnitOfWork) -> None:
    counted_times(store, "k", T0, 3)
    change(store, "forgive", "k")
    assert count(store, "k", T0 + MINUTE) == AttemptWindow(3, T0)


def test_forgiving_never_goes_below_zero(store: UnitOfWork) -> None:
    count(store, "k", T0)
    change(store, "forgive", "k")
    change(store, "forgive", "k")
    assert count(store, "k", T0 + MINUTE) == AttemptWindow(1, T0)


def test_forgiving_an_unknown_key_starts_nothing(store: UnitOfWork) -> None:
    change(store, "forgive", "k")
    assert count(store, "k", T0) == AttemptWindow(1, T0)


def test_clearing_forgets_the_key_only(store: UnitOfWork) -> None:
    counted_times(store, "a", T0, 3)
    counted_times(store, "b", T0, 2)
    change(store, "clear", "a")
    change(store, "clear", "never-counted")
    assert count(store, "a", T0 + MINUTE) == AttemptWindow(1, T0 + MINUTE)
    assert count(store, "b", T0 + MINUTE) == AttemptWindow(3, T0)


def test_purging_forgets_the_windows_started_before_the_cutoff_only(store: UnitOfWork) -> None:
    counted_times(store, "old", T0, 2)
    counted_times(store, "at-cutoff", T0 + MINUTE, 2)
    counted_times(store, "new", T0 + 2 * MINUTE, 2)
    with store as uow:
        assert uow.login_attempts.purge(T0 + MINUTE) == 1
        uow.commit()
    with store as uow:
        assert uow.login_attempts.purge(T0 + MINUTE) == 0
    later = T0 + 3 * MINUTE
    assert count(store, "old", later) == AttemptWindow(1, later)
    assert count(store, "at-cutoff", later) == AttemptWindow(3, T0 + MINUTE)
    assert count(store, "new", later) == AttemptWindow(3, T0 + 2 * MINUTE)


def test_uncommitted_attempts_are_not_kept(store: UnitOfWork) -> None:
    count(store, "k", T0)
    with store as uow:
        uow.login_attempts.count("k", T0, WINDOW)
        uow.login_attempts.count("other", T0, WINDOW)
    with store as uow:
        uow.login_attempts.clear("k")
    assert count(store, "k", T0 + MINUTE) == AttemptWindow(2, T0)
    assert count(store, "other", T0 + MINUTE) == AttemptWindow(1, T0 + MINUTE)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


def log_in(store: UnitOfWork, clock: Clock, password: str) -> str:
    return IssueToken(lambda: store, FakePasswordHasher(), clock, timedelta(hours=1))(
        Credentials("ana@example.com", password, client_address="192.0.2.7")
    ).token


PASSWORD = "correct horse battery"


@pytest.fixture
def clock(store: UnitOfWork) -> Clock:
    create_user = CreateUser(lambda: store, FakePasswordHasher(), FakePasswordCheck())
    create_user(NewUser("ana@example.com", PASSWORD, "viewer"))
    return Clock()


def test_five_guesses_in_15_minutes_throttle_the_sixth_login(store: UnitOfWork, clock: Clock) -> None:
    for _ in range(5):
        with pytest.raises(InvalidCredentials):
            log_in(store, clock, "wrong password")
        clock.now += MINUTE
    with pytest.raises(TooManyLoginAttempts) as raised:
        log_in(store, clock, PASSWORD)
    assert raised.value.retry_after_seconds == 10 * 60


def test_guesses_of_an_ended_window_no_longer_count(store: UnitOfWork, clock: Clock) -> None:
    for _ in range(5):
        with pytest.raises(InvalidCredentials):
            log_in(store, clock, "wrong password")
    clock.now += WINDOW
    assert log_in(store, clock, PASSWORD)


def test_a_successful_login_clears_the_clients_guesses(store: UnitOfWork, clock: Clock) -> None:
    for _ in range(4):
        with pytest.raises(InvalidCredentials):
            log_in(store, clock, "wrong password")
    log_in(store, clock, PASSWORD)
    for _ in range(5):
        with pytest.raises(InvalidCredentials):
            log_in(store, clock, "wrong password")
    with pytest.raises(TooManyLoginAttempts):
        log_in(store, clock, PASSWORD)
