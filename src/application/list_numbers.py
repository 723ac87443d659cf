from __future__ import annotations

from dataclasses import dataclass, field

from src.application.number_listing import Listing, Position
from src.application.ports import UnitOfWorkFactory
from src.application.results import NumberPage, NumberResult

# Up to this many matching rows the total is counted exactly; past it, a store may estimate it
# (PostgreSQL's planner), so that counting never costs more than the page itself.
EXACT_COUNT_LIMIT = 1000


@dataclass(frozen=True)
class ListNumbersQuery:
    """A page by number (`page`), or, with `keyset`, the page just after `after` (None: the first)."""

    page: int = 1
    per_page: int = 20
    listing: Listing = field(default_factory=Listing)
    keyset: bool = False
    after: Position | None = None

    def __post_init__(self) -> None:
        if self.page < 1 or self.per_page < 1:
            raise ValueError("page and per_page start at 1")
        if self.after is not None and not self.keyset:
            raise ValueError("a position is for keyset pages only")


class ListNumbers:
    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self._uow_factory = uow_factory

    def __call__(self, query: ListNumbersQuery) -> NumberPage:
        listing = query.listing
        with self._uow_factory() as uow:
            total = uow.numbers.count(listing.filter, exact_up_to=EXACT_COUNT_LIMIT)
            if query.keyset:
                # One row more than the page says whether there is a next one.
                found = uow.numbers.list(listing, limit=query.per_page + 1, after=query.after)
                numbers, more = found[: query.per_page], len(found) > query.per_page
                following = Position(listing.sort.position_of(numbers[-1])) if more else None
            else:
                offset = (query.page - 1) * query.per_page
                # A page past the end is empty: no need to ask the store, whatever the offset.
                past_end = total.exact and offset >= total.value
                numbers = () if past_end else uow.numbers.list(listing, limit=query.per_page, offset=offset)
                following = None
            items = tuple(NumberResult.of(number) for number in numbers)
        return NumberPage(
            items=items,
            total=total.value,
            total_is_exact=total.exact,
            page=query.page,
            per_page=query.per_page,
            following=following,
        )
