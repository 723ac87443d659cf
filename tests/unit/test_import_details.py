"""Details of ImportNumbers that mutation testing showed no unit test pinned down: the messages of
a refusal, its counts, the defaults (batch, reported errors, threads), the import's own record."""

from __future__ import annotations

import gc
import sys
import threading
import time
from collections.abc import Iterator, Sequence

import pytest

from src.application.import_numbers import ImportMode, ImportNumbers, ImportRejected, ImportRow
from src.application.number_fields import NumberData
from src.application.ports import NewNumber
from src.application.seed_numbers import SeedNumbers
from tests.factories import nth_phone_number
from tests.fakes import FakeUnitOfWork
from tests.unit.test_import_numbers import CURRENCIES, rows


def bad(line: int) -> ImportRow:
    return ImportRow(line, NumberData(nth_phone_number(line), "-1", "2.00", "U$"))


def test_a_rejected_import_says_how_many_rows_were_bad_of_how_many_and_what_to_do() -> None:
    uow = FakeUnitOfWork()
    file_rows = [*rows(3), bad(7), bad(8)]
    with pytest.raises(ImportRejected) as rejected:
        ImportNumbers(uow, CURRENCIES, batch_size=2)(file_rows, ImportMode.ALL_OR_NOTHING)
    assert str(rejected.value) == (
        "2 of 5 rows are invalid, so nothing was stored; "
        "fix them, or import with mode=skip-invalid to store the valid rows"
    )
    report = rejected.value.report
    assert (report.received, report.created) == (5, 0)
    assert [(e.line, e.field, e.message) for e in report.errors] == [
        (7, "monthly_price", "must not be negative"),
        (8, "monthly_price", "must not be negative"),
    ]


class Spying:
    """Notes each batch the import writes (and on which thread), or only checks."""

    def __init__(self, uow: FakeUnitOfWork) -> None:
        self.written: list[tuple[str, int]] = []
        self.switch_intervals: list[float] = []
        self.slow_writes = False
        self.checked: list[int] = []
        store = uow.number_imports
        add_new, taken = store.add_new, store.taken

        writing = threading.local()

        def noting_add_new(numbers: Sequence[NewNumber], import_id: int | None = None) -> set[str]:
            self.written.append((threading.current_thread().name, len(numbers)))
            self.switch_intervals.append(sys.getswitchinterval())
            if self.slow_writes:
                time.sleep(0.2)  # the write itself taking its time, not a wait for something
            writing.now = True
            try:
                return add_new(numbers, import_id)
            finally:
                writing.now = False

        def noting_taken(phone_numbers: Sequence[object]) -> set[str]:
            if not getattr(writing, "now", False):  # not the fake's own look-up while it writes
                self.checked.append(len(phone_numbers))
            return taken(phone_numbers)  # type: ignore[arg-type]

        store.add_new = noting_add_new  # type: ignore[method-assign]
        store.taken = noting_taken  # type: ignore[method-assign]


@pytest.mark.parametrize("overlap", [False, True], ids=["one-thread", "overlapping-writes"])
def test_once_all_or_nothing_has_failed_the_rest_of_the_file_is_only_checked_not_written(
    overlap: bool,
) -> None:
    uow = FakeUnitOfWork()
    spy = Spying(uow)
    file_rows = [*rows(2), bad(9), *rows(7)[2:]]
    with pytest.raises(ImportRejected):
        ImportNumbers(uow, CURRENCIES, batch_size=2, overlap_writes=overlap)(
            file_rows, ImportMode.ALL_OR_NOTHING
        )
    assert [size for _, size in spy.written] == [2]  # the batch before the bad row
    assert spy.checked == [2, 2, 1]


def test_by_default_batches_are_written_on_the_callers_thread() -> None:
    uow = FakeUnitOfWork()
    spy = Spying(uow)
    ImportNumbers(uow, CURRENCIES, batch_size=2)(rows(5), ImportMode.SKIP_INVALID)
    assert {name for name, _ in spy.written} == {threading.current_thread().name}


