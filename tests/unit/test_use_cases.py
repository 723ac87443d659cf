"""Every use case against FakeUnitOfWork: no database, no Flask."""

from dataclasses import replace
from decimal import Decimal

import pytest

from src.application.create_number import CreateNumber
from src.application.delete_number import DeleteNumber
from src.application.errors import DuplicateRecord, NumberAlreadyExists, NumberNotFound
from src.application.get_number import GetNumber
from src.application.list_numbers import ListNumbers, ListNumbersQuery
from src.application.patch_number import PatchNumber, PatchNumberCommand
from src.application.replace_number import ReplaceNumber, ReplaceNumberCommand
from src.application.seed_numbers import SeedNumbers
from src.domain.errors import InvalidNumberData
from src.domain.money import Currency, CurrencyCatalog
from tests.factories import NumberDataFactory, NumberFactory
from tests.fakes import FakeNumberRepository, FakeUnitOfWork

CURRENCIES = CurrencyCatalog({"U$": "USD", "R$": "BRL", "€": "EUR"})


@pytest.fixture
def uow() -> FakeUnitOfWork:
    return FakeUnitOfWork()


def stored(uow: FakeUnitOfWork, **fields: object) -> int:
    number = NumberFactory(**fields)
    uow.numbers.add(number)
    assert number.id is not None
    return number.id


def test_creates_a_number_and_commits(uow: FakeUnitOfWork) -> None:
    data = NumberDataFactory(value="+55 (84) 91234-4321", monthly_price="0.03", setup_price=Decimal("3.4"))
    result = CreateNumber(uow, CURRENCIES)(data)
    assert uow.committed
    assert (result.e164, result.international) == ("+5584912344321", "+55 84 91234-4321")
    assert (result.monthly_price, result.setup_price, result.currency) == (
        Decimal("0.03"),
        Decimal("3.40"),
        Currency("USD"),
    )
    assert uow.numbers.get(result.id) is not None


def test_refuses_a_second_spelling_of_a_stored_number(uow: FakeUnitOfWork) -> None:
    CreateNumber(uow, CURRENCIES)(NumberDataFactory(value="+55 84 91234-4321"))
    uow.committed = False
    with pytest.raises(NumberAlreadyExists, match=r"\+55 84 91234-4321"):
        CreateNumber(uow, CURRENCIES)(NumberDataFactory(value="+5584912344321"))
    assert not uow.committed
    assert uow.numbers.count() == 1


def test_a_lost_race_for_a_number_is_reported_as_already_exists(uow: FakeUnitOfWork) -> None:
    uow.commit_error = DuplicateRecord("unique violation")
    with pytest.raises(NumberAlreadyExists):
        CreateNumber(uow, CURRENCIES)(NumberDataFactory())


def test_reports_every_invalid_field_at_once(uow: FakeUnitOfWork) -> None:
    data = NumberDataFactory(value="+1 555", monthly_price="-1", setup_price="0.001", currency="GBP")
    with pytest.raises(InvalidNumberData) as raised:
        CreateNumber(uow, CURRENCIES)(data)
    assert [error.field for error in raised.value.errors] == [
        "value",
        "monthly_price",
        "setup_price",
        "currency",
    ]
    assert uow.numbers.count() == 0
    assert not uow.committed


def test_gets_a_stored_number(uow: FakeUnitOfWork) -> None:
    number_id = stored(uow)
    assert GetNumber(uow)(number_id).id == number_id


def test_getting_a_missing_number_is_not_found(uow: FakeUnitOfWork) -> None:
    with pytest.raises(NumberNotFound):
        GetNumber(uow)(404)


def test_lists_a_page_with_the_total(uow: FakeUnitOfWork) -> None:
    ids = [stored(uow) for _ in range(5)]
    page = ListNumbers(uow)(ListNumbersQuery(page=2, per_page=2))
    assert [item.id for item in page.items] == ids[2:4]
    assert (page.total, page.last_page) == (5, 3)


def test_a_page_past_the_end_is_empty(uow: FakeUnitOfWork) -> None:
    stored(uow)
    page = ListNumbers(uow)(ListNumbersQuery(page=10**9, per_page=100))
    assert page.items == ()
    assert page.total == 1


