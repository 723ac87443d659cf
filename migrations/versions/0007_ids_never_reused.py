"""Ids are never reused: SQLite tables whose ids reach clients get AUTOINCREMENT.

Without it SQLite gives a new row max(id) + 1, so after deleting the newest number the next one
gets its id, and with it the ETag ("<id>.<version>") a client may still hold for the deleted one:
that client's If-Match would then change or delete a number it never saw. PostgreSQL's sequences
never go back, so nothing changes there.

SQLite cannot alter a column's AUTOINCREMENT: each table is rebuilt (copied into a new table and
renamed), keeping its rows and ids; the counter starts after the highest id kept. Ids freed
before this migration, above that highest one, cannot be known and may be given once more.

Revision ID: 0007
Revises: 0008
Create Date: 2026-12-01
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The tables whose ids clients see: numbers (and their ETags), users, import jobs.
TABLES = ("numbers", "users", "import_jobs")


def upgrade() -> None:
    _rebuild(autoincrement=True)


def downgrade() -> None:
    _rebuild(autoincrement=False)


def _rebuild(*, autoincrement: bool) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table in TABLES:
        with op.batch_alter_table(
            table, recreate="always", table_kwargs={"sqlite_autoincrement": autoincrement}
        ):
            pass
