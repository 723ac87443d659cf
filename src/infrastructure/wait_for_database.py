"""Wait, for a bounded time, until the database answers: the container's entrypoint runs this
before migrating, because PostgreSQL may still be starting when the app's container is.

    python -m src.infrastructure.wait_for_database --timeout 60
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable

from sqlalchemy import make_url

from src.application.errors import StorageUnavailable
from src.infrastructure.database import create_database_engine, ping
from src.infrastructure.settings import Settings

RETRY_INTERVAL_SECONDS = 1.0


def wait_for_database(
    url: str,
    timeout_seconds: float,
    *,
    interval_seconds: float = RETRY_INTERVAL_SECONDS,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """Ping until the database answers and return how many attempts it took; raise
    StorageUnavailable (with the last error as its cause) once `timeout_seconds` have passed."""
    deadline = clock() + timeout_seconds
    engine = create_database_engine(url)
    attempts = 0
    try:
        while True:
            attempts += 1
            try:
                ping(engine)
                return attempts
            except StorageUnavailable:
                if clock() + interval_seconds > deadline:
                    raise
            sleep(interval_seconds)
    finally:
        engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Wait until DATABASE_URL answers.")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds to wait at most (default 60)")
    args = parser.parse_args(argv)
    url = Settings.from_env().database_url
    shown = make_url(url).render_as_string(hide_password=True)
    try:
        attempts = wait_for_database(url, args.timeout)
    except StorageUnavailable as error:
        reason = error.__cause__ or error
        print(f"the database at {shown} did not answer within {args.timeout:g} s: {reason}", file=sys.stderr)
        return 1
    print(f"the database at {shown} answers (attempt {attempts})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
