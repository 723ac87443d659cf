"""Import many numbers at once (a supplier's CSV file): every row checked by the same rules as a
create, valid rows stored in bulk, every bad row reported by its line."""

from __future__ import annotations

import gc
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol, runtime_checkable

from src.application.changes import Action, Actor, Change, History, utc_now
from src.application.errors import ApplicationError
from src.application.number_fields import NumberData
from src.application.ports import NewNumber, UnitOfWork, UnitOfWorkFactory
from src.domain.errors import InvalidFields
from src.domain.money import CurrencyCatalog


class ImportMode(StrEnum):
    ALL_OR_NOTHING = "all-or-nothing"  # any bad row: nothing is stored
    SKIP_INVALID = "skip-invalid"  # the valid rows are stored, the bad ones reported


@dataclass(frozen=True)
class ImportRow:
    """A row of the file: its data, or why it could not even be read as one (e.g. a missing column)."""

    line: int
    data: NumberData | None = None
    error: str | None = None


@runtime_checkable
class NotedRows(Protocol):
    """Rows that, once read, have something to say about the file as a whole."""

    notes: list[str]

    def __iter__(self) -> Iterator[ImportRow]: ...


@dataclass(frozen=True)
class RowError:
    line: int
    field: str
    message: str


@dataclass(frozen=True)
class ImportReport:
    received: int
    created: int
    errors: tuple[RowError, ...]
    errors_omitted: int = 0  # errors past the reported maximum, counted only
    notes: tuple[str, ...] = ()  # about the file as a whole, e.g. columns that were ignored

    @property
    def skipped(self) -> int:
        return self.received - self.created


class ImportRejected(ApplicationError):
    """All-or-nothing, and some rows were bad: nothing was stored."""

    def __init__(self, report: ImportReport, invalid_rows: int) -> None:
        super().__init__(
            f"{invalid_rows} of {report.received} rows are invalid, so nothing was stored; "
            "fix them, or import with mode=skip-invalid to store the valid rows"
        )
        self.report = report


@dataclass
class _Tally:
    max_errors: int
    received: int = 0
    created: int = 0
    invalid_rows: int = 0
    errors: list[RowError] = field(default_factory=list)
    errors_omitted: int = 0
    notes: list[str] = field(default_factory=list)

    def reject(self, line: int, errors: Iterable[tuple[str, str]]) -> None:
        self.invalid_rows += 1
        for field_name, message in errors:
            if len(self.errors) < self.max_errors:
                self.errors.append(RowError(line, field_name, message))
            else:
                self.errors_omitted += 1

    def report(self) -> ImportReport:
        # Duplicates with the inventory are found a batch later than the batch's own errors.
        errors = tuple(sorted(self.errors, key=lambda error: error.line))
        return ImportReport(self.received, self.created, errors, self.errors_omitted, tuple(self.notes))


Progress = Callable[[int], None]  # told how many rows are done, after each batch


class ImportNumbers:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        currencies: CurrencyCatalog,
        batch_size: int = 5000,
        max_reported_errors: int = 1000,
        overlap_writes: bool = False,
        history: History | None = None,
    ) -> None:
        self._uow_factory = uow_factory
        self._currencies = currencies
        self._batch_size = batch_size
        self._max_reported_errors = max_reported_errors
        self._overlap_writes = overlap_writes  # store on a second thread (a server database only)
        self._history = history or History(utc_now)

    def __call__(
        self,
        rows: Iterable[ImportRow],
        mode: ImportMode,
        progress: Progress | None = None,
        actor: Actor | None = None,
    ) -> ImportReport:
        """One transaction: in all-or-nothing mode it is rolled back at the first bad row's end.
        `actor`: who sent the file, when not the caller (a job, run by a worker)."""
        tally = _Tally(self._max_reported_errors)
        stamp = self._history.stamp()
        with self._uow_factory() as uow:
            # One record for the import, first: each number it stores links to it.
            record = Change(stamp.at, actor or stamp.actor, Action.IMPORT, None, f"{mode} import", count=0)
            import_id = uow.changes.add(record)
            self._store(uow, rows, mode, progress, tally, import_id)
        if progress is not None:
            progress(tally.received)
        return tally.report()

    def _store(
        self,
        uow: UnitOfWork,
        rows: Iterable[ImportRow],
        mode: ImportMode,
        progress: Progress | None,
        tally: _Tally,
        import_id: int,
    ) -> None:
        seen: set[int] = set()  # the file's numbers so far, as integers: about 60 bytes each
        batch: list[tuple[int, NewNumber]] = []

        def rejected_already() -> bool:  # all-or-nothing with a bad row: store nothing, only check
            return mode is ImportMode.ALL_OR_NOTHING and tally.invalid_rows > 0

        with _runtime_for_bulk_work(), _Writer(uow, tally, self._overlap_writes, import_id) as writer:
            for row in rows:
                tally.received += 1
                parts = self._parse(row, tally)
                if parts is None:
                    continue
                key = int(parts[0].e164[1:])
                if key in seen:
                    tally.reject(row.line, [("value", "is on an earlier line of the file too")])
                    continue
                seen.add(key)
                batch.append((row.line, parts))
                if len(batch) >= self._batch_size:
                    writer.store(batch, only_check=rejected_already())
                    batch = []
                    if progress is not None:
                        progress(tally.received)
            writer.store(batch, only_check=rejected_already())
            writer.finish()
        if isinstance(rows, NotedRows):
            tally.notes.extend(rows.notes)
        if rejected_already():
            tally.created = 0  # rolled back on the way out
            raise ImportRejected(tally.report(), tally.invalid_rows)
        uow.changes.set_count(import_id, tally.created)
        uow.commit()

    def _parse(self, row: ImportRow, tally: _Tally) -> NewNumber | None:
        if row.data is None:
            tally.reject(row.line, [("row", row.error or "cannot be read")])
            return None
        try:
            return row.data.parse(self._currencies)
        except InvalidFields as invalid:  # NumberData.parse reports every domain error this way
            tally.reject(row.line, [(error.field or "row", error.message) for error in invalid.errors])
        return None


