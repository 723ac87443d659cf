"""Listing numbers with fakes: filters, sorts, keyset positions and the count's bound."""

from decimal import Decimal

import pytest

from src.application.list_numbers import EXACT_COUNT_LIMIT, ListNumbers, ListNumbersQuery
from src.application.number_listing import Listing, NumberFilter, Position, Sort, SortField, SortKey
from src.domain.errors import DomainError, InvalidFields
from src.domain.money import Currency, CurrencyCatalog, Money
from tests.factories import NumberFactory
from tests.fakes import FakeUnitOfWork

CURRENCIES = CurrencyCatalog({"U$": "USD", "R$": "BRL"})


def stored(uow: FakeUnitOfWork, count: int, **fields: object) -> list[int]:
    ids = []
    for _ in range(count):
        number = NumberFactory(**fields)
        uow.numbers.add(number)
        ids.append(number.id)
    return ids


def test_a_sort_ends_with_id_in_the_direction_of_its_last_key() -> None:
    assert Sort.parse("-monthyPrice").keys == (
        SortKey(SortField.MONTHLY_PRICE, descending=True),
        SortKey(SortField.ID, descending=True),
    )
    assert Sort.parse(None) == Sort.parse("") == Sort((SortKey(SortField.ID),))
    assert str(Sort.parse("value,id,setupPrice")) == "value,id"


@pytest.mark.parametrize("text", ["price", "id,id", "-", "value,,id"])
def test_rejects_unknown_or_repeated_sort_keys(text: str) -> None:
    with pytest.raises(DomainError) as raised:
        Sort.parse(text)
    assert raised.value.field == "sort"


def test_a_filter_reports_every_bad_parameter_by_name() -> None:
    with pytest.raises(InvalidFields) as raised:
        NumberFilter.parse(
            {"q": "abc", "country": "XX", "monthyPrice_min": "1.234", "currency": "U$"}, CURRENCIES
        )
    assert [error.field for error in raised.value.errors] == ["q", "country", "monthyPrice_min"]


def test_a_filter_parses_its_parameters() -> None:
    parsed = NumberFilter.parse(
        {"q": "+912", "country": "br", "prefix": "5584", "setupPrice_max": "3.4"}, CURRENCIES
    )
    assert parsed == NumberFilter(digits="912", country="BR", prefix="5584", setup_max=Decimal("3.40"))


def test_keyset_pages_go_on_from_the_last_row_of_the_previous_one() -> None:
    uow = FakeUnitOfWork()
    ids = stored(uow, 5)
    listing = Listing(sort=Sort.parse("-id"))
    first = ListNumbers(uow)(ListNumbersQuery(per_page=2, listing=listing, keyset=True))
    assert [item.id for item in first.items] == [ids[4], ids[3]]
    assert first.following == Position((ids[3],))
    second = ListNumbers(uow)(
        ListNumbersQuery(per_page=3, listing=listing, keyset=True, after=first.following)
    )
    assert [item.id for item in second.items] == [ids[2], ids[1], ids[0]]
    assert second.following is None


def test_keyset_pages_break_price_ties_by_id() -> None:
    uow = FakeUnitOfWork()
    price = Money(Decimal("1.00"), Currency("USD"))
    ids = stored(uow, 3, monthly_price=price, setup_price=price)
    listing = Listing(sort=Sort.parse("monthyPrice"))
    first = ListNumbers(uow)(ListNumbersQuery(per_page=1, listing=listing, keyset=True))
    assert first.following == Position((Decimal("1.00"), ids[0]))
    rest = ListNumbers(uow)(ListNumbersQuery(per_page=5, listing=listing, keyset=True, after=first.following))
    assert [item.id for item in rest.items] == ids[1:]


def test_an_estimated_total_is_passed_on_and_pages_are_still_read() -> None:
    uow = FakeUnitOfWork()
    uow.numbers.estimates = True
    stored(uow, EXACT_COUNT_LIMIT + 1)
    page = ListNumbers(uow)(ListNumbersQuery(page=50, per_page=20))
    assert not page.total_is_exact
    assert len(page.items) == 20


def test_a_position_needs_keyset_paging() -> None:
    with pytest.raises(ValueError, match="keyset"):
        ListNumbersQuery(after=Position((1,)))
