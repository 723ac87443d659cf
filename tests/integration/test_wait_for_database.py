"""The container's entrypoint waits, for a bounded time, until the database answers."""

from __future__ import annotations

import pytest

from src.application.errors import StorageUnavailable
from src.infrastructure.wait_for_database import main, wait_for_database

DEAD_DATABASE = "postgresql+psycopg2://nobody@127.0.0.1:1/none"


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@pytest.mark.postgresql
def test_a_database_that_answers_is_found_at_the_first_attempt(postgresql_url: str) -> None:
    assert wait_for_database(postgresql_url, timeout_seconds=5) == 1


def test_a_database_that_never_answers_is_given_up_on_after_the_timeout() -> None:
    time = FakeTime()
    with pytest.raises(StorageUnavailable) as raised:
        wait_for_database(DEAD_DATABASE, 3, interval_seconds=1, clock=time.clock, sleep=time.sleep)
    assert time.slept == [1, 1, 1]
    assert raised.value.__cause__ is not None  # the driver's own reason, for the message


def test_the_command_fails_with_a_message_naming_the_database(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg2://nobody:secret@127.0.0.1:1/none")
    assert main(["--timeout", "0"]) == 1
    message = capsys.readouterr().err
    assert "127.0.0.1:1/none did not answer within 0 s" in message
    assert "secret" not in message
