"""Every change to a number or user is recorded by the use case that makes it; bulk changes."""

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from src.application.bulk_change import BulkChange, BulkChangeCommand, CountMismatch
from src.application.change_password import ChangePassword, PasswordChange
from src.application.changes import Action, Actor, ChangeQuery, FieldChange, History, Subject
from src.application.create_number import CreateNumber, CreateNumberCommand
from src.application.create_user import CreateUser, NewUser
from src.application.delete_number import DeleteNumber, DeleteNumberCommand
from src.application.delete_user import DeleteUser
from src.application.import_jobs import RunImportJob, StartImportJob
from src.application.import_numbers import ImportMode, ImportNumbers, ImportRow
from src.application.list_changes import ExportChanges, ListChanges, PruneChanges, TooManyToExport
from src.application.number_fields import NumberData
from src.application.number_listing import Count, Listing, NumberFilter
from src.application.patch_number import PatchNumber, PatchNumberCommand
from src.application.replace_number import ReplaceNumber, ReplaceNumberCommand
from src.application.results import ViewPage
from src.application.update_user import UpdateUser, UserChanges
from src.domain.errors import DomainError, InvalidFields
from src.domain.money import Currency, CurrencyCatalog, Money
from tests.factories import NumberFactory, nth_phone_number
from tests.fakes import (
    FakeImportJobStore,
    FakePasswordCheck,
    FakePasswordHasher,
    FakeUnitOfWork,
    StubNumberReader,
)
from tests.unit.test_import_jobs import csv_file, read_rows

CURRENCIES = CurrencyCatalog({"U$": "USD", "R$": "BRL"})
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
ANA = Actor(3, "ana@example.com", "req-42")
HISTORY = History(lambda: NOW, lambda: ANA)
PASSWORD = "correct horse battery"


@pytest.fixture
def uow() -> FakeUnitOfWork:
    return FakeUnitOfWork()


def history(uow: FakeUnitOfWork, **query: object) -> list:  # type: ignore[type-arg]
    return list(uow.changes.list(ChangeQuery(**query), limit=1000))  # type: ignore[arg-type]


def created_number(uow: FakeUnitOfWork) -> int:
    data = NumberData("+55 84 91234-4321", "0.03", "3.40", "U$")
    return CreateNumber(uow, CURRENCIES, lambda: NOW, NOW - NOW, HISTORY)(CreateNumberCommand(data)).number.id


def test_a_create_records_who_when_and_every_field_after(uow: FakeUnitOfWork) -> None:
    number_id = created_number(uow)
    (change,) = history(uow)
    assert (change.action, change.subject_id, change.subject, change.at, change.actor) == (
        Action.CREATE,
        number_id,
        "+5584912344321",
        NOW,
        ANA,
    )
    assert change.fields == {
        "value": FieldChange(None, "+5584912344321"),
        "monthyPrice": FieldChange(None, "0.03"),
        "setupPrice": FieldChange(None, "3.40"),
        "currency": FieldChange(None, "USD"),
    }


def test_a_patch_records_only_the_fields_it_changed(uow: FakeUnitOfWork) -> None:
    number_id = created_number(uow)
    PatchNumber(uow, CURRENCIES, HISTORY)(PatchNumberCommand(number_id, {"monthly_price": "0.05"}))
    newest = history(uow)[0]
    assert (newest.action, newest.fields) == (Action.PATCH, {"monthyPrice": FieldChange("0.03", "0.05")})


def test_a_write_that_changes_nothing_records_nothing(uow: FakeUnitOfWork) -> None:
    number_id = created_number(uow)
    PatchNumber(uow, CURRENCIES, HISTORY)(PatchNumberCommand(number_id, {"monthly_price": "0.03"}))
    assert [change.action for change in history(uow)] == [Action.CREATE]


def test_a_replace_and_a_delete_are_recorded(uow: FakeUnitOfWork) -> None:
    number_id = created_number(uow)
    data = NumberData("+55 84 91234-4321", "0.03", "3.40", "R$")
    ReplaceNumber(uow, CURRENCIES, HISTORY)(ReplaceNumberCommand(number_id, data))
    DeleteNumber(uow, HISTORY)(DeleteNumberCommand(number_id))
    deleted, replaced, _ = history(uow, number_id=number_id)
    assert replaced.fields == {"currency": FieldChange("USD", "BRL")}
    assert (deleted.action, deleted.fields["monthyPrice"]) == (Action.DELETE, FieldChange("0.03", None))