def test_an_empty_inventory_has_one_empty_page(uow: FakeUnitOfWork) -> None:
    page = ListNumbers(uow)(ListNumbersQuery())
    assert (page.items, page.total, page.last_page) == ((), 0, 1)


def test_replace_sets_every_field(uow: FakeUnitOfWork) -> None:
    number_id = stored(uow)
    data = NumberDataFactory(monthly_price="9.99", setup_price="0", currency="R$")
    result = ReplaceNumber(uow, CURRENCIES)(ReplaceNumberCommand(number_id, data))
    assert uow.committed
    assert (result.monthly_price, result.setup_price, result.currency) == (
        Decimal("9.99"),
        Decimal("0.00"),
        Currency("BRL"),
    )


def test_replace_may_keep_the_numbers_own_phone_number(uow: FakeUnitOfWork) -> None:
    number_id = stored(uow)
    own = uow.numbers.get(number_id)
    assert own is not None
    data = NumberDataFactory(value=own.phone_number.international)
    assert ReplaceNumber(uow, CURRENCIES)(ReplaceNumberCommand(number_id, data)).id == number_id


def test_replace_refuses_another_numbers_phone_number(uow: FakeUnitOfWork) -> None:
    first, second = stored(uow), stored(uow)
    taken = uow.numbers.get(first)
    assert taken is not None
    data = NumberDataFactory(value=taken.phone_number.e164)
    with pytest.raises(NumberAlreadyExists):
        ReplaceNumber(uow, CURRENCIES)(ReplaceNumberCommand(second, data))
    assert not uow.committed


def test_replacing_a_missing_number_is_not_found(uow: FakeUnitOfWork) -> None:
    with pytest.raises(NumberNotFound):
        ReplaceNumber(uow, CURRENCIES)(ReplaceNumberCommand(1, NumberDataFactory()))


def test_patch_changes_only_the_given_fields(uow: FakeUnitOfWork) -> None:
    number_id = stored(uow)
    before = GetNumber(uow)(number_id)
    after = PatchNumber(uow, CURRENCIES)(PatchNumberCommand(number_id, {"monthly_price": "12.5"}))
    assert uow.committed
    assert after == replace(before, monthly_price=Decimal("12.50"))


def test_patching_the_currency_keeps_both_amounts(uow: FakeUnitOfWork) -> None:
    number_id = stored(uow)
    before = GetNumber(uow)(number_id)
    after = PatchNumber(uow, CURRENCIES)(PatchNumberCommand(number_id, {"currency": "€"}))
    assert after == replace(before, currency=Currency("EUR"))


def test_an_empty_patch_changes_nothing(uow: FakeUnitOfWork) -> None:
    number_id = stored(uow)
    before = GetNumber(uow)(number_id)
    assert PatchNumber(uow, CURRENCIES)(PatchNumberCommand(number_id, {})) == before


def test_patch_cannot_remove_a_field(uow: FakeUnitOfWork) -> None:
    number_id = stored(uow)
    with pytest.raises(InvalidNumberData, match="setup_price: must not be null"):
        PatchNumber(uow, CURRENCIES)(PatchNumberCommand(number_id, {"setup_price": None}))
    assert not uow.committed


def test_patch_refuses_another_numbers_phone_number(uow: FakeUnitOfWork) -> None:
    first, second = stored(uow), stored(uow)
    taken = uow.numbers.get(first)
    assert taken is not None
    with pytest.raises(NumberAlreadyExists):
        PatchNumber(uow, CURRENCIES)(PatchNumberCommand(second, {"value": taken.phone_number.international}))


def test_deletes_a_number(uow: FakeUnitOfWork) -> None:
    number_id = stored(uow)
    DeleteNumber(uow)(number_id)
    assert uow.committed
    assert uow.numbers.get(number_id) is None


def test_deleting_a_missing_number_is_not_found(uow: FakeUnitOfWork) -> None:
    with pytest.raises(NumberNotFound):
        DeleteNumber(uow)(1)
    assert not uow.committed


def test_seeding_twice_adds_the_numbers_once() -> None:
    uow = FakeUnitOfWork(FakeNumberRepository())
    batch = NumberDataFactory.build_batch(5)
    seed = SeedNumbers(uow, CURRENCIES)
    assert seed(batch) == 5
    assert seed(batch) == 0
    assert uow.numbers.count() == 5
