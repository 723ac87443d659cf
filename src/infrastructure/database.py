"""Engines and sessions, built by the composition root: nothing here runs at import."""

from __future__ import annotations

import itertools
import re
import select
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Dialect,
    Engine,
    Select,
    create_engine,
    event,
    exc,
    make_url,
    text,
)
from sqlalchemy.orm import Session, sessionmaker

from src.application.errors import StorageUnavailable

# Bounded waits, so that a database that is down answers 503 quickly instead of hanging requests.
CONNECT_TIMEOUT_SECONDS = 3
POOL_TIMEOUT_SECONDS = 5
SQLITE_BUSY_TIMEOUT_MS = 5000
# Held by whoever runs the migrations on PostgreSQL (migrations/env.py), so that replicas starting
# together migrate one at a time. Any constant bigint, the same everywhere.
MIGRATION_LOCK_KEY = 0x6E756D73
# An execution option: `statement.execution_options(prepare=True)` runs the statement as a
# server-side prepared statement on PostgreSQL (planned once per connection, not per request).
# Only for statements whose plan does not depend on their values: PostgreSQL may switch to one
# generic plan for all values after five runs.
PREPARE = "prepare"
MAX_PREPARED_PER_CONNECTION = 512
_NAMED_PARAMETER = re.compile(r"%\((\w+)\)s")
_PREPARED, _PREPARING, _PREPARED_NAMES = "prepared_statements", "preparing_statement", "prepared_names"


def create_database_engine(url: str, *, autocommit: bool = False, prepared: bool = False) -> Engine:
    """`autocommit`: every statement commits on its own (no BEGIN, no ROLLBACK round trips), for
    the read-only session factory. An engine of its own, so that no pooled connection ever has to
    switch modes (a switch on check-in can fail on a dead connection, outside any unit of work).
    `prepared`: statements marked PREPARE run prepared (PostgreSQL with psycopg2); others ignore
    the mark."""
    parsed = make_url(url)
    isolation = {"isolation_level": "AUTOCOMMIT"} if autocommit else {}
    if parsed.get_backend_name() == "sqlite":
        return _create_sqlite_engine(url, isolation)
    connect_args: dict[str, Any] = {}
    psycopg2 = parsed.get_driver_name() == "psycopg2"
    if psycopg2:
        connect_args["connect_timeout"] = CONNECT_TIMEOUT_SECONDS
    engine = create_engine(
        url,
        # Errors never carry the statement's values (password hashes, emails) into a log line.
        hide_parameters=True,
        # Without psycopg2 (no socket to look at), the classic ping: one round trip per checkout.
        pool_pre_ping=not psycopg2,
        pool_timeout=POOL_TIMEOUT_SECONDS,
        connect_args=connect_args,
        **isolation,
    )
    if psycopg2:
        event.listen(engine, "checkout", _discard_if_hung_up)
    if psycopg2 and prepared:
        event.listen(engine, "before_cursor_execute", _run_prepared, retval=True)
        event.listen(engine, "after_cursor_execute", _count_as_prepared)
    return engine


def _run_prepared(
    connection: Connection,
    cursor: Any,
    statement: str,
    parameters: Any,
    context: Any,
    executemany: bool,
) -> tuple[str, Any]:
    """A statement marked PREPARE runs as `_prepared_form` says. A preparation is counted only
    once its run succeeded (`_count_as_prepared`)."""
    if executemany or not context.execution_options.get(PREPARE):
        return statement, parameters
    run, preparing = _prepared_form(connection.info, statement)
    if preparing is not None:
        connection.info[_PREPARING] = (context, statement, preparing)
    return run, parameters