def test_a_refused_write_records_nothing(uow: FakeUnitOfWork) -> None:
    number_id = created_number(uow)
    with pytest.raises(InvalidFields):
        PatchNumber(uow, CURRENCIES, HISTORY)(PatchNumberCommand(number_id, {"monthly_price": "-1"}))
    assert len(history(uow)) == 1


def test_user_creation_role_activation_and_deletion_are_recorded(uow: FakeUnitOfWork) -> None:
    hasher = FakePasswordHasher()
    CreateUser(uow, hasher, FakePasswordCheck(), HISTORY)(NewUser("first@example.com", PASSWORD, "admin"))
    user = CreateUser(uow, hasher, FakePasswordCheck(), HISTORY)(
        NewUser("Bia@Example.com", PASSWORD, "viewer")
    )
    UpdateUser(uow, lambda: NOW, HISTORY)(UserChanges(user.id, role="supervisor", active=False))
    DeleteUser(uow, HISTORY)(user.id)
    deleted, updated, created, _ = history(uow)
    assert (created.action, created.subject, created.fields["role"]) == (
        Action.USER_CREATE,
        "bia@example.com",
        FieldChange(None, "viewer"),
    )
    assert updated.fields == {"role": FieldChange("viewer", "supervisor"), "active": FieldChange(True, False)}
    assert (deleted.action, deleted.subject_type) == (Action.USER_DELETE, Subject.USER)
    assert "password_hash" not in created.fields  # never a secret, not even hashed


def test_an_import_is_recorded_once_and_each_number_it_created_links_to_it(uow: FakeUnitOfWork) -> None:
    rows = [ImportRow(n + 2, NumberData(nth_phone_number(n), "1.00", "2.00", "U$")) for n in range(5)]
    importer = ImportNumbers(uow, CURRENCIES, batch_size=2, history=HISTORY)
    assert importer(rows, ImportMode.ALL_OR_NOTHING).created == 5
    (recorded,) = history(uow, action=Action.IMPORT)
    assert (recorded.count, recorded.actor, recorded.at) == (5, ANA, NOW)
    for number in uow.numbers.all():
        assert [change.id for change in history(uow, number_id=number.id)] == [recorded.id]
    some = uow.numbers.all()[0]
    DeleteNumber(uow, HISTORY)(DeleteNumberCommand(some.id or 0))
    deleted, created = history(uow, number_id=some.id)
    assert (deleted.action, deleted.import_id, created.id) == (Action.DELETE, recorded.id, recorded.id)


def stock(uow: FakeUnitOfWork, brazilian: int, others: int) -> None:
    """Stores the numbers and tells the fake which ones the tests' filters keep (which numbers a
    filter keeps is the stores' business: tests/integration/test_change_repository_contract.py)."""
    for n in range(brazilian):
        uow.numbers.add(NumberFactory(phone_number__text=f"+55 84 91234-{n:04d}"))
    for n in range(others):
        uow.numbers.add(NumberFactory(phone_number__text=f"+1 415 555-{n:04d}"))
    every = [number.id or 0 for number in uow.numbers.all()]
    brazilians = [number.id or 0 for number in uow.numbers.all() if number.phone_number.country == "BR"]
    uow.numbers.kept_by[NumberFilter()] = every
    for params in ({"country": "BR"}, {"prefix": "55"}):
        uow.numbers.kept_by[NumberFilter.parse(params, CURRENCIES)] = brazilians


def bulk(uow: FakeUnitOfWork, reader: StubNumberReader | None = None) -> BulkChange:
    return BulkChange(uow, reader or StubNumberReader(uow.numbers, CURRENCIES), CURRENCIES, HISTORY)


def test_a_bulk_change_with_the_right_count_changes_every_match_under_one_id(uow: FakeUnitOfWork) -> None:
    stock(uow, brazilian=3, others=2)
    result = bulk(uow)(BulkChangeCommand({"country": "BR"}, {"monthly_price": "0.05"}, expected_count=3))
    assert (result.count, result.changed, result.dry_run) == (3, 3, False)
    assert uow.committed
    changed = history(uow, bulk_change_id=result.bulk_change_id)
    assert len(changed) == 3
    assert {change.fields["monthyPrice"].after for change in changed} == {"0.05"}
    (summary,) = history(uow, action=Action.BULK_CHANGE)
    assert (summary.id, summary.count, summary.subject) == (result.bulk_change_id, 3, '{"country":"BR"}')
    for number in uow.numbers.all():
        expected = Decimal("0.05") if number.phone_number.country == "BR" else None
        if expected is not None:
            assert (number.monthly_price, number.version) == (Money(expected, Currency("USD")), 2)


