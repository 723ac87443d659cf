"""Read the change history: one number's, or the whole log, newest first, a page at a time."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import timedelta

from src.application.changes import Change, ChangeQuery, ChangeRecord, Subject
from src.application.errors import ApplicationError, NumberNotFound
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


# One download of the change log carries at most this many records, so that it ends well within
# the app server's time for one request (harakiri, deploy/uwsgi.ini) at the rate docs/history.md
# measures (about 7 s for these), on a machine three times slower too.
EXPORT_LIMIT = 200_000


class TooManyToExport(ApplicationError):
    def __init__(self, limit: int) -> None:
        super().__init__(
            f"more than {limit:,} changes match, more than one download carries; narrow it with "
            "since and until (or another filter), and download the parts"
        )
        self.limit = limit


class ExportChanges:
    """Every change a query matches, newest first, read a page at a time as they are sent, so
    memory stays bounded. More than `limit` is refused before the first is sent: a download that
    long could outlast the app server's time for one request, and a stream cut short there still
    ends like a whole one."""

    PAGE = 5000

    def __init__(self, uow_factory: UnitOfWorkFactory, limit: int = EXPORT_LIMIT) -> None:
        self._uow_factory = uow_factory
        self._limit = limit

    def __call__(self, query: ChangeQuery) -> tuple[int, Iterator[ChangeRecord]]:
        """How many match, and the changes themselves: those there were when it began (the
        count and the first page are read together, and later pages go back from there)."""
        with self._uow_factory() as uow:
            first = uow.changes.records(query, limit=self.PAGE)
            newest = first[0].id + 1 if first else None
            total = uow.changes.count(query, up_to=self._limit + 1, before_id=newest)
        if total > self._limit:
            raise TooManyToExport(self._limit)
        return total, self._records(query, first)

    def _records(self, query: ChangeQuery, found: Sequence[ChangeRecord]) -> Iterator[ChangeRecord]:
        while True:
            yield from found
            if len(found) < self.PAGE:
                return
            with self._uow_factory() as uow:
                found = uow.changes.records(query, limit=self.PAGE, before_id=found[-1].id)


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
