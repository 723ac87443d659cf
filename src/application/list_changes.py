"""Read the change history: one number's, or the whole log, newest first, a page at a time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from src.application.changes import Change, ChangeQuery, Subject
from src.application.errors import NumberNotFound
from src.application.ports import Clock, UnitOfWork, UnitOfWorkFactory


@dataclass(frozen=True)
class ChangesPage:
    items: tuple[Change, ...]
    following: int | None  # the id to page on from (`before_id`), when there is a next page


class ListChanges:
    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self._uow_factory = uow_factory

    def __call__(self, query: ChangeQuery, per_page: int, before_id: int | None = None) -> ChangesPage:
        with self._uow_factory() as uow:
            return _page(uow, query, per_page, before_id)


class NumberHistory:
    """One number's changes; still there once the number is deleted (the delete comes first)."""

    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self._uow_factory = uow_factory

    def __call__(self, number_id: int, per_page: int, before_id: int | None = None) -> ChangesPage:
        query = ChangeQuery(subjects=frozenset({Subject.NUMBER, Subject.IMPORT}), number_id=number_id)
        with self._uow_factory() as uow:
            page = _page(uow, query, per_page, before_id)
            # No history and no number: there never was one (a number older than the history
            # has an empty one). Past a cursor, an empty page says nothing of the rest.
            never_was = (
                not page.items
                and uow.numbers.get(number_id) is None
                and (before_id is None or not uow.changes.list(query, limit=1))
            )
            if never_was:
                raise NumberNotFound(number_id)
            return page


def _page(uow: UnitOfWork, query: ChangeQuery, per_page: int, before_id: int | None) -> ChangesPage:
    found = uow.changes.list(query, limit=per_page + 1, before_id=before_id)
    items = tuple(found[:per_page])
    following = items[-1].id if len(found) > per_page and items else None
    return ChangesPage(items, following)


class PruneChanges:
    """Retention: forget the changes older than so many days (none when not configured)."""

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow_factory = uow_factory
        self._clock = clock

    def __call__(self, retention_days: int) -> int:
        if retention_days <= 0:
            return 0
        with self._uow_factory() as uow:
            pruned = uow.changes.prune(self._clock() - timedelta(days=retention_days))
            uow.commit()
        return pruned
