"""Numbers and codes compare byte by byte on PostgreSQL: cheaper indexes, and one index fewer.

E.164 numbers and ISO codes are ASCII, which the "C" collation orders as any other does; its
btree comparisons are memcmp rather than the locale's, so every insert into their indexes costs
less (a million-row import spends most of its database time there), and `LIKE '+5584%'` becomes
a range scan of the unique index on e164, so the pattern index 0004 made for it goes.

The ALTERs rebuild the indexes on these columns (not the table), under a lock that holds writes
back for that long: seconds at a million numbers.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = (("e164", 16), ("currency", 3), ("country", 2))


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite compares bytes already
    op.drop_index("ix_numbers_e164_pattern", table_name="numbers")
    _collate('COLLATE "C"')


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    _collate("")
    op.create_index(
        "ix_numbers_e164_pattern", "numbers", ["e164"], postgresql_ops={"e164": "varchar_pattern_ops"}
    )


def _collate(collation: str) -> None:
    changes = ", ".join(f"ALTER COLUMN {name} TYPE varchar({length}) {collation}" for name, length in COLUMNS)
    op.execute(f"ALTER TABLE numbers {changes}")