def _prepared_form(info: dict[Any, Any], statement: str) -> tuple[str, str | None]:
    """What to run for `statement` on a connection whose pool record is `info`, and, if that run
    prepares it, the EXECUTE to record once the run succeeded. The first time a connection runs it:
    `PREPARE name AS ...; EXECUTE name(values)`, one round trip; then `EXECUTE name(values)`: for
    the reads of every request, PostgreSQL's planning cost as much as running them. SQLAlchemy
    clears the record whenever it opens a new connection; names are never reused on a connection,
    so a failed run cannot leave a clash."""
    prepared: dict[str, str] = info.setdefault(_PREPARED, {})
    execute = prepared.get(statement)
    if execute is not None:
        return execute, None
    first = ""
    if len(prepared) >= MAX_PREPARED_PER_CONNECTION:
        first = "DEALLOCATE ALL; "
        prepared.clear()
    names = list(dict.fromkeys(_NAMED_PARAMETER.findall(statement)))
    numbered = _NAMED_PARAMETER.sub(lambda match: f"${names.index(match.group(1)) + 1}", statement)
    name = f"read_{next(info.setdefault(_PREPARED_NAMES, itertools.count()))}"
    values = ", ".join(f"%({parameter})s" for parameter in names)
    execute = f"EXECUTE {name}({values})" if names else f"EXECUTE {name}"
    return f"{first}PREPARE {name} AS {numbered}; {execute}", execute


def _count_as_prepared(
    connection: Connection, _cursor: Any, _statement: str, _parameters: Any, context: Any, _many: bool
) -> None:
    """After a run that succeeded: if it was the one that prepared, its statement is prepared now.
    Any other run, marked or not, leaves a failed preparation uncounted."""
    preparing = connection.info.get(_PREPARING)
    if preparing is not None and preparing[0] is context:
        _context, statement, execute = connection.info.pop(_PREPARING)
        connection.info[_PREPARED][statement] = execute


class DirectRead:
    """A statement that requests run often, run on a pooled connection's driver directly with
    psycopg2: past the engine's execution path (its Connection, execution context, events and
    result), which was a fifth of a GET's Python. Marked PREPARE, it runs prepared as the engine
    would run it, on the same record of the connection. Its values go through their bind types and
    its rows come back as tuples with the statement's result types applied, as the engine would do.
    Errors come out as the engine's do (DBAPIError, a lost connection invalidated), so callers
    translate them the same way. Other drivers go through the engine."""

    def __init__(self, engine: Engine, statement: Select[Any]) -> None:
        self._engine = engine
        self._statement = statement
        dialect = engine.dialect
        self._direct = dialect.driver == "psycopg2"
        compiled = statement.compile(dialect=dialect)
        self._sql = str(compiled)
        self._bind_conversions = {
            name: convert
            for name, bind in compiled.binds.items()
            if (convert := bind.type.dialect_impl(dialect).bind_processor(dialect)) is not None
        }
        self._constants = self._bound({k: v for k, v in compiled.params.items() if v is not None})
        self._prepared = bool(statement.get_execution_options().get(PREPARE)) and event.contains(
            engine, "before_cursor_execute", _run_prepared
        )
        self._conversions = result_conversions(statement.selected_columns, dialect)

    def first(self, values: dict[str, Any]) -> tuple[Any, ...] | None:
        rows = self.all(values)
        return rows[0] if rows else None

    def all(self, values: dict[str, Any]) -> Sequence[tuple[Any, ...]]:
        if not self._direct:
            with self._engine.connect() as connection:
                return [tuple(row) for row in connection.execute(self._statement, values)]
        rows = self._run({**self._constants, **self._bound(values)})
        if not self._conversions:
            return rows
        return [converted(row, self._conversions) for row in rows]

    def _bound(self, values: dict[str, Any]) -> dict[str, Any]:
        for name, convert in self._bind_conversions.items():
            if name in values:
                values = {**values, name: convert(values[name])}
        return values

    def _run(self, parameters: dict[str, Any]) -> Sequence[tuple[Any, ...]]:
        dialect = self._engine.dialect
        error_class = dialect.loaded_dbapi.Error
        try:
            connection = self._engine.raw_connection()
        except error_class as error:  # connecting failed: the pool hands on the driver's error
            raise exc.DBAPIError.instance(None, None, error, error_class, dialect=dialect) from error
        cursor = None
        try:
            cursor = connection.cursor()
            run, preparing = (
                _prepared_form(connection.info, self._sql) if self._prepared else (self._sql, None)
            )
            cursor.execute(run, parameters)
            rows: Sequence[tuple[Any, ...]] = cursor.fetchall()
            if preparing is not None:
                connection.info[_PREPARED][self._sql] = preparing
            return rows
        except error_class as error:
            lost = dialect.is_disconnect(error, connection.dbapi_connection, cursor)
            if lost:
                connection.invalidate(error)
            raise exc.DBAPIError.instance(
                self._sql,
                None,
                error,
                error_class,
                hide_parameters=True,
                connection_invalidated=lost,
                dialect=dialect,
            ) from error
        finally:
            if cursor is not None:
                cursor.close()
            connection.close()


