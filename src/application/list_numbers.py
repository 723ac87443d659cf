from __future__ import annotations

from dataclasses import dataclass, field

from src.application.number_listing import EXACT_COUNT_LIMIT, Listing, Position
from src.application.ports import NumberReader
from src.application.results import NumberPage

__all__ = ["EXACT_COUNT_LIMIT", "ListNumbers", "ListNumbersQuery"]


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
    def __init__(self, reader: NumberReader) -> None:
        self._reader = reader

    def __call__(self, query: ListNumbersQuery) -> NumberPage:
        offset = 0 if query.keyset else (query.page - 1) * query.per_page
        found = self._reader.page(query.listing, query.per_page, offset=offset, after=query.after)
        return NumberPage(
            items=found.items,
            total=found.total.value,
            total_is_exact=found.total.exact,
            page=query.page,
            per_page=query.per_page,
            following=found.following if query.keyset else None,
        )
