"""A listing (filter, sort, keyset position) as SQL on the numbers table, the same on every database.

Each filter is a condition an index of the table answers on PostgreSQL (tables.py): `q` a trigram
LIKE '%digits%', `prefix` a LIKE '+digits%' range, the others equalities or ranges.
"""

from __future__ import annotations

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Integer,
    and_,
    any_,
    bindparam,
    cast,
    false,
    func,
    or_,
    select,
    tuple_,
)
from sqlalchemy.sql.elements import BindParameter, UnaryExpression

from src.application.number_listing import Listing, NumberFilter, Position, Sort, SortField
from src.infrastructure.tables import numbers

SORT_COLUMNS = {
    SortField.ID: numbers.c.id,
    SortField.VALUE: numbers.c.e164,
    SortField.MONTHLY_PRICE: numbers.c.monthly_price,
    SortField.SETUP_PRICE: numbers.c.setup_price,
}


# From this many digits on, `q` matches few numbers, yet PostgreSQL's estimate for LIKE '%...%'
# comes from a sample of the table and now and then says 1 %: it then walks the id index testing
# every row for the page (100+ ms at a million rows, one ANALYZE in three in `make bench-table`).
# Their ids are found through the trigram index first, as one array, so the plan cannot tip.
FEW_MATCHES_DIGITS = 5


def conditions(number_filter: NumberFilter, postgresql: bool = False) -> list[ColumnElement[bool]]:
    """The filter as conditions whose values are named parameters (see `parameters`), so that a
    statement built once for a filter's shape can run again with other values."""
    f = number_filter
    values = parameters(f)
    found: list[ColumnElement[bool]] = []

    def value(name: str, column: ColumnElement[object]) -> BindParameter[object]:
        # The column's type, so that its bind processing applies (SQLite stores cents).
        return bindparam(name, values[name], type_=column.type)

    if f.digits is not None:  # digits only (parsed), so nothing in them is a LIKE wildcard
        contains = numbers.c.e164.like(value("q_pattern", numbers.c.e164))
        if few_matches(f, postgresql):
            matched = select(func.array_agg(numbers.c.id)).where(contains).scalar_subquery()
            found.append(numbers.c.id == any_(cast(matched, ARRAY(Integer))))  # one array, not rows
        else:
            found.append(contains)
    if f.prefix is not None:
        found.append(numbers.c.e164.like(value("prefix_pattern", numbers.c.e164)))
    if f.country is not None:
        found.append(numbers.c.country == value("country", numbers.c.country))
    if f.currency is not None:
        found.append(numbers.c.currency == value("currency", numbers.c.currency))
    if f.monthly_min is not None:
        found.append(numbers.c.monthly_price >= value("monthly_min", numbers.c.monthly_price))
    if f.monthly_max is not None:
        found.append(numbers.c.monthly_price <= value("monthly_max", numbers.c.monthly_price))
    if f.setup_min is not None:
        found.append(numbers.c.setup_price >= value("setup_min", numbers.c.setup_price))
    if f.setup_max is not None:
        found.append(numbers.c.setup_price <= value("setup_max", numbers.c.setup_price))
    return found


def parameters(number_filter: NumberFilter) -> dict[str, object]:
    """The values of the filter's conditions, by the names `conditions` gives them."""
    f = number_filter
    given = {
        "q_pattern": None if f.digits is None else f"%{f.digits}%",
        "prefix_pattern": None if f.prefix is None else f"+{f.prefix}%",
        "country": f.country,
        "currency": f.currency,
        "monthly_min": f.monthly_min,
        "monthly_max": f.monthly_max,
        "setup_min": f.setup_min,
        "setup_max": f.setup_max,
    }
    return {name: value for name, value in given.items() if value is not None}


def shape(number_filter: NumberFilter, postgresql: bool) -> tuple[object, ...]:
    """What decides the SQL of `conditions` (not the values): which conditions, and which form."""
    return (*parameters(number_filter), few_matches(number_filter, postgresql))


def plan_stable(listing: Listing) -> bool:
    """Whether one plan serves every value of the listing's shape, so that its statement may be
    prepared once (PostgreSQL may then plan it once for all values): no pattern (`q`, `prefix`:
    only a constant LIKE pattern becomes an index range), and ranges only on the column the
    listing is sorted by first, whose index then serves the range whatever its width."""
    f = listing.filter
    if f.digits is not None or f.prefix is not None:
        return False
    first = listing.sort.keys[0].field
    monthly = f.monthly_min is not None or f.monthly_max is not None
    setup = f.setup_min is not None or f.setup_max is not None
    return (not monthly or first is SortField.MONTHLY_PRICE) and (not setup or first is SortField.SETUP_PRICE)


def few_matches(number_filter: NumberFilter, postgresql: bool) -> bool:
    return postgresql and number_filter.digits is not None and len(number_filter.digits) >= FEW_MATCHES_DIGITS


def order(sort: Sort) -> list[UnaryExpression[object]]:
    return [
        SORT_COLUMNS[key.field].desc() if key.descending else SORT_COLUMNS[key.field].asc()
        for key in sort.keys
    ]


def after(sort: Sort, position: Position) -> ColumnElement[bool]:
    """Rows that come after `position` in `sort` (its values are the parameters after_0, after_1...).

    When every key runs one way, a row-value comparison, `(price, id) > (:price, :id)`, which an
    index on (price, id) answers as a range: page 20,000 costs what page 1 does. Mixed directions
    need the expanded form, led by a bound on the first key so that an index still starts there.
    """
    columns = [SORT_COLUMNS[key.field] for key in sort.keys]
    values = [
        bindparam(f"after_{index}", value, type_=column.type)
        for index, (column, value) in enumerate(zip(columns, position.after, strict=True))
    ]
    directions = {key.descending for key in sort.keys}
    if len(directions) == 1:
        (descending,) = directions
        left, right = tuple_(*columns), tuple_(*values)
        return left < right if descending else left > right
    branches: list[ColumnElement[bool]] = []
    for index, key in enumerate(sort.keys):
        equal_before = [
            column == value for column, value in zip(columns[:index], values[:index], strict=True)
        ]
        beyond = columns[index] < values[index] if key.descending else columns[index] > values[index]
        branches.append(and_(*equal_before, beyond))
    first = sort.keys[0]
    lead = columns[0] <= values[0] if first.descending else columns[0] >= values[0]
    return and_(lead, or_(false(), *branches))