Conversions = list[tuple[int, Callable[[Any], Any]]]


def result_conversions(columns: Iterable[ColumnElement[Any]], dialect: Dialect) -> Conversions:
    """What the engine would do to the values of these columns from the driver: (position,
    conversion) for each column that has one."""
    conversions = (column.type.dialect_impl(dialect).result_processor(dialect, None) for column in columns)
    return [(index, convert) for index, convert in enumerate(conversions) if convert is not None]


def converted(row: Sequence[Any], conversions: Conversions) -> tuple[Any, ...]:
    values = list(row)
    for index, convert in conversions:
        values[index] = convert(values[index])
    return tuple(values)


def _discard_if_hung_up(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    """A pooled connection that the server has closed (a restart, a terminated backend) is replaced
    before use, as pool_pre_ping would do, but without its round trip: an idle connection has
    nothing to read, so a socket that is readable, hung up or in error has heard the server say
    goodbye (or something unexpected: either way a fresh connection is the safe answer).
    A server that vanishes without a word looks alive here, as it did to the ping, which then hung
    until the TCP timeout; the query does the same, and the pool's error handling takes over."""
    if dbapi_connection.closed:
        raise exc.DisconnectionError("the connection was closed")
    poller = select.poll()
    poller.register(dbapi_connection.fileno(), select.POLLIN | select.POLLPRI)
    if poller.poll(0):
        raise exc.DisconnectionError("the server closed the connection while it was pooled")


def _create_sqlite_engine(url: str, isolation: dict[str, Any]) -> Engine:
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url, hide_parameters=True, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}, **isolation
    )
    writes = not isolation

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        # WAL lets the dev server's threads read while one writes.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")  # so a deleted user's tokens go with them
        cursor.close()
        if writes:
            # The driver would otherwise open transactions itself, lazily, at the first write.
            dbapi_connection.isolation_level = None

    if writes:

        @event.listens_for(engine, "begin")
        def _take_the_write_lock(connection: Connection) -> None:
            """A unit of work reads, decides, then writes: under SQLite's default (deferred)
            transactions two of them may read one version and both write, each checking a version
            it read before the other's commit. Taking the write lock at BEGIN makes writers take
            turns, each reading what the previous one committed, as row locks and the version check
            do on PostgreSQL. Readers are not held back (WAL, and reads use the autocommit engine)."""
            connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def create_session_factory(engine: Engine, *, read_only: bool = False) -> sessionmaker[Session]:
    """Sessions for units of work. `read_only` ones, on an autocommit engine, run each statement
    on its own: no BEGIN and no ROLLBACK round trips, the same snapshot per statement as READ
    COMMITTED gives, and nothing written (ReadOnlySession refuses to flush a change)."""
    # Results are built before commit; expiring on commit would only cost reloads.
    if read_only:
        return sessionmaker(bind=engine, class_=ReadOnlySession, expire_on_commit=False, autoflush=False)
    return sessionmaker(bind=engine, expire_on_commit=False)


class ReadOnlySession(Session):
    """A session for use cases that only read: in autocommit a flush would be a write that no
    rollback undoes, so any change is refused before it reaches the database."""

    def flush(self, objects: Any = None) -> None:
        if self.new or self.dirty or self.deleted:
            raise ReadOnlyViolation("a read-only unit of work cannot write")
        super().flush(objects)


class ReadOnlyViolation(RuntimeError):
    """A bug: a use case that writes was given read-only units of work."""


def ping(engine: Engine) -> None:
    """Raise StorageUnavailable unless the database answers a trivial query."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except (exc.DBAPIError, exc.TimeoutError) as error:
        raise StorageUnavailable("the database does not answer") from error
