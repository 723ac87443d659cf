"""Read the change history: one number's, or the whole log, newest first, a page at a time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from src.application.changes import Change, ChangeQuery
from src.application.ports import Clock, UnitOfWorkFactory


@dataclass(frozen=True)
class ChangesPage:
    items: tuple[Change, ...]
    following: int | None  # the id to page on from (`before_id`), when there is a next page


class ListChanges:
    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self._uow_factory = uow_factory

    def __call__(self, query: ChangeQuery, per_page: int, before_id: int | None = None) -> ChangesPage:
        with self._uow_factory() as uow:
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
