"""Create the numbers table: one row per DID, unique on its E.164 value, exact prices.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "numbers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("e164", sa.String(length=16), nullable=False),
        # NUMERIC on PostgreSQL; SQLite keeps integer cents here (src/infrastructure/types.py).
        sa.Column("monthly_price", sa.Numeric(precision=8, scale=2), nullable=False),
        sa.Column("setup_price", sa.Numeric(precision=8, scale=2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.CheckConstraint("monthly_price >= 0", name=op.f("ck_numbers_monthly_price_not_negative")),
        sa.CheckConstraint("setup_price >= 0", name=op.f("ck_numbers_setup_price_not_negative")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_numbers")),
        sa.UniqueConstraint("e164", name=op.f("uq_numbers_e164")),
    )


def downgrade() -> None:
    op.drop_table("numbers")