def test_a_bulk_change_with_a_stale_count_says_the_real_one(uow: FakeUnitOfWork) -> None:
    stock(uow, brazilian=3, others=0)
    with pytest.raises(CountMismatch) as refused:
        bulk(uow)(BulkChangeCommand({"country": "BR"}, {"monthly_price": "0.05"}, expected_count=2))
    assert (refused.value.expected, refused.value.actual) == (2, 3)
    assert not uow.committed


def test_a_bulk_change_repeated_changes_nothing_and_records_nothing(uow: FakeUnitOfWork) -> None:
    stock(uow, brazilian=2, others=0)
    command = BulkChangeCommand({"country": "BR"}, {"monthly_price": "0.05"}, expected_count=2)
    first = bulk(uow)(command)
    assert (first.count, first.changed) == (2, 2)
    uow.committed = False
    again = bulk(uow)(command)
    assert (again.count, again.changed, again.bulk_change_id) == (2, 0, None)
    assert not uow.committed  # nothing to record: every number had the price already
    assert [number.version for number in uow.numbers.all()] == [2, 2]


def test_a_dry_run_counts_and_previews_without_changing(uow: FakeUnitOfWork) -> None:
    stock(uow, brazilian=25, others=1)
    reader = StubNumberReader(uow.numbers, CURRENCIES)
    first = tuple(reader.view_of(number) for number in uow.numbers.all()[:20])
    reader.pages.append(ViewPage(first, Count(25), following=None))
    result = bulk(uow, reader)(BulkChangeCommand({"prefix": "55"}, {"setup_price": "1"}, dry_run=True))
    assert (result.count, result.preview, result.bulk_change_id) == (25, first, None)
    assert reader.asked == [(Listing(NumberFilter.parse({"prefix": "55"}, CURRENCIES)), 20, 0, None)]
    assert not history(uow)
    assert not uow.committed


def test_an_empty_filter_needs_all(uow: FakeUnitOfWork) -> None:
    stock(uow, brazilian=1, others=1)
    with pytest.raises(DomainError) as refused:
        bulk(uow)(BulkChangeCommand({}, {"currency": "R$"}, expected_count=2))
    assert refused.value.field == "filter"
    result = bulk(uow)(BulkChangeCommand({}, {"currency": "R$"}, expected_count=2, everything=True))
    assert result.count == 2
    assert {number.currency for number in uow.numbers.all()} == {Currency("BRL")}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"value": "+5584912344321"}, "set"),
        ({}, "set"),
        ({"monthly_price": "0.001"}, "set.monthly_price"),
        ({"monthly_price": "-1"}, "set.monthly_price"),
        ({"currency": "XYZ"}, "set.currency"),
    ],
)
def test_a_bulk_change_follows_the_rules_of_a_single_write(
    uow: FakeUnitOfWork, changes: dict[str, object], field: str
) -> None:
    stock(uow, brazilian=1, others=0)
    with pytest.raises(DomainError) as refused:
        bulk(uow)(BulkChangeCommand({"country": "BR"}, changes, expected_count=1))
    fields = [error.field for error in getattr(refused.value, "errors", [refused.value])]
    assert field in fields
    assert not history(uow)


def test_a_bulk_change_needs_the_count_seen(uow: FakeUnitOfWork) -> None:
    stock(uow, brazilian=1, others=0)
    with pytest.raises(DomainError) as refused:
        bulk(uow)(BulkChangeCommand({"country": "BR"}, {"monthly_price": "1"}))
    assert refused.value.field == "expectedCount"


def test_changes_are_listed_a_page_at_a_time(uow: FakeUnitOfWork) -> None:
    number_id = created_number(uow)
    for price in ("0.04", "0.05", "0.06"):
        PatchNumber(uow, CURRENCIES, HISTORY)(PatchNumberCommand(number_id, {"monthly_price": price}))
    first = ListChanges(uow)(ChangeQuery(number_id=number_id), per_page=3)
    assert [change.action for change in first.items] == [Action.PATCH] * 3
    rest = ListChanges(uow)(ChangeQuery(number_id=number_id), per_page=3, before_id=first.following)
    assert ([change.action for change in rest.items], rest.following) == ([Action.CREATE], None)


