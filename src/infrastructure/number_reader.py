"""The read side: numbers as the API shows them, by Core selects of plain columns.

No entity, no value object and no session per row: each row becomes the response's fields at
once. Pages and single numbers run on the autocommit engine (no BEGIN, no ROLLBACK); the stream
runs in a transaction, which the server-side cursor that keeps its memory bounded needs.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    Integer,
    Numeric,
    Select,
    String,
    bindparam,
    case,
    cast,
    exc,
    func,
    literal,
    literal_column,
    null,
    select,
    text,
    true,
    type_coerce,
)
from sqlalchemy.types import NullType

from src.application.access_tokens import AccessToken
from src.application.errors import StorageUnavailable
from src.application.number_listing import (
    EXACT_COUNT_LIMIT,
    Count,
    Listing,
    NumberFilter,
    Position,
    Sort,
    SortField,
    SortValue,
)
from src.application.ports import MAX_ID, NumberReader
from src.application.results import NumberRecord, NumberView, ViewPage
from src.domain.money import Currency, CurrencyCatalog
from src.domain.phone_numbers import international_format
from src.domain.users import User
from src.infrastructure import number_queries
from src.infrastructure.database import PREPARE, DirectRead, converted, result_conversions
from src.infrastructure.repositories import TOKEN_WITH_HOLDER, HolderRow, token_with_holder
from src.infrastructure.storage_errors import is_unavailable
from src.infrastructure.tables import numbers
from src.infrastructure.types import AmountText

STREAM_ROWS = 10_000
# A planner's estimate of a filter's matches changes only as fast as the statistics do: a process
# keeps each for this long, so that deep in a large listing a page costs one statement.
ESTIMATE_SECONDS = 30.0
# An estimate this many times over the exact bound is trusted to stay over it while it is fresh.
SURELY_LARGE = 10
MAX_STATEMENT_SHAPES = 512  # filters x sorts x keyset x page sizes: a few hundred in practice
_VIEW_COLUMNS = (
    numbers.c.id,
    numbers.c.version,
    type_coerce(numbers.c.e164, String).label("e164"),
    AmountText(numbers.c.monthly_price).label("monthly_price"),
    AmountText(numbers.c.setup_price).label("setup_price"),
    type_coerce(numbers.c.currency, String).label("currency"),
)
_VIEW_NAMES = [column.name for column in _VIEW_COLUMNS]
_ONE_NUMBER = (
    select(*_VIEW_COLUMNS).where(numbers.c.id == bindparam("number_id")).execution_options(**{PREPARE: True})
)
_HOLDER = TOKEN_WITH_HOLDER.subquery("holder")
_NUMBER = _ONE_NUMBER.subquery("number")
# Both, or either, or neither: a row always comes back, its missing half all NULL.
_ONE_WITH_HOLDER = (
    select(*_HOLDER.c, *_NUMBER.c)
    .select_from(
        select(literal(1).label("anchor"))
        .subquery("anchor")
        .outerjoin(_HOLDER, true())
        .outerjoin(_NUMBER, true())
    )
    .execution_options(**{PREPARE: True})
)
_PRICES = (SortField.MONTHLY_PRICE, SortField.SETUP_PRICE)  # read as text, compared as Decimals
_SORT_COLUMN_NAMES = {
    SortField.ID: "id",
    SortField.VALUE: "e164",
    SortField.MONTHLY_PRICE: "monthly_price",
    SortField.SETUP_PRICE: "setup_price",
}


class SqlAlchemyNumberReader(NumberReader):
    def __init__(self, read_engine: Engine, stream_engine: Engine, currencies: CurrencyCatalog) -> None:
        """`read_engine` in autocommit; `stream_engine` transactional (server-side cursors)."""
        self._engine = read_engine
        self._stream_engine = stream_engine
        self._postgresql = read_engine.dialect.name == "postgresql"
        self._symbols = {code: currencies.symbol(Currency(code)) for code in currencies.codes}
        self._estimates: dict[NumberFilter, tuple[float, int]] = {}
        self._estimates_lock = threading.Lock()
        self._page_reads: dict[tuple[object, ...], DirectRead] = {}
        self._page_reads_lock = threading.Lock()
        self._one_with_holder = DirectRead(read_engine, _ONE_WITH_HOLDER)
        self._holder_conversions = result_conversions(_HOLDER.c, read_engine.dialect)

    def one(self, number_id: int) -> NumberView | None:
        if not 0 < number_id <= MAX_ID:
            return None  # no such row, and asking would overflow the column type
        with self._connection() as connection:
            row = connection.execute(_ONE_NUMBER, {"number_id": number_id}).first()
        return None if row is None else self._view(row)

    def one_with_holder(
        self, number_id: int, token_hash: str
    ) -> tuple[tuple[AccessToken, User] | None, NumberView | None]:
        wanted = number_id if 0 < number_id <= MAX_ID else 0  # 0: no row, and no overflow
        with self._translated_errors():
            row = self._one_with_holder.first({"number_id": wanted, "token_hash": token_hash})
        assert row is not None  # the anchor's row always comes back
        holder, number = row[: len(_HOLDER.c)], row[len(_HOLDER.c) :]
        view = None if number[0] is None else self._view(number)
        return token_with_holder(HolderRow(*holder)), view

    def page(
        self, listing: Listing, per_page: int, *, offset: int = 0, after: Position | None = None
    ) -> ViewPage:
        return self._read_page(listing, per_page, offset, after, None)[1]

    def page_with_holder(
        self,
        listing: Listing,
        per_page: int,
        token_hash: str,
        *,
        offset: int = 0,
        after: Position | None = None,
    ) -> tuple[tuple[AccessToken, User] | None, ViewPage]:
        return self._read_page(listing, per_page, offset, after, token_hash)

    def _read_page(
        self, listing: Listing, per_page: int, offset: int, after: Position | None, token_hash: str | None
    ) -> tuple[tuple[AccessToken, User] | None, ViewPage]:
        known = self._known_large(listing.filter)
        with_holder = token_hash is not None
        read = self._page_read(
            listing, after, per_page, counted=known is None, with_holder=with_holder, skipping=offset > 0
        )
        values = number_queries.parameters(listing.filter)
        values["page_offset"] = offset
        if after is not None:
            values.update({f"after_{index}": value for index, value in enumerate(after.after)})
        if with_holder:
            values["token_hash"] = token_hash
        # Row layout: the holder's columns (with_holder only), `matching`, then the view's columns.
        matching_at = len(_HOLDER.c) if with_holder else 0
        view_start = matching_at + 1
        with self._translated_errors():
            rows = read.all(values)
        # A counted page, or one with the holder, brings a row even when the page is empty (the
        # count's, the holder's): the page's rows are those with an id.
        holder = self._holder_of(rows[0]) if with_holder else None
        if known is not None:
            total = Count(known, exact=False)
        elif rows[0][matching_at] <= EXACT_COUNT_LIMIT:
            total = Count(rows[0][matching_at])
        else:
            total = self._large_count(listing.filter)
        views = [row[view_start:] for row in rows if row[view_start] is not None]
        more = len(views) > per_page
        views = views[:per_page]
        following = Position(_position(views[-1], listing.sort)) if more else None
        return holder, ViewPage(tuple(self._view(view) for view in views), total, following)

    def _page_read(
        self,
        listing: Listing,
        after: Position | None,
        per_page: int,
        *,
        counted: bool,
        with_holder: bool,
        skipping: bool,
    ) -> DirectRead:
        """Built once per shape of listing (which filters, which sort, keyset or not, page size,
        counted or not, with the token's holder or not, with an offset or not) and run with each
        request's values: building this statement costs more than running it.

        Page 1 and keyset pages of a shape whose plan the values cannot change are prepared on
        the database: planning cost as much as running them. The page size is written into the
        statement, as a planner needs it to see that an index scan ends early; an `OFFSET` page
        is planned each time, as a plan for an unknown offset is planned for a large one."""
        shape = number_queries.shape(listing.filter, self._postgresql)
        key = (shape, listing.sort, after is not None, per_page, counted, with_holder, skipping)
        read = self._page_reads.get(key)
        if read is None:
            statement = self._build_page_statement(listing, after, per_page, counted, skipping)
            if with_holder:
                statement = _with_holder(statement, listing.sort)
            if not skipping and number_queries.plan_stable(listing):
                statement = statement.execution_options(**{PREPARE: True})
            read = DirectRead(self._engine, statement)
            with self._page_reads_lock:
                if len(self._page_reads) >= MAX_STATEMENT_SHAPES:
                    self._page_reads.clear()
                self._page_reads[key] = read
        return read

    def _build_page_statement(
        self, listing: Listing, after: Position | None, per_page: int, counted: bool, skipping: bool
    ) -> Select[Any]:
        conditions = number_queries.conditions(listing.filter, postgresql=self._postgresql)
        columns = _VIEW_COLUMNS if counted else (null().label("matching"), *_VIEW_COLUMNS)
        query = select(*columns).where(*conditions)
        if after is not None:
            query = query.where(number_queries.after(listing.sort, after))
        # One row more than the page says whether there is a next one.
        query = query.order_by(*number_queries.order(listing.sort)).limit(_written(per_page + 1))
        if skipping:
            query = query.offset(bindparam("page_offset"))
        if not counted:
            return query
        capped = select(numbers.c.id).where(*conditions).limit(_written(EXACT_COUNT_LIMIT + 1)).subquery()
        matching = select(func.count().label("matching")).select_from(capped).subquery()
        page = query.subquery()
        # The page and the bounded count in one statement: an empty page still brings the count.
        return (
            select(matching.c.matching, *page.c)
            .select_from(matching.outerjoin(page, true()))
            .order_by(*_order_on(page, listing.sort))
        )

    def stream(self, listing: Listing) -> Iterator[NumberRecord]:
        query = (
            select(
                type_coerce(numbers.c.e164, String),
                AmountText(numbers.c.monthly_price),
                AmountText(numbers.c.setup_price),
                type_coerce(numbers.c.currency, String),
            )
            .where(*number_queries.conditions(listing.filter, postgresql=self._postgresql))
            .order_by(*number_queries.order(listing.sort))
        )
        with self._translated_errors(), self._stream_engine.connect() as connection:
            result = connection.execute(query, execution_options={"yield_per": STREAM_ROWS})
            for partition in result.partitions():
                yield from map(NumberRecord._make, partition)

    def count(self, number_filter: NumberFilter) -> int:
        matching = select(numbers.c.id).where(
            *number_queries.conditions(number_filter, postgresql=self._postgresql)
        )
        with self._connection() as connection:
            return connection.scalar(select(func.count()).select_from(matching.subquery())) or 0

    def _holder_of(self, row: Sequence[Any]) -> tuple[AccessToken, User] | None:
        return token_with_holder(HolderRow(*converted(row[: len(_HOLDER.c)], self._holder_conversions)))

    def _view(self, row: Sequence[Any]) -> NumberView:
        number_id, version, e164, monthly_price, setup_price, currency = row
        return NumberView(
            number_id,
            version,
            international_format(e164),
            monthly_price,
            setup_price,
            self._symbols.get(currency, currency),
        )

    def _large_count(self, number_filter: NumberFilter) -> Count:
        """More than EXACT_COUNT_LIMIT match: PostgreSQL's planner estimate, never below what was
        seen; SQLite has no estimate to ask, and counts."""
        if not self._postgresql:
            return Count(self.count(number_filter))
        with self._connection() as connection:
            return Count(max(EXACT_COUNT_LIMIT + 1, self._estimate(connection, number_filter)), exact=False)

    def _known_large(self, number_filter: NumberFilter) -> int | None:
        """A fresh estimate far above the exact bound: then the bounded count would only say
        "more than EXACT_COUNT_LIMIT" again, and the page is read alone (one statement, no
        1,001-row count per request)."""
        with self._estimates_lock:
            kept = self._estimates.get(number_filter)
        if kept is None or time.monotonic() - kept[0] >= ESTIMATE_SECONDS:
            return None
        return kept[1] if kept[1] >= SURELY_LARGE * EXACT_COUNT_LIMIT else None

    def _estimate(self, connection: Connection, number_filter: NumberFilter) -> int:
        now = time.monotonic()
        with self._estimates_lock:
            kept = self._estimates.get(number_filter)
        if kept is not None and now - kept[0] < ESTIMATE_SECONDS:
            return kept[1]
        matching = select(numbers.c.id).where(
            *number_queries.conditions(number_filter, postgresql=self._postgresql)
        )
        estimate = _planned_rows(connection, matching)
        with self._estimates_lock:
            if len(self._estimates) > 1000:
                self._estimates.clear()  # many different filters: start over rather than grow
            self._estimates[number_filter] = (now, estimate)
        return estimate

    @contextmanager
    def _connection(self) -> Iterator[Connection]:
        with self._translated_errors(), self._engine.connect() as connection:
            yield connection

    @contextmanager
    def _translated_errors(self) -> Iterator[None]:
        try:
            yield
        except (exc.DBAPIError, exc.TimeoutError) as error:
            if is_unavailable(error):
                raise StorageUnavailable("the database cannot be reached") from error
            raise


def _with_holder(statement: Select[Any], sort: Sort) -> Select[Any]:
    """The token's holder on the page's first row; with no page row, or no holder, a row still
    comes back, its missing half all NULL (as for one number). Beside each of a page's rows, the
    holder's columns (two times, a password hash) cost the driver more than the row's own. They
    come untyped: `_holder_of` converts the first row's."""
    page = statement.subquery("page")
    order = _order_on(page, sort)
    first = func.row_number().over(order_by=order) == 1
    holder = (case((first, type_coerce(col, NullType())), else_=null()).label(col.name) for col in _HOLDER.c)
    return (
        select(*holder, *page.c)
        .select_from(
            select(literal(1).label("anchor"))
            .subquery("anchor")
            .outerjoin(_HOLDER, true())
            .outerjoin(page, true())
        )
        .order_by(*order)
    )


def _written(number: int) -> ColumnElement[int]:
    """A number written into the statement, not sent as a parameter: a planner that sees it knows
    that an index scan stops early."""
    return literal_column(str(number), Integer())


def _order_on(page: Any, sort: Sort) -> list[Any]:
    """The sort, on a page's columns, whose prices are text: ordered as the amounts they are."""
    result = []
    for key in sort.keys:
        column = page.c[_SORT_COLUMN_NAMES[key.field]]
        if key.field in _PRICES:
            column = cast(column, Numeric(8, 2))
        result.append(column.desc() if key.descending else column.asc())
    return result


def _position(view: Sequence[Any], sort: Sort) -> tuple[SortValue, ...]:
    """A row's sort values, from its view's columns."""
    values = [view[_VIEW_NAMES.index(_SORT_COLUMN_NAMES[key.field])] for key in sort.keys]
    return tuple(
        Decimal(value) if key.field in _PRICES else value
        for key, value in zip(sort.keys, values, strict=True)
    )


def _planned_rows(connection: Connection, query: Select[Any]) -> int:
    sql = query.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True})
    plan = connection.execute(text(f"EXPLAIN (FORMAT JSON) {sql}")).scalar_one()
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])
