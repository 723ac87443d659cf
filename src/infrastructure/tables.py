"""The database schema as SQLAlchemy Core tables; Alembic migrations create it, nothing else."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

from src.infrastructure.types import (
    E164,
    Amount,
    AsciiCode,
    CurrencyCode,
    EmailType,
    NumberResultJson,
    RoleType,
    UtcDateTime,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


def mapped_here(name: str | None, _type: str, _parents: object) -> bool:
    """Alembic's include_name: procrastinate's tables (its schema, applied by migration 0005) belong
    to the job queue, so autogenerate (`make revision`) neither maps nor drops them."""
    return not (name or "").startswith("procrastinate_")


numbers = Table(
    "numbers",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("e164", E164(), nullable=False),
    Column("monthly_price", Amount(), nullable=False),
    Column("setup_price", Amount(), nullable=False),
    Column("currency", CurrencyCode(), nullable=False),
    Column("version", Integer, nullable=False, server_default="1"),
    # ISO 3166 alpha-2 region, derived from the number on every write (None for non-geographic
    # numbers such as +800): stored so that the country filter is an index look-up.
    Column("country", AsciiCode(2), nullable=True),
    # The import that created the number (its record in `changes`), if one did: an import records
    # itself once, not once per number.
    Column("created_by_change_id", BigInteger, nullable=True),
    UniqueConstraint("e164"),
    CheckConstraint("monthly_price >= 0", name="monthly_price_not_negative"),
    CheckConstraint("setup_price >= 0", name="setup_price_not_negative"),
    # The table's filters and sorts (GET /numbers): each filter column leads an index that ends in
    # id, so "filter, then order by id" and keyset pages read only the rows they return.
    Index("ix_numbers_country_id", "country", "id"),
    Index("ix_numbers_currency_id", "currency", "id"),
    Index("ix_numbers_monthly_price_id", "monthly_price", "id"),
    Index("ix_numbers_setup_price_id", "setup_price", "id"),
    # `prefix` is a LIKE '+abc%' range scan of the unique index (e164's collation is "C"); `q`
    # (digits anywhere) is a trigram search, on PostgreSQL only (the migration creates it there).
    Index("ix_numbers_e164_trgm", "e164", postgresql_using="gin", postgresql_ops={"e164": "gin_trgm_ops"}),
    # An id is never given twice (ETags are "<id>.<version>"); PostgreSQL's sequences already
    # never go back, SQLite would otherwise reuse the highest id once it is deleted.
    sqlite_autoincrement=True,
)

# The first outcome of each create sent with an Idempotency-Key, until it expires; a key is the
# user's own (the same key from another user is another key).
idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("owner_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("key", String(255), primary_key=True),
    Column("fingerprint", String(64), nullable=False),
    Column("outcome", NumberResultJson(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False, index=True),
)

# Emails are stored lower-cased, so the unique constraint is case-insensitive.
users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("email", EmailType(), nullable=False),
    Column("password_hash", String(255), nullable=False),
    Column("role", RoleType(), nullable=False),
    Column("active", Boolean, nullable=False),
    UniqueConstraint("email"),
    CheckConstraint("role IN ('admin', 'supervisor', 'viewer')", name="role_known"),
    sqlite_autoincrement=True,
)

# Only the SHA-256 of each token; the secret itself is shown once, to its owner.
access_tokens = Table(
    "access_tokens",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("expires_at", UtcDateTime(), nullable=False),
    Column("revoked_at", UtcDateTime(), nullable=True),
)

# Login attempts per key (a digest of the client address, of address and account, or of the
# account): a counter per fixed window, raised in one atomic statement (src/application/issue_token.py).
login_attempts = Table(
    "login_attempts",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("window_started_at", UtcDateTime(), nullable=False, index=True),
    Column("attempts", Integer, nullable=False),
)

# Large imports run as jobs (src/application/import_jobs.py): the job's state, and the uploaded
# file in chunks that any worker can read back, deleted when the job ends (stored uncompressed on
# PostgreSQL, migration 0011: compressing took longer than storing).
import_jobs = Table(
    "import_jobs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("status", String(16), nullable=False),
    Column("mode", String(16), nullable=False),
    Column("bytes", BigInteger, nullable=False),
    Column("rows_done", Integer, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("report", JSON, nullable=True),
    Column("error", Text, nullable=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    # Who uploaded it: only they (and admins) see the job. None for jobs older than owners.
    Column("owner_id", Integer, nullable=True),
    # Who sent the file, for the change history of the numbers a worker creates from it.
    Column("requested_by_id", Integer, nullable=True),
    Column("requested_by_email", String(254), nullable=True),
    Column("request_id", String(128), nullable=True),
    CheckConstraint("status IN ('queued', 'running', 'succeeded', 'failed')", name="status_known"),
    sqlite_autoincrement=True,
)

# The change history (src/application/changes.py): appended to, never updated; old rows pruned.
# No foreign keys: a number's or user's history outlives it. `fields` is JSON text, written by
# Python or, for an import's rows, built by PostgreSQL itself.
changes = Table(
    "changes",
    metadata,
    Column("id", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True),
    Column("at", UtcDateTime(), nullable=False),
    Column("actor_id", Integer, nullable=True),
    Column("actor_email", String(254), nullable=True),
    Column("request_id", String(128), nullable=True),
    Column("action", String(16), nullable=False),
    Column("subject_type", String(16), nullable=False),
    Column("subject_id", Integer, nullable=True),
    Column("subject", String(512), nullable=False),
    Column("fields", Text, nullable=False),
    Column("bulk_change_id", BigInteger, nullable=True),
    Column("count", Integer, nullable=True),
    Column("import_id", BigInteger, nullable=True),  # on a delete: the import that created the number
    # A thing's history, newest first; the log filtered by number (E.164), action, actor or bulk
    # change, newest first; by age.
    Index("ix_changes_subject_id_id", "subject_id", "id"),
    Index("ix_changes_subject_id", "subject", "id"),
    Index("ix_changes_action_id", "action", "id"),
    Index("ix_changes_actor_email_id", "actor_email", "id"),
    Index(
        "ix_changes_bulk_change_id_id",
        "bulk_change_id",
        "id",
        postgresql_where=text("bulk_change_id IS NOT NULL"),
        sqlite_where=text("bulk_change_id IS NOT NULL"),
    ),
    Index("ix_changes_at", "at"),
)

import_job_chunks = Table(
    "import_job_chunks",
    metadata,
    Column("job_id", Integer, ForeignKey("import_jobs.id", ondelete="CASCADE"), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("data", LargeBinary, nullable=False),
)
