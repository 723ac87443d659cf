"""Listings parsed from the client's text, and ListNumbers against a stub reader (what filters and sorts
mean on a real table is tested against both databases in tests/integration/test_number_table_api.py)."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from src.application.access_tokens import AccessToken, hash_secret
from src.application.authorize_request import AuthorizeRequest
from src.application.errors import Forbidden, Unauthenticated
from src.application.list_numbers import EXACT_COUNT_LIMIT, ListNumbers, ListNumbersQuery
from src.application.number_listing import Count, Listing, NumberFilter, Position, Sort, SortField, SortKey
from src.application.results import NumberView, ViewPage
from src.domain.errors import DomainError, InvalidFields
from src.domain.money import CurrencyCatalog
from src.domain.users import EmailAddress, Permission, Role, User
from tests.fakes import FakeNumberRepository, FakeTokenRepository, FakeUserRepository, StubNumberReader

CURRENCIES = CurrencyCatalog({"U$": "USD", "R$": "BRL"})


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


def reader_answering(*pages: ViewPage) -> StubNumberReader:
    reader = StubNumberReader(FakeNumberRepository(), CURRENCIES)
    reader.pages.extend(pages)
    return reader


NOW = datetime(2026, 1, 1, tzinfo=UTC)


def list_numbers(reader: StubNumberReader, tokens: FakeTokenRepository | None = None) -> ListNumbers:
    return ListNumbers(
        reader, AuthorizeRequest(tokens or FakeTokenRepository(FakeUserRepository()), lambda: NOW)
    )


def views(*ids: int) -> tuple[NumberView, ...]:
    return tuple(NumberView(n, 1, f"+1 201 555 {n:04d}", "1.00", "2.00", "U$") for n in ids)


def test_a_numbered_page_asks_the_reader_from_its_offset() -> None:
    listing = Listing(NumberFilter(country="BR"), Sort.parse("-monthyPrice"))
    reader = reader_answering(ViewPage(views(5, 6), Count(6), Position((Decimal("1.00"), 6))))
    page = list_numbers(reader)(ListNumbersQuery(page=3, per_page=2, listing=listing))
    assert reader.asked == [(listing, 2, 4, None)]
    assert [item.id for item in page.items] == [5, 6]
    assert (page.total, page.total_is_exact, page.last_page) == (6, True, 3)
    assert page.following is None  # numbered pages link by number, never by position


def test_a_keyset_page_starts_after_its_position_and_tells_where_the_next_starts() -> None:
    listing = Listing(sort=Sort.parse("-id"))
    reader = reader_answering(
        ViewPage(views(5, 4), Count(5), Position((4,))), ViewPage(views(3, 2, 1), Count(5), None)
    )
    first = list_numbers(reader)(ListNumbersQuery(per_page=2, listing=listing, keyset=True))
    assert first.following == Position((4,))
    second = list_numbers(reader)(
        ListNumbersQuery(per_page=3, listing=listing, keyset=True, after=first.following)
    )
    assert reader.asked == [(listing, 2, 0, None), (listing, 3, 0, Position((4,)))]
    assert [item.id for item in second.items] == [3, 2, 1]
    assert second.following is None


def test_an_estimated_total_is_passed_on_and_flagged() -> None:
    estimate = Count(EXACT_COUNT_LIMIT * 40, exact=False)
    reader = reader_answering(ViewPage(views(*range(981, 1001)), estimate, None))
    page = list_numbers(reader)(ListNumbersQuery(page=50, per_page=20))
    assert (page.total, page.total_is_exact) == (EXACT_COUNT_LIMIT * 40, False)
    assert len(page.items) == 20


def test_an_empty_listing_has_one_empty_page() -> None:
    page = list_numbers(reader_answering(ViewPage((), Count(0), None)))(ListNumbersQuery())
    assert (page.items, page.total, page.last_page) == ((), 0, 1)


def test_a_position_needs_keyset_paging() -> None:
    with pytest.raises(ValueError, match="keyset"):
        ListNumbersQuery(after=Position((1,)))


def test_a_sort_reads_back_as_the_client_wrote_it_with_its_directions() -> None:
    assert str(Sort.parse("-monthyPrice")) == "-monthyPrice,-id"
    assert str(Sort.parse("setupPrice,-id")) == "setupPrice,-id"


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("1E+2", "'1E+2'"),  # a Decimal would take it: a query string may not
        ("3.401", "'3.401'"),
        ("1234567890123456789012345", "'12345678901234567890'"),  # only its first 20 characters
    ],
)
def test_a_price_bound_in_other_than_plain_notation_is_refused_saying_what_was_sent(
    raw: str, shown: str
) -> None:
    with pytest.raises(InvalidFields) as raised:
        NumberFilter.parse({"setupPrice_min": raw}, CURRENCIES)
    assert [(error.field, error.message) for error in raised.value.errors] == [
        ("setupPrice_min", f"must be an amount such as 3.40, not {shown}")
    ]


def test_an_unknown_or_repeated_sort_key_is_refused_saying_which_and_what_is_allowed() -> None:
    with pytest.raises(DomainError) as unknown:
        Sort.parse("price")
    assert str(unknown.value) == (
        "'price' is not a sort key; use id, value, monthyPrice, setupPrice, each may start with -"
        "; did you mean 'setupPrice'?"
    )
    with pytest.raises(DomainError) as repeated:
        Sort.parse("value,value")
    assert (repeated.value.field, str(repeated.value)) == ("sort", "'value' is given twice")


@pytest.mark.parametrize(("page", "per_page"), [(0, 20), (1, 0), (0, 0)])
def test_pages_and_their_sizes_start_at_one(page: int, per_page: int) -> None:
    with pytest.raises(ValueError, match=r"^page and per_page start at 1$"):
        ListNumbersQuery(page=page, per_page=per_page)


def test_a_page_of_one_number_is_a_page() -> None:
    assert ListNumbersQuery(page=1, per_page=1).per_page == 1


def test_a_position_without_keyset_paging_is_refused_saying_so() -> None:
    with pytest.raises(ValueError, match=r"^a position is for keyset pages only$"):
        ListNumbersQuery(after=Position((1,)))


def test_a_keyset_page_reads_from_its_position_whatever_page_number_it_carries() -> None:
    reader = reader_answering(ViewPage(views(3), Count(3), None))
    page = list_numbers(reader)(ListNumbersQuery(page=3, per_page=2, keyset=True))
    assert reader.asked == [(Listing(), 2, 0, None)]
    assert (page.page, page.per_page) == (3, 2)


@pytest.mark.parametrize(
    "keys", [(), (SortKey(SortField.VALUE),), (SortKey(SortField.ID), SortKey(SortField.VALUE))]
)
def test_a_sort_that_does_not_end_with_id_cannot_be_made(keys: tuple[SortKey, ...]) -> None:
    with pytest.raises(ValueError, match=r"^a sort ends with id$"):
        Sort(keys)


def reader_with_a_viewers_token(*pages: ViewPage) -> tuple[StubNumberReader, FakeTokenRepository, str]:
    users = FakeUserRepository()
    viewer = User(EmailAddress.parse("viewer@example.com"), "hash", Role.VIEWER)
    users.add(viewer)
    assert viewer.id is not None
    tokens = FakeTokenRepository(users)
    tokens.add(AccessToken(hash_secret("viewers-secret"), viewer.id, NOW + timedelta(days=1)))
    reader = StubNumberReader(FakeNumberRepository(), CURRENCIES, tokens)
    reader.pages.extend(pages)
    return reader, tokens, "viewers-secret"


def test_a_caller_gets_the_page_read_along_with_their_token_when_it_allows() -> None:
    reader, tokens, secret = reader_with_a_viewers_token(ViewPage(views(1, 2), Count(2), None))
    page = list_numbers(reader, tokens).for_caller(
        secret, Permission.READ_NUMBERS, ListNumbersQuery(per_page=2)
    )
    assert [item.id for item in page.items] == [1, 2]
    assert reader.asked == [(Listing(), 2, 0, None)]


@pytest.mark.parametrize("secret", [None, "", "made-up"])
def test_a_caller_without_a_usable_token_is_shown_nothing_of_the_page(secret: str | None) -> None:
    reader, tokens, _ = reader_with_a_viewers_token(ViewPage(views(1), Count(1), None))
    with pytest.raises(Unauthenticated):
        list_numbers(reader, tokens).for_caller(secret, Permission.READ_NUMBERS, ListNumbersQuery())


def test_a_caller_whose_role_may_not_is_forbidden_the_page() -> None:
    reader, tokens, secret = reader_with_a_viewers_token(ViewPage(views(1), Count(1), None))
    with pytest.raises(Forbidden):
        list_numbers(reader, tokens).for_caller(secret, Permission.WRITE_NUMBERS, ListNumbersQuery())


def test_a_caller_reads_the_numbered_page_or_the_keyset_position_asked_for() -> None:
    reader, tokens, secret = reader_with_a_viewers_token(
        ViewPage(views(5, 6), Count(9), None), ViewPage(views(7, 8), Count(9), None)
    )
    use_case = list_numbers(reader, tokens)
    use_case.for_caller(secret, Permission.READ_NUMBERS, ListNumbersQuery(page=3, per_page=2))
    position = Position((6,))
    use_case.for_caller(
        secret, Permission.READ_NUMBERS, ListNumbersQuery(per_page=2, keyset=True, after=position)
    )
    assert reader.asked == [(Listing(), 2, 4, None), (Listing(), 2, 0, position)]


@pytest.mark.parametrize("secret", [None, ""])
def test_a_caller_with_no_token_at_all_is_told_none_was_given(secret: str | None) -> None:
    reader, tokens, _ = reader_with_a_viewers_token(ViewPage(views(1), Count(1), None))
    with pytest.raises(Unauthenticated) as refused:
        list_numbers(reader, tokens).for_caller(secret, Permission.READ_NUMBERS, ListNumbersQuery())
    assert refused.value.token_given is False
    assert reader.asked == []
