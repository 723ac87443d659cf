"""The inventory as a table at carrier scale: a stored country and indexes for every filter and sort.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import phonenumbers
import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BACKFILL_BATCH = 5000


def upgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    with op.batch_alter_table("numbers") as batch:
        batch.add_column(sa.Column("country", sa.String(length=2), nullable=True))
    _backfill_countries()
    op.create_index("ix_numbers_country_id", "numbers", ["country", "id"])
    op.create_index("ix_numbers_currency_id", "numbers", ["currency", "id"])
    op.create_index("ix_numbers_monthly_price_id", "numbers", ["monthly_price", "id"])
    op.create_index("ix_numbers_setup_price_id", "numbers", ["setup_price", "id"])
    if postgresql:
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.create_index(
            "ix_numbers_e164_pattern", "numbers", ["e164"], postgresql_ops={"e164": "varchar_pattern_ops"}
        )
        op.create_index(
            "ix_numbers_e164_trgm",
            "numbers",
            ["e164"],
            postgresql_using="gin",
            postgresql_ops={"e164": "gin_trgm_ops"},
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_numbers_e164_trgm", table_name="numbers")
        op.drop_index("ix_numbers_e164_pattern", table_name="numbers")
    op.drop_index("ix_numbers_setup_price_id", table_name="numbers")
    op.drop_index("ix_numbers_monthly_price_id", table_name="numbers")
    op.drop_index("ix_numbers_currency_id", table_name="numbers")
    op.drop_index("ix_numbers_country_id", table_name="numbers")
    with op.batch_alter_table("numbers") as batch:
        batch.drop_column("country")


def _backfill_countries() -> None:
    """The country of every stored number, as the application derives it (a copy of the rule, so
    that this migration keeps working whatever the code becomes)."""
    numbers = sa.table("numbers", sa.column("id", sa.Integer), sa.column("e164"), sa.column("country"))
    connection = op.get_bind()
    last_id = 0
    while True:
        rows = connection.execute(
            sa.select(numbers.c.id, numbers.c.e164)
            .where(numbers.c.id > last_id)
            .order_by(numbers.c.id)
            .limit(BACKFILL_BATCH)
        ).all()
        if not rows:
            return
        updates = [{"row_id": row_id, "region": _country(e164)} for row_id, e164 in rows]
        connection.execute(
            sa.update(numbers)
            .where(numbers.c.id == sa.bindparam("row_id"))
            .values(country=sa.bindparam("region")),
            updates,
        )
        last_id = rows[-1][0]


def _country(e164: str) -> str | None:
    region = phonenumbers.region_code_for_number(phonenumbers.parse(e164, None))
    return region if region and region not in (phonenumbers.UNKNOWN_REGION, "001") else None