def test_an_export_reads_every_change_page_by_page_and_refuses_past_its_limit(
    uow: FakeUnitOfWork, monkeypatch: pytest.MonkeyPatch
) -> None:
    number_id = created_number(uow)
    for price in ("0.04", "0.05", "0.06", "0.07"):
        PatchNumber(uow, CURRENCIES, HISTORY)(PatchNumberCommand(number_id, {"monthly_price": price}))
    monkeypatch.setattr(ExportChanges, "PAGE", 2)
    total, records = ExportChanges(uow, limit=5)(ChangeQuery(number_id=number_id))
    found = list(records)
    assert total == len(found) == 5
    assert [record.action for record in found] == ["patch"] * 4 + ["create"]
    assert json.loads(found[0].fields) == {"monthyPrice": {"before": "0.06", "after": "0.07"}}
    with pytest.raises(TooManyToExport):
        ExportChanges(uow, limit=4)(ChangeQuery(number_id=number_id))
    total, records = ExportChanges(uow, limit=5)(ChangeQuery(number_id=number_id))
    PatchNumber(uow, CURRENCIES, HISTORY)(PatchNumberCommand(number_id, {"monthly_price": "0.08"}))
    assert total == len(list(records)) == 5  # what there was when it began, as its count says


def test_retention_prunes_only_when_configured(uow: FakeUnitOfWork) -> None:
    created_number(uow)
    later = datetime(2027, 3, 1, tzinfo=UTC)
    assert PruneChanges(uow, lambda: later)(0) == 0
    assert PruneChanges(uow, lambda: later)(30) == 1
    assert not history(uow)


def test_an_import_job_records_its_creations_as_the_sender_s(uow: FakeUnitOfWork) -> None:
    store = FakeImportJobStore()
    job = StartImportJob(store, lambda job_id: None, lambda: ANA)(csv_file(1), ImportMode.ALL_OR_NOTHING, 3)
    worker_history = History(lambda: NOW)  # a worker knows no caller of its own
    run = RunImportJob(store, ImportNumbers(uow, CURRENCIES, history=worker_history), read_rows)
    run(job.id)
    (created,) = history(uow, action=Action.IMPORT)
    assert (created.actor, created.count) == (ANA, 1)


def test_a_password_change_is_recorded_without_the_password(uow: FakeUnitOfWork) -> None:
    hasher = FakePasswordHasher()
    user = CreateUser(uow, hasher, FakePasswordCheck(), HISTORY)(
        NewUser("bia@example.com", PASSWORD, "viewer")
    )
    change = PasswordChange(user.id, "a-token", PASSWORD, "a new long passphrase")
    ChangePassword(uow, hasher, FakePasswordCheck(), lambda: NOW, HISTORY)(change)
    (recorded,) = history(uow, action=Action.USER_PASSWORD)
    assert (recorded.subject_id, recorded.subject, recorded.fields, recorded.actor) == (
        user.id,
        "bia@example.com",
        {},
        ANA,
    )


def test_a_bulk_change_records_the_filter_given_and_each_value_it_set(uow: FakeUnitOfWork) -> None:
    stock(uow, brazilian=2, others=1)
    changes = {"monthly_price": "0.5", "setup_price": "2", "currency": "R$"}
    bulk(uow)(BulkChangeCommand({"country": "BR", "q": "", "prefix": None}, changes, expected_count=2))
    bulk(uow)(BulkChangeCommand({"q": ""}, {"setup_price": "3"}, expected_count=3, everything=True))
    first, everything = reversed(history(uow, action=Action.BULK_CHANGE))
    assert first.subject == '{"country":"BR"}'
    assert first.fields == {
        "monthyPrice": FieldChange(None, "0.50"),
        "setupPrice": FieldChange(None, "2.00"),
        "currency": FieldChange(None, "BRL"),
    }
    assert (everything.subject, everything.fields) == ("all", {"setupPrice": FieldChange(None, "3.00")})


def test_a_bulk_change_of_two_filters_records_them_in_a_stable_order(uow: FakeUnitOfWork) -> None:
    stock(uow, brazilian=1, others=0)
    uow.numbers.kept_by[NumberFilter.parse({"prefix": "55", "country": "BR"}, CURRENCIES)] = [
        number.id or 0 for number in uow.numbers.all()
    ]
    bulk(uow)(BulkChangeCommand({"prefix": "55", "country": "BR"}, {"setup_price": "3"}, expected_count=1))
    (summary,) = history(uow, action=Action.BULK_CHANGE)
    assert summary.subject == '{"country":"BR","prefix":"55"}'


def test_a_dry_run_says_it_was_one(uow: FakeUnitOfWork) -> None:
    stock(uow, brazilian=1, others=0)
    reader = StubNumberReader(uow.numbers, CURRENCIES)
    reader.pages.append(ViewPage((), Count(1), following=None))
    result = bulk(uow, reader)(BulkChangeCommand({"country": "BR"}, {"setup_price": "1"}, dry_run=True))
    assert result.dry_run is True