def test_overlapping_writes_store_every_batch_on_one_thread_of_their_own_in_order() -> None:
    uow = FakeUnitOfWork()
    spy = Spying(uow)
    report = ImportNumbers(uow, CURRENCIES, batch_size=2, overlap_writes=True)(
        rows(40), ImportMode.SKIP_INVALID
    )
    assert report.created == 40
    assert {name for name, _ in spy.written} == {"import-writer_0"}
    assert [number.phone_number.e164 for number in uow.numbers.all()] == [
        "+" + nth_phone_number(n).lstrip("+").replace(" ", "").replace("-", "") for n in range(40)
    ]


def test_the_defaults_write_batches_of_5000_and_report_up_to_1000_errors() -> None:
    uow = FakeUnitOfWork()
    done: list[int] = []
    unreadable = [ImportRow(n, error="has 2 fields") for n in range(5002, 6003)]
    report = ImportNumbers(uow, CURRENCIES)([*rows(5000), *unreadable], ImportMode.SKIP_INVALID, done.append)
    assert done == [5000, 6001]
    assert (report.created, len(report.errors), report.errors_omitted) == (5000, 1000, 1)


def test_numbers_differing_only_in_their_first_digit_are_not_duplicates() -> None:
    uow = FakeUnitOfWork()
    file_rows = [
        ImportRow(2, NumberData("+33123456789", "1.00", "2.00", "U$")),
        ImportRow(3, NumberData("+43123456789", "1.00", "2.00", "U$")),
    ]
    assert ImportNumbers(uow, CURRENCIES)(file_rows, ImportMode.SKIP_INVALID).created == 2


def test_a_number_repeated_in_the_file_is_reported_and_the_rest_still_read() -> None:
    uow = FakeUnitOfWork()
    first, second = rows(2)
    report = ImportNumbers(uow, CURRENCIES)(
        [first, ImportRow(3, first.data), second], ImportMode.SKIP_INVALID
    )
    assert [(e.line, e.field, e.message) for e in report.errors] == [
        (3, "value", "is on an earlier line of the file too")
    ]
    assert (report.received, report.created) == (3, 2)


def test_a_row_that_could_not_be_read_is_reported_with_why_or_that_it_could_not() -> None:
    uow = FakeUnitOfWork()
    report = ImportNumbers(uow, CURRENCIES)(
        [ImportRow(2, error="has 2 fields"), ImportRow(3)], ImportMode.SKIP_INVALID
    )
    assert [(e.line, e.field, e.message) for e in report.errors] == [
        (2, "row", "has 2 fields"),
        (3, "row", "cannot be read"),
    ]


class NotedFile:
    """Rows that, once read, have a note about the file (the CSV reader's ignored columns)."""

    def __init__(self, made: list[ImportRow]) -> None:
        self._rows = made
        self.notes: list[str] = []

    def __iter__(self) -> Iterator[ImportRow]:
        yield from self._rows
        self.notes.append("the column 'colour' was ignored")


def test_notes_about_the_file_are_in_the_report() -> None:
    report = ImportNumbers(FakeUnitOfWork(), CURRENCIES)(NotedFile(rows(1)), ImportMode.SKIP_INVALID)
    assert report.notes == ("the column 'colour' was ignored",)


def test_an_import_is_recorded_once_with_its_mode_and_how_many_it_created() -> None:
    uow = FakeUnitOfWork()
    ImportNumbers(uow, CURRENCIES)([*rows(2), bad(9)], ImportMode.SKIP_INVALID)
    (record,) = uow.changes.changes
    assert (record.subject, record.count) == ("skip-invalid import", 2)


def test_seeding_stores_the_numbers_not_there_yet_skipping_bad_ones() -> None:
    uow = FakeUnitOfWork()
    data = [row.data for row in rows(3)]
    invalid = NumberData("+55", "1.00", "2.00", "U$")
    assert SeedNumbers(ImportNumbers(uow, CURRENCIES))([data[0], invalid, data[1]]) == 2
    assert SeedNumbers(ImportNumbers(uow, CURRENCIES))(data) == 1  # type: ignore[arg-type]
    assert [record.subject for record in uow.changes.changes] == ["skip-invalid import"] * 2


