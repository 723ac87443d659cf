"""ImportNumbers with fakes: modes, duplicates, the bounded error report, progress."""

import pytest

from src.application.import_numbers import ImportMode, ImportNumbers, ImportRejected, ImportRow
from src.application.number_fields import NumberData
from src.domain.money import CurrencyCatalog
from src.domain.phone_numbers import PhoneNumber
from tests.factories import NumberFactory, nth_phone_number
from tests.fakes import FakeUnitOfWork

CURRENCIES = CurrencyCatalog({"U$": "USD", "R$": "BRL"})


def rows(count: int, bad: dict[int, NumberData] | None = None) -> list[ImportRow]:
    made = [ImportRow(n + 2, NumberData(nth_phone_number(n), "1.00", "2.00", "U$")) for n in range(count)]
    for index, data in (bad or {}).items():
        made[index] = ImportRow(index + 2, data)
    return made


@pytest.fixture(params=[False, True], ids=["one-thread", "overlapping-writes"])
def overlap(request: pytest.FixtureRequest) -> bool:
    return bool(request.param)


def importer(uow: FakeUnitOfWork, overlap: bool, batch_size: int = 3, max_errors: int = 100) -> ImportNumbers:
    return ImportNumbers(uow, CURRENCIES, batch_size, max_errors, overlap_writes=overlap)


def test_all_or_nothing_stores_nothing_when_a_row_is_bad(overlap: bool) -> None:
    uow = FakeUnitOfWork()
    bad = {4: NumberData(nth_phone_number(4), "-1", "x", "U$")}
    with pytest.raises(ImportRejected) as rejected:
        importer(uow, overlap)(rows(8, bad), ImportMode.ALL_OR_NOTHING)
    assert [(e.line, e.field) for e in rejected.value.report.errors] == [
        (6, "monthly_price"),
        (6, "setup_price"),
    ]
    assert not uow.committed
    assert len(uow.numbers) == 0  # the rows before the bad one were rolled back
    assert uow.numbers.get_by_phone_number(PhoneNumber.parse(nth_phone_number(0))) is None


def test_skip_invalid_stores_the_rest_in_batches_and_tells_progress(overlap: bool) -> None:
    uow = FakeUnitOfWork()
    done: list[int] = []
    bad = {1: NumberData("+55", "1", "1", "U$")}
    report = importer(uow, overlap)(rows(8, bad), ImportMode.SKIP_INVALID, progress=done.append)
    assert (report.received, report.created, report.skipped) == (8, 7, 1)
    assert uow.committed
    assert len(uow.numbers) == 7
    assert done == [4, 7, 8]  # after each full batch of 3 valid rows, then at the end


def test_duplicates_in_the_file_and_in_the_store_are_reported_by_line(overlap: bool) -> None:
    uow = FakeUnitOfWork()
    uow.numbers.add(NumberFactory.build(phone_number__text=nth_phone_number(0)))
    file_rows = [*rows(2), ImportRow(9, NumberData(nth_phone_number(1), "1", "1", "R$"))]
    report = importer(uow, overlap)(file_rows, ImportMode.SKIP_INVALID)
    assert [(e.line, e.field) for e in report.errors] == [(2, "value"), (9, "value")]
    assert report.created == 1


def test_unreadable_rows_are_reported_and_the_error_list_is_bounded(overlap: bool) -> None:
    uow = FakeUnitOfWork()
    broken = [ImportRow(n, error="has 2 fields") for n in range(2, 12)]
    report = importer(uow, overlap, max_errors=4)(broken, ImportMode.SKIP_INVALID)
    assert [e.field for e in report.errors] == ["row"] * 4
    assert report.errors_omitted == 6
