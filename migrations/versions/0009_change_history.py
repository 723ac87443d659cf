"""The change history: one row per change of a number or user, one per bulk change and one per
import, which the numbers it created link to; and who sent each import job's file, so that the
numbers a worker creates from it are theirs.

Revision ID: 0009
Revises: 0007
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "changes",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_email", sa.String(length=254), nullable=True),
        sa.Column("request_id", sa.String(length=128), nullable=True),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("subject_type", sa.String(length=16), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=True),
        sa.Column("subject", sa.String(length=512), nullable=False),
        sa.Column("fields", sa.Text(), nullable=False),
        sa.Column("bulk_change_id", sa.BigInteger(), nullable=True),
        sa.Column("count", sa.Integer(), nullable=True),
        sa.Column("import_id", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_changes")),
    )
    op.create_index("ix_changes_subject_id_id", "changes", ["subject_id", "id"])
    op.create_index("ix_changes_subject_id", "changes", ["subject", "id"])
    op.create_index("ix_changes_action_id", "changes", ["action", "id"])
    op.create_index("ix_changes_at", "changes", ["at"])
    with op.batch_alter_table("numbers") as batch:
        batch.add_column(sa.Column("created_by_change_id", sa.BigInteger(), nullable=True))
    with op.batch_alter_table("import_jobs") as batch:
        batch.add_column(sa.Column("requested_by_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("requested_by_email", sa.String(length=254), nullable=True))
        batch.add_column(sa.Column("request_id", sa.String(length=128), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("numbers") as batch:
        batch.drop_column("created_by_change_id")
    with op.batch_alter_table("import_jobs") as batch:
        batch.drop_column("request_id")
        batch.drop_column("requested_by_email")
        batch.drop_column("requested_by_id")
    op.drop_table("changes")
