"""This host's own address among those a name resolves to: the container's entrypoint binds the
uwsgi socket to it, so that the socket listens on one network (the one only nginx shares) and not
on every interface (docker-compose.prod.yml, docs/security.md).

    python -m src.infrastructure.own_address app-edge --timeout 30    # prints e.g. 172.18.0.3

The name is a network alias that every app replica carries on that network, so it resolves to
all of the replicas' addresses there: ours is the one a socket can be bound to.
"""

from __future__ import annotations

import argparse
import socket
import sys
import time
from collections.abc import Callable

RETRY_INTERVAL_SECONDS = 0.5


class NoOwnAddress(LookupError):
    """The name never resolved to an address of this host within the time given."""


def resolved_addresses(name: str) -> list[str]:
    """The IPv4 addresses `name` resolves to, in the resolver's order, each once."""
    try:
        infos = socket.getaddrinfo(name, None, socket.AF_INET, socket.SOCK_STREAM)
    except socket.gaierror:
        return []
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def is_own_address(address: str) -> bool:
    """True when a socket can be bound to `address`: only an address of this host's interfaces."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((address, 0))
        except OSError:
            return False
    return True


def own_address(
    name: str,
    timeout_seconds: float,
    *,
    resolve: Callable[[str], list[str]] = resolved_addresses,
    is_own: Callable[[str], bool] = is_own_address,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> str:
    """The one address of this host that `name` resolves to, retried until `timeout_seconds` have
    passed (a container's alias may reach the resolver a moment after the container starts).
    Two own addresses are an error: which network is meant would be a guess."""
    deadline = clock() + timeout_seconds
    while True:
        addresses = resolve(name)
        own = [address for address in addresses if is_own(address)]
        if len(own) == 1:
            return own[0]
        if len(own) > 1:
            raise NoOwnAddress(f"{name} resolves to several addresses of this host: {', '.join(own)}")
        if clock() + RETRY_INTERVAL_SECONDS > deadline:
            found = ", ".join(addresses) or "no address"
            raise NoOwnAddress(f"{name} resolved to {found} (none of this host's) for {timeout_seconds:g} s")
        sleep(RETRY_INTERVAL_SECONDS)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Print this host's own address among NAME's addresses.")
    parser.add_argument("name", help="a host name or network alias")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds to wait at most (default 30)")
    args = parser.parse_args(argv)
    try:
        print(own_address(args.name, args.timeout))
    except NoOwnAddress as error:
        print(f"no address to listen on: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
