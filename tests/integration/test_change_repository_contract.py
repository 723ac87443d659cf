"""The contract of the change history's port (and of the bulk update it goes with): the fake and
the SQLAlchemy implementation on SQLite and PostgreSQL answer alike, so the fake cannot drift."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from src.application.changes import (
    Action,
    Actor,
    Change,
    ChangeQuery,
    ChangeStamp,
    FieldChange,
    Subject,
)
from src.application.number_listing import NumberFilter
from src.application.ports import BulkOutcome, BulkValues, NewNumber, UnitOfWork
from src.domain.money import Currency, Money
from src.domain.numbers import Number
from src.domain.phone_numbers import PhoneNumber
from src.infrastructure.database import create_database_engine, create_session_factory
from src.infrastructure.orm import start_mappers
from src.infrastructure.unit_of_work import SqlAlchemyUnitOfWork
from tests.fakes import FakeUnitOfWork
from tests.integration.conftest import BACKENDS, empty_tables

T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
ANA = Actor(7, "ana@example.com", "req-1")
BRUNO = Actor(8, "bruno@example.com", "req-2")
EVERYTHING = ChangeQuery()
USD, BRL = Currency("USD"), Currency("BRL")


@pytest.fixture(params=[pytest.param("fake"), *BACKENDS])
def uow(request: pytest.FixtureRequest) -> Iterator[Callable[[], UnitOfWork]]:
    if request.param == "fake":
        fake = FakeUnitOfWork()
        yield fake
        return
    url: str = request.getfixturevalue(f"{request.param}_url")
    start_mappers()
    engine = create_database_engine(url)
    sessions = create_session_factory(engine)
    yield lambda: SqlAlchemyUnitOfWork(sessions)
    engine.dispose()
    empty_tables(url)


def real_uow(request: pytest.FixtureRequest, backend: str) -> Callable[[], UnitOfWork]:
    url: str = request.getfixturevalue(f"{backend}_url")
    start_mappers()
    engine = create_database_engine(url)
    sessions = create_session_factory(engine)
    request.addfinalizer(lambda: (engine.dispose(), empty_tables(url)))
    return lambda: SqlAlchemyUnitOfWork(sessions)


def the_fake_keeps(uow: Callable[[], UnitOfWork], number_filter: NumberFilter, ids: list[int]) -> None:
    """The fake does not apply filters (the stores' queries are the only filter rules): a test
    tells it which numbers a filter keeps, as the stores find for themselves."""
    if isinstance(uow, FakeUnitOfWork):
        uow.numbers.kept_by[number_filter] = list(ids)


def change(action: Action, subject_id: int | None, subject: str, **kwargs: object) -> Change:
    defaults: dict[str, object] = {
        "at": T0,
        "actor": ANA,
        "fields": {"monthyPrice": FieldChange("0.03", "0.05")},
    }
    defaults.update(kwargs)
    return Change(action=action, subject_id=subject_id, subject=subject, **defaults)  # type: ignore[arg-type]


def record(uow: Callable[[], UnitOfWork], *changes: Change) -> list[int]:
    with uow() as work:
        ids = [work.changes.add(item) for item in changes]
        work.commit()
    return ids


def listed(uow: Callable[[], UnitOfWork], query: ChangeQuery = EVERYTHING, **kwargs: object) -> list[Change]:
    with uow() as work:
        return list(work.changes.list(query, limit=kwargs.pop("limit", 100), **kwargs))  # type: ignore[arg-type]


def store(uow: Callable[[], UnitOfWork], *numbers: tuple[str, str, Currency]) -> list[int]:
    stored = []
    with uow() as work:
        for text, monthly, currency in numbers:
            number = Number(
                PhoneNumber.parse(text), Money(Decimal(monthly), currency), Money(Decimal("1.00"), currency)
            )
            work.numbers.add(number)
            stored.append(number.id or 0)
        work.commit()
    return stored


def test_a_recorded_change_reads_back_whole_and_newest_first(uow: Callable[[], UnitOfWork]) -> None:
    first, second = record(
        uow,
        change(Action.CREATE, 1, "+5584912344321", fields={"value": FieldChange(None, "+5584912344321")}),
        change(Action.PATCH, 1, "+5584912344321", actor=BRUNO, at=T0 + timedelta(minutes=1)),
    )
    assert second > first
    newest, oldest = listed(uow)
    assert (newest.id, newest.action, newest.actor, newest.at) == (
        second,
        Action.PATCH,
        BRUNO,
        T0 + timedelta(minutes=1),
    )
    assert newest.fields == {"monthyPrice": FieldChange("0.03", "0.05")}
    assert (oldest.subject_id, oldest.subject, oldest.fields) == (
        1,
        "+5584912344321",
        {"value": FieldChange(None, "+5584912344321")},
    )


def test_a_phone_number_finds_the_whole_history_of_the_number_holding_it(
    uow: Callable[[], UnitOfWork],
) -> None:
    (renumbered,) = store(uow, ("+5531987654321", "0.03", USD))  # was +5521987654321 until the PUT
    created, replaced, other = record(
        uow,
        change(Action.CREATE, renumbered, "+5521987654321"),
        change(Action.REPLACE, renumbered, "+5531987654321"),
        change(Action.CREATE, renumbered + 1, "+5521987654321"),  # another number took the old value
    )
    ids = lambda number: [item.id for item in listed(uow, ChangeQuery(number=number))]  # noqa: E731
    assert ids("+5531987654321") == [replaced, created]
    assert ids("+5521987654321") == [other, created]  # what had that value, when it had it


def test_a_phone_number_finds_the_whole_history_of_the_deleted_number_that_had_it_last(
    uow: Callable[[], UnitOfWork],
) -> None:
    created, replaced, deleted = record(
        uow,
        change(Action.CREATE, 500, "+5521987654321"),
        change(Action.REPLACE, 500, "+5531987654321"),
        change(Action.DELETE, 500, "+5531987654321"),
    )
    assert [item.id for item in listed(uow, ChangeQuery(number="+5531987654321"))] == [
        deleted,
        replaced,
        created,
    ]


def test_pages_go_on_before_the_last_id_seen(uow: Callable[[], UnitOfWork]) -> None:
    ids = record(uow, *(change(Action.PATCH, 1, "+5584912344321") for _ in range(5)))
    first_page = listed(uow, limit=2)
    assert [item.id for item in first_page] == ids[:-3:-1]
    rest = listed(uow, before_id=first_page[-1].id, limit=10)
    assert [item.id for item in rest] == ids[-3::-1]


def test_filters_keep_only_the_changes_asked_for(uow: Callable[[], UnitOfWork]) -> None:
    number, other, user, bulk = record(
        uow,
        change(Action.PATCH, 1, "+5584912344321"),
        change(Action.DELETE, 2, "+5584912344322", actor=BRUNO, at=T0 + timedelta(hours=1)),
        change(Action.USER_UPDATE, 7, "ana@example.com", fields={"role": FieldChange("viewer", "admin")}),
        change(Action.BULK_CHANGE, None, "all", count=2),
    )
    ids = lambda **kwargs: [item.id for item in listed(uow, ChangeQuery(**kwargs))]  # noqa: E731
    assert ids(number_id=1) == [number]
    assert ids(number="+5584912344322") == [other]
    assert ids(actor="bruno@example.com") == [other]
    assert ids(action=Action.BULK_CHANGE) == [bulk]
    assert ids(since=T0 + timedelta(minutes=30)) == [other]
    assert ids(until=T0 + timedelta(minutes=30)) == [bulk, user, number]
    assert ids(subjects=frozenset({Subject.NUMBER, Subject.BULK_CHANGE})) == [bulk, other, number]
    assert ids(number_id=7) == []  # a user's id is not a number's


def test_a_bulk_change_id_links_the_numbers_it_changed(uow: Callable[[], UnitOfWork]) -> None:
    stored = store(
        uow,
        ("+5584912344321", "0.03", USD),
        ("+5584912344322", "0.05", USD),
        ("+5584912344323", "0.04", USD),
    )
    the_fake_keeps(uow, NumberFilter(), stored)
    with uow() as work:
        bulk = work.changes.add(change(Action.BULK_CHANGE, None, "all", count=0))
        outcome = work.number_imports.set_where(
            NumberFilter(), BulkValues(Decimal("0.05")), ChangeStamp(T0, BRUNO), bulk, 3
        )
        assert outcome == BulkOutcome(matched=3, changed=2)
        work.changes.set_count(bulk, outcome.changed)
        work.commit()
    linked = listed(uow, ChangeQuery(bulk_change_id=bulk))
    assert [(item.subject, item.bulk_change_id, item.action, item.actor) for item in linked] == [
        ("+5584912344323", bulk, Action.BULK_UPDATE, BRUNO),
        ("+5584912344321", bulk, Action.BULK_UPDATE, BRUNO),
    ]
    assert linked[1].fields == {"monthyPrice": FieldChange("0.03", "0.05")}
    assert listed(uow, ChangeQuery(action=Action.BULK_CHANGE))[0].count == 2
    with uow() as work:
        texts = [record.fields for record in work.changes.records(ChangeQuery(bulk_change_id=bulk), limit=9)]
    assert texts == [json.dumps(json.loads(text)) for text in texts]  # written as every other record is
    with uow() as work:
        versions = [number.version for number in map(work.numbers.get, stored) if number is not None]
    assert versions == [2, 1, 2]  # the number at the price already kept its version (and ETag)


def test_a_bulk_change_expecting_another_count_writes_nothing(uow: Callable[[], UnitOfWork]) -> None:
    stored = store(uow, ("+5584912344321", "0.03", USD), ("+5584912344322", "0.04", USD))
    the_fake_keeps(uow, NumberFilter(), stored)
    with uow() as work:
        outcome = work.number_imports.set_where(
            NumberFilter(), BulkValues(Decimal("0.05")), ChangeStamp(T0, BRUNO), 99, 3
        )
        assert outcome == BulkOutcome(matched=2, changed=0)
        work.commit()  # even committed, a refused bulk change wrote nothing
    assert listed(uow, ChangeQuery(bulk_change_id=99)) == []
    with uow() as work:
        found = [number for number in map(work.numbers.get, stored) if number is not None]
        assert [(number.monthly_price.amount, number.version) for number in found] == [
            (Decimal("0.03"), 1),
            (Decimal("0.04"), 1),
        ]


def test_numbers_an_import_created_link_to_its_record_even_once_deleted(
    uow: Callable[[], UnitOfWork],
) -> None:
    with uow() as work:
        import_id = work.changes.add(change(Action.IMPORT, None, "skip-invalid import", fields={}, count=0))
        new = [
            (PhoneNumber.parse(f"+558491234432{n}"), Money(Decimal("0.03"), USD), Money(Decimal("1.00"), USD))
            for n in (1, 2)
        ]
        assert work.number_imports.add_new(new, import_id) == set()
        work.changes.set_count(import_id, 2)
        work.commit()
    first, second = store_ids(uow, new)
    (own,) = record(uow, change(Action.PATCH, first, "+5584912344321", at=T0 + timedelta(minutes=1)))
    with uow() as work:
        assert (work.changes.import_of(first), work.changes.import_of(second)) == (import_id, import_id)
        assert work.changes.import_of(2147483647) is None
    history = listed(uow, ChangeQuery(number_id=first))
    assert [(item.id, item.action) for item in history] == [(own, Action.PATCH), (import_id, Action.IMPORT)]
    assert (history[1].count, history[1].actor, history[1].subject_type) == (2, ANA, Subject.IMPORT)
    assert [item.id for item in listed(uow, ChangeQuery(number="+5584912344322"))] == [import_id]
    with uow() as work:
        number = work.numbers.get(second)
        assert number is not None
        work.numbers.delete(number)
        work.changes.add(
            change(Action.DELETE, second, "+5584912344322", import_id=import_id, at=T0 + timedelta(hours=1))
        )
        work.commit()
    after_delete = listed(uow, ChangeQuery(number_id=second))
    assert [item.action for item in after_delete] == [Action.DELETE, Action.IMPORT]
    assert after_delete[0].import_id == import_id
    assert [item.action for item in listed(uow, ChangeQuery(number="+5584912344322"))] == [
        Action.DELETE,
        Action.IMPORT,
    ]


def store_ids(uow: Callable[[], UnitOfWork], new: list[NewNumber]) -> list[int]:
    with uow() as work:
        found = [work.numbers.get_by_phone_number(phone_number) for phone_number, _, _ in new]
        return [number.id or 0 for number in found if number is not None]


def test_prune_forgets_only_the_older_changes(uow: Callable[[], UnitOfWork]) -> None:
    _, recent = record(
        uow,
        change(Action.PATCH, 1, "+5584912344321", at=T0 - timedelta(days=40)),
        change(Action.PATCH, 1, "+5584912344321", at=T0),
    )
    with uow() as work:
        assert work.changes.prune(T0 - timedelta(days=30)) == 1
        work.commit()
    assert [item.id for item in listed(uow)] == [recent]


def test_set_where_changes_the_matching_numbers_and_tells_before_and_after(
    uow: Callable[[], UnitOfWork],
) -> None:
    brazil, _, other_brazil = store(
        uow,
        ("+5584912344321", "0.03", USD),
        ("+14155552671", "0.03", USD),
        ("+5584912344322", "0.07", USD),
    )
    the_fake_keeps(uow, NumberFilter(country="BR"), [brazil, other_brazil])
    with uow() as work:
        values = BulkValues(monthly_price=Decimal("0.05"), currency=BRL)
        outcome = work.number_imports.set_where(
            NumberFilter(country="BR"), values, ChangeStamp(T0, ANA), 99, 2
        )
        assert outcome == BulkOutcome(matched=2, changed=2)
        work.commit()
    by_id = {item.subject_id: item for item in listed(uow, ChangeQuery(bulk_change_id=99))}
    assert set(by_id) == {brazil, other_brazil}
    assert by_id[brazil].fields == {
        "monthyPrice": FieldChange("0.03", "0.05"),
        "currency": FieldChange("USD", "BRL"),
    }
    assert by_id[other_brazil].fields["monthyPrice"] == FieldChange("0.07", "0.05")
    assert (by_id[brazil].actor, by_id[brazil].at, by_id[brazil].subject) == (ANA, T0, "+5584912344321")
    with uow() as work:
        stored = work.numbers.get(brazil)
        assert stored is not None
        assert (stored.monthly_price, stored.setup_price, stored.version) == (
            Money(Decimal("0.05"), BRL),
            Money(Decimal("1.00"), BRL),
            2,
        )


@pytest.mark.parametrize("backend", BACKENDS)
def test_set_where_matches_by_the_values_before_it_changes_them(
    backend: str, request: pytest.FixtureRequest
) -> None:
    # Which numbers a filter keeps is the stores' alone: the fake is told (see `the_fake_keeps`).
    uow = real_uow(request, backend)
    cheap, _ = store(uow, ("+5584912344321", "0.03", USD), ("+5584912344322", "0.09", USD))
    with uow() as work:
        values = BulkValues(monthly_price=Decimal("0.50"))
        outcome = work.number_imports.set_where(
            NumberFilter(monthly_max=Decimal("0.05")), values, ChangeStamp(T0, ANA), 7, 1
        )
        assert outcome == BulkOutcome(matched=1, changed=1)
        work.commit()
    changed = listed(uow, ChangeQuery(bulk_change_id=7))
    assert [(item.subject_id, item.fields["monthyPrice"].after) for item in changed] == [(cheap, "0.50")]
