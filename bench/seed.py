"""Seeding a million numbers in seconds, for the bench only: one INSERT ... SELECT in PostgreSQL.

Every column of `numbers` (src/infrastructure/tables.py, migrations/) is filled as the app would:
E.164 values that are valid and distinct (+1 646 200-0000 upwards: any NANP exchange 200-999 is a
valid number, country US), prices within NUMERIC(8,2) and never negative, an ISO currency code, version 1.
The seed's demo numbers (src/infrastructure/demo_data.py) and the bench's creates use other area
codes, so nothing collides.
"""

from __future__ import annotations

from sqlalchemy import text

from src.infrastructure.database import create_database_engine

_TOP_UP = text(
    """
    INSERT INTO numbers (e164, country, monthly_price, setup_price, currency, version)
    SELECT '+1646' || (2000000 + g)::text,
           'US',
           ((g % 2497) + 3) / 100.0,
           ((g % 4000) * 5) / 100.0,
           (ARRAY['USD', 'BRL', 'EUR'])[g % 3 + 1],
           1
    FROM generate_series(0, :missing - 1) AS g
    """
)


def top_up(database_url: str, total: int) -> None:
    """Add numbers until the inventory holds `total`, then refresh the planner's statistics."""
    engine = create_database_engine(database_url)
    try:
        with engine.begin() as connection:
            present = connection.execute(text("SELECT count(*) FROM numbers")).scalar_one()
            missing = total - present
            if missing > 8_000_000:
                raise ValueError("the +1 646 block holds 8,000,000 numbers")
            if missing > 0:
                connection.execute(_TOP_UP, {"missing": missing})
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE numbers"))
            # Write the load's pages out now, not in a checkpoint during the next scenario.
            connection.execute(text("CHECKPOINT"))
    finally:
        engine.dispose()
