from __future__ import annotations

from dataclasses import dataclass, field

from src.application.access_tokens import hash_secret
from src.application.authorize_request import AuthorizeRequest
from src.application.errors import Unauthenticated
from src.application.number_listing import EXACT_COUNT_LIMIT, Listing, Position
from src.application.ports import NumberReader
from src.application.results import NumberPage, ViewPage
from src.domain.users import Permission

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
    def __init__(self, reader: NumberReader, authorize: AuthorizeRequest) -> None:
        self._reader = reader
        self._authorize = authorize

    def __call__(self, query: ListNumbersQuery) -> NumberPage:
        found = self._reader.page(query.listing, query.per_page, offset=_offset(query), after=query.after)
        return _numbered(query, found)

    def for_caller(self, secret: str | None, permission: Permission, query: ListNumbersQuery) -> NumberPage:
        """Authorize the bearer of `secret` and read the page in one round trip: the holder is
        judged first, so an unauthorized caller is shown nothing of the page."""
        if not secret:
            raise Unauthenticated(token_given=False)
        holder, found = self._reader.page_with_holder(
            query.listing, query.per_page, hash_secret(secret), offset=_offset(query), after=query.after
        )
        self._authorize.judge(holder, permission)
        return _numbered(query, found)


def _offset(query: ListNumbersQuery) -> int:
    return 0 if query.keyset else (query.page - 1) * query.per_page


def _numbered(query: ListNumbersQuery, found: ViewPage) -> NumberPage:
    return NumberPage(
        items=found.items,
        total=found.total.value,
        total_is_exact=found.total.exact,
        page=query.page,
        per_page=query.per_page,
        following=found.following if query.keyset else None,
    )
