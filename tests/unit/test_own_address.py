"""The address the uwsgi socket listens on in a container: this host's own among those of a network
alias (src/infrastructure/own_address.py), never a guess."""

from __future__ import annotations

import pytest

from src.infrastructure.own_address import NoOwnAddress, is_own_address, main, own_address


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_the_one_address_of_this_host_among_the_replicas_is_picked() -> None:
    replicas = ["172.19.0.2", "172.19.0.3", "172.19.0.4"]
    found = own_address("app-edge", 5, resolve=lambda _: replicas, is_own=lambda a: a == "172.19.0.3")
    assert found == "172.19.0.3"


def test_an_alias_that_resolves_late_is_waited_for_within_the_timeout() -> None:
    clock = Clock()
    answers = iter([[], ["172.19.0.9"], ["172.19.0.9", "172.19.0.3"]])
    found = own_address(
        "app-edge",
        5,
        resolve=lambda _: next(answers),
        is_own=lambda address: address == "172.19.0.3",
        clock=clock,
        sleep=clock.sleep,
    )
    assert found == "172.19.0.3"
    assert clock.now == 1.0


def test_no_own_address_is_an_error_after_the_timeout_not_a_wider_socket() -> None:
    clock = Clock()
    with pytest.raises(NoOwnAddress, match=r"172\.19\.0\.9"):
        own_address(
            "app-edge",
            3,
            resolve=lambda _: ["172.19.0.9"],
            is_own=lambda _: False,
            clock=clock,
            sleep=clock.sleep,
        )
    assert 2.5 <= clock.now <= 3


def test_two_own_addresses_are_an_error() -> None:
    with pytest.raises(NoOwnAddress, match="several"):
        own_address("app", 1, resolve=lambda _: ["10.0.0.1", "10.0.0.2"], is_own=lambda _: True)


def test_only_an_address_of_this_host_can_be_bound() -> None:
    assert is_own_address("127.0.0.1")
    assert not is_own_address("192.0.2.1")  # TEST-NET-1: documentation only, on no interface


def test_the_command_prints_the_address(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["localhost", "--timeout", "1"]) == 0
    assert capsys.readouterr().out == "127.0.0.1\n"
    assert main(["no-such-host.invalid", "--timeout", "0"]) == 1
    assert "no address to listen on" in capsys.readouterr().err
