"""Reading the change history a page at a time, and its retention, against the fakes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from src.application.changes import SYSTEM, Action, Change, ChangeQuery
from src.application.errors import NumberNotFound
from src.application.list_changes import ListChanges, NumberHistory, PruneChanges
from tests.factories import NumberFactory
from tests.fakes import FakeUnitOfWork

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def record(uow: FakeUnitOfWork, number_id: int, at: datetime = NOW, action: Action = Action.PATCH) -> int:
    return uow.changes.add(Change(at, SYSTEM, action, number_id, "+5584912344321"))


def stored_number(uow: FakeUnitOfWork) -> int:
    number = NumberFactory()
    uow.numbers.add(number)
    assert number.id is not None
    return number.id


def test_a_numbers_history_is_its_own_changes_newest_first_a_page_at_a_time() -> None:
    uow = FakeUnitOfWork()
    number_id = stored_number(uow)
    first, second, third = (record(uow, number_id) for _ in range(3))
    record(uow, number_id + 1)  # another number's
    page = NumberHistory(uow)(number_id, per_page=2)
    assert ([change.id for change in page.items], page.following) == ([third, second], second)
    rest = NumberHistory(uow)(number_id, per_page=2, before_id=page.following)
    assert ([change.id for change in rest.items], rest.following) == ([first], None)


def test_a_page_holding_exactly_the_rest_says_there_is_no_next_one() -> None:
    uow = FakeUnitOfWork()
    number_id = stored_number(uow)
    older, newer = record(uow, number_id), record(uow, number_id)
    page = NumberHistory(uow)(number_id, per_page=2)
    assert ([change.id for change in page.items], page.following) == ([newer, older], None)


def test_a_number_older_than_the_history_has_an_empty_one() -> None:
    uow = FakeUnitOfWork()
    number_id = stored_number(uow)
    page = NumberHistory(uow)(number_id, per_page=5)
    assert (page.items, page.following) == ((), None)


def test_a_deleted_numbers_history_is_still_there() -> None:
    uow = FakeUnitOfWork()
    deleted = record(uow, 41, action=Action.DELETE)
    assert [change.id for change in NumberHistory(uow)(41, per_page=5).items] == [deleted]


def test_the_history_of_a_number_that_never_was_is_not_found() -> None:
    with pytest.raises(NumberNotFound, match=r"^there is no number with id 41$"):
        NumberHistory(FakeUnitOfWork())(41, per_page=5)


@pytest.mark.parametrize("before_id", [None, 1, 1000])
def test_the_history_of_a_number_that_never_was_is_not_found_past_a_cursor_either(
    before_id: int | None,
) -> None:
    uow = FakeUnitOfWork()
    record(uow, 42)  # another number's
    with pytest.raises(NumberNotFound):
        NumberHistory(uow)(41, per_page=5, before_id=before_id)


def test_paging_past_the_last_change_of_a_number_is_an_empty_page_not_an_error() -> None:
    uow = FakeUnitOfWork()
    first = record(uow, 41, action=Action.DELETE)
    page = NumberHistory(uow)(41, per_page=5, before_id=first)
    assert (page.items, page.following) == ((), None)


def test_the_whole_log_is_listed_with_the_query_given() -> None:
    uow = FakeUnitOfWork()
    patched = record(uow, 1)
    record(uow, 2, action=Action.DELETE)
    page = ListChanges(uow)(ChangeQuery(action=Action.PATCH), per_page=5)
    assert ([change.id for change in page.items], page.following) == ([patched], None)


@pytest.mark.parametrize("retention_days", [0, -1])
def test_without_a_retention_nothing_is_pruned(retention_days: int) -> None:
    uow = FakeUnitOfWork()
    record(uow, 1, at=NOW - timedelta(days=400))
    assert PruneChanges(uow, lambda: NOW)(retention_days) == 0
    assert len(uow.changes.changes) == 1


def test_retention_prunes_what_is_older_than_so_many_days_back_from_now() -> None:
    uow = FakeUnitOfWork()
    record(uow, 1, at=NOW - timedelta(days=2))
    kept = record(uow, 1, at=NOW - timedelta(hours=23))
    assert PruneChanges(uow, lambda: NOW)(1) == 1
    assert uow.committed
    assert [change.id for change in uow.changes.changes] == [kept]


class CountingReads(FakeUnitOfWork):
    """Notes how many changes each page asks the store for."""

    def __init__(self) -> None:
        super().__init__()
        self.limits: list[int] = []
        listed = self.changes.list

        def list_noting_the_limit(query: ChangeQuery, *, limit: int, before_id: int | None = None):  # type: ignore[no-untyped-def]
            self.limits.append(limit)
            return listed(query, limit=limit, before_id=before_id)

        self.changes.list = list_noting_the_limit  # type: ignore[method-assign]


def test_a_page_reads_one_change_more_than_it_shows_and_no_more() -> None:
    uow = CountingReads()
    number_id = stored_number(uow)
    for _ in range(10):
        record(uow, number_id)
    assert len(ListChanges(uow)(ChangeQuery(), per_page=3).items) == 3
    assert len(NumberHistory(uow)(number_id, per_page=4).items) == 4
    assert uow.limits == [4, 5]  # whether there is a next page, not the whole log
