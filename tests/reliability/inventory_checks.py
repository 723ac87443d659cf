"""What the reliability tests assert on afterwards: the rows themselves, read straight from the
database rather than through the API under test."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Connection, text

from src.infrastructure.database import create_database_engine

# Every column of every number, in id order: any change to any row changes the checksum.
_CHECKSUM = text(
    "SELECT count(*) AS rows, coalesce(md5(string_agg("
    "concat_ws('|', id, e164, monthly_price, setup_price, currency, version), ',' ORDER BY id)), '') AS md5 "
    "FROM numbers"
)


@dataclass(frozen=True)
class InventoryState:
    rows: int
    md5: str


@contextmanager
def database(url: str) -> Iterator[Connection]:
    engine = create_database_engine(url)
    try:
        with engine.connect() as connection:
            yield connection
    finally:
        engine.dispose()


def inventory_state(url: str) -> InventoryState:
    with database(url) as connection:
        row = connection.execute(_CHECKSUM).one()
    return InventoryState(row.rows, row.md5)


def stored_numbers(url: str) -> dict[str, tuple[str, str, str, int]]:
    """e164 -> (monthly price, setup price, currency, version) of every number."""
    with database(url) as connection:
        rows = connection.execute(
            text("SELECT e164, monthly_price, setup_price, currency, version FROM numbers")
        ).all()
    return {
        row.e164: (str(row.monthly_price), str(row.setup_price), row.currency, row.version) for row in rows
    }


def new_number(index: int, area_code: str = "646") -> dict[str, str]:
    """A valid US number of its own for each index (NANP: any exchange 200-999 is valid)."""
    return {
        "value": f"+1{area_code}{2_000_000 + index:07d}",
        "monthyPrice": "0.03",
        "setupPrice": "3.40",
        "currency": "U$",
    }