_Batch = list[tuple[int, NewNumber]]
_BULK_SWITCH_INTERVAL = 0.001  # seconds; the interpreter's default is 0.005
# Batches handed to the storing thread at once: one being stored and one waiting, so that a slow
# batch on either side does not stall the other thread.
_IN_FLIGHT = 2


_bulk_work_lock = threading.Lock()
_bulk_works = 0  # imports running in this process
_runtime_before: tuple[bool, float] = (True, 0.005)


@contextmanager
def _runtime_for_bulk_work() -> Iterator[None]:
    """The interpreter tuned while an import runs; the settings are the process's, so the last
    import to end restores them.

    - The cyclic garbage collector is paused. An import's rows make no cycles, but the batches in
      flight keep hundreds of thousands of objects alive, and the collector traversed them again
      and again: about a quarter of a million-row import's CPU time (`make bench-table`).
    - The switch interval is shorter. When batches are stored on a second thread, that thread is
      the import's critical path, and after each call into the driver it waits for the GIL the
      validating thread holds: by default up to 5 ms a time, seconds over a large import (and as
      many seconds of jitter between runs)."""
    global _bulk_works, _runtime_before
    with _bulk_work_lock:
        if _bulk_works == 0:
            _runtime_before = (gc.isenabled(), sys.getswitchinterval())
            gc.disable()
            sys.setswitchinterval(min(_runtime_before[1], _BULK_SWITCH_INTERVAL))
        _bulk_works += 1
    try:
        yield
    finally:
        with _bulk_work_lock:
            _bulk_works -= 1
            if _bulk_works == 0:
                collecting, interval = _runtime_before
                sys.setswitchinterval(interval)
                if collecting:
                    gc.enable()


class _Writer:
    """Stores the batches, one at a time, in order. With `overlap`, on a thread of its own: the
    database then stores one batch while the caller validates the next (the driver lets go of the
    GIL while it waits), so an import uses two cores. Only the caller's thread touches the tally."""

    def __init__(self, uow: UnitOfWork, tally: _Tally, overlap: bool, import_id: int) -> None:
        self._uow = uow
        self._tally = tally
        self._import_id = import_id
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="import-writer") if overlap else None
        self._pending: deque[Future[tuple[_Batch, set[str], bool]]] = deque()

    def __enter__(self) -> _Writer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._executor is not None:  # never leave the session to a thread still using it
            self._executor.shutdown(wait=True)

    def store(self, batch: _Batch, only_check: bool) -> None:
        """Store the batch, or, when all-or-nothing has already failed, only look for duplicates."""
        if not batch:
            return
        if self._executor is None:
            self._account(*self._write(batch, only_check))
            return
        self._settle(keep=_IN_FLIGHT - 1)
        self._pending.append(self._executor.submit(self._write, batch, only_check))

    def finish(self) -> None:
        """Wait for the batches being stored, and count their outcome."""
        self._settle(keep=0)

    def _settle(self, keep: int) -> None:
        """Count the oldest batches' outcome, waiting for them, until at most `keep` are pending."""
        while len(self._pending) > keep:
            self._account(*self._pending.popleft().result())

    def _write(self, batch: _Batch, only_check: bool) -> tuple[_Batch, set[str], bool]:
        numbers = self._uow.number_imports
        if only_check:
            return batch, numbers.taken([parts[0] for _, parts in batch]), False
        return batch, numbers.add_new([parts for _, parts in batch], self._import_id), True

    def _account(self, batch: _Batch, taken: set[str], stored: bool) -> None:
        if stored:
            self._tally.created += len(batch) - len(taken)
        for line, (phone_number, _, _) in batch:
            if phone_number.e164 in taken:
                self._tally.reject(
                    line, [("value", f"{phone_number.international} is already in the inventory")]
                )
