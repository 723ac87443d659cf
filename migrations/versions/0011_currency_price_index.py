"""The currency index also orders by monthly price: the supervisor's table, filtered by currency and
sorted or bounded by price, reads only the rows it shows.

Prices compare only within one currency, so a price sort or range comes with a currency filter.
With `(currency, id)` PostgreSQL walked the price index and skipped the other currencies' rows (151
rows read for a page of 51 at a million numbers, bench/README.md); `(currency, monthly_price, id)`
is one range for it. The index replaces the old one rather than joining it: a re-priced number
costs an entry in every index of the table, and a currency filter sorted by id still has the
primary key, skipping at most the other currencies' rows.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_numbers_currency_monthly_price_id", "numbers", ["currency", "monthly_price", "id"])
    op.drop_index("ix_numbers_currency_id", table_name="numbers")


def downgrade() -> None:
    op.create_index("ix_numbers_currency_id", "numbers", ["currency", "id"])
    op.drop_index("ix_numbers_currency_monthly_price_id", table_name="numbers")