def test_an_import_pauses_the_collector_and_shortens_the_switch_interval_only_while_it_runs() -> None:
    uow = FakeUnitOfWork()
    spy = Spying(uow)
    collecting: list[bool] = []
    add_new = uow.number_imports.add_new

    def noting_the_collector(numbers: Sequence[NewNumber], import_id: int | None = None) -> set[str]:
        collecting.append(gc.isenabled())
        return add_new(numbers, import_id)

    uow.number_imports.add_new = noting_the_collector  # type: ignore[method-assign]
    before = sys.getswitchinterval()
    sys.setswitchinterval(0.005)  # the interpreter's default, whatever ran in this process before
    try:
        ImportNumbers(uow, CURRENCIES, batch_size=2)(rows(2), ImportMode.SKIP_INVALID)
        ImportNumbers(uow, CURRENCIES, batch_size=2, overlap_writes=True)(
            rows(4)[2:], ImportMode.SKIP_INVALID
        )
        assert spy.switch_intervals == [0.001, 0.001]
        assert collecting == [False, False]
        assert sys.getswitchinterval() == 0.005
        assert gc.isenabled()
    finally:
        sys.setswitchinterval(before)


def test_the_last_of_two_imports_at_once_restores_the_collector_and_the_switch_interval() -> None:
    """The settings are the process's: the first import to end must not undo them under the
    second, nor the second put back what the first had set."""
    first_stores = threading.Event()
    first_may_end = threading.Event()
    seen_by_the_second: list[tuple[bool, float]] = []
    first_uow, second_uow = FakeUnitOfWork(), FakeUnitOfWork()
    first_add_new, second_add_new = first_uow.number_imports.add_new, second_uow.number_imports.add_new

    def held(numbers: Sequence[NewNumber], import_id: int | None = None) -> set[str]:
        first_stores.set()
        assert first_may_end.wait(5)
        return first_add_new(numbers, import_id)

    def noting(numbers: Sequence[NewNumber], import_id: int | None = None) -> set[str]:
        seen_by_the_second.append((gc.isenabled(), sys.getswitchinterval()))
        return second_add_new(numbers, import_id)

    first_uow.number_imports.add_new = held  # type: ignore[method-assign]
    second_uow.number_imports.add_new = noting  # type: ignore[method-assign]
    sys.setswitchinterval(0.005)
    first = threading.Thread(
        target=ImportNumbers(first_uow, CURRENCIES), args=(rows(1), ImportMode.SKIP_INVALID)
    )
    first.start()
    try:
        assert first_stores.wait(5)
        ImportNumbers(second_uow, CURRENCIES)(rows(2)[1:], ImportMode.SKIP_INVALID)
        assert (gc.isenabled(), sys.getswitchinterval()) == (False, 0.001)  # the first still runs
    finally:
        first_may_end.set()
        first.join(5)
    assert seen_by_the_second == [(False, 0.001)]
    assert gc.isenabled()
    assert sys.getswitchinterval() == 0.005


def failing_after(made: list[ImportRow]) -> Iterator[ImportRow]:
    yield from made
    raise OSError("the upload was cut")


def test_an_import_stopped_by_an_error_leaves_no_write_running_behind_it() -> None:
    uow = FakeUnitOfWork()
    spy = Spying(uow)
    spy.slow_writes = True
    finished: list[int] = []
    add_new = uow.number_imports.add_new

    def noting_the_end(numbers: Sequence[NewNumber], import_id: int | None = None) -> set[str]:
        taken = add_new(numbers, import_id)
        finished.append(len(numbers))
        return taken

    uow.number_imports.add_new = noting_the_end  # type: ignore[method-assign]
    with pytest.raises(OSError, match="cut"):
        ImportNumbers(uow, CURRENCIES, batch_size=2, overlap_writes=True)(
            failing_after(rows(2)), ImportMode.SKIP_INVALID
        )
    assert finished == [2]  # the session is never left to a thread still writing
