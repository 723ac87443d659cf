"""Indexes for the change log's filters by actor and by bulk change.

`GET /changes?actor=` and `?bulkChange=` list newest first (ORDER BY id DESC LIMIT): without an
index of their own, PostgreSQL walked the primary key backwards through the whole log for an actor
or a bulk change with few or no records (0.1-0.3 s at a million records, measured with EXPLAIN
ANALYZE; bench/README.md). Both indexes end in the id, so a page, deep or not, is one range scan.
Only the numbers of bulk changes have a bulk change id: the second index holds just those.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

IN_A_BULK_CHANGE = sa.text("bulk_change_id IS NOT NULL")


def upgrade() -> None:
    op.create_index("ix_changes_actor_email_id", "changes", ["actor_email", "id"])
    op.create_index(
        "ix_changes_bulk_change_id_id",
        "changes",
        ["bulk_change_id", "id"],
        postgresql_where=IN_A_BULK_CHANGE,
        sqlite_where=IN_A_BULK_CHANGE,
    )


def downgrade() -> None:
    op.drop_index("ix_changes_bulk_change_id_id", table_name="changes")
    op.drop_index("ix_changes_actor_email_id", table_name="changes")
