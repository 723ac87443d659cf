from __future__ import annotations

from dataclasses import dataclass

from src.application.ports import UnitOfWorkFactory
from src.application.results import NumberPage, NumberResult


@dataclass(frozen=True)
class ListNumbersQuery:
    page: int = 1
    per_page: int = 20

    def __post_init__(self) -> None:
        if self.page < 1 or self.per_page < 1:
            raise ValueError("page and per_page start at 1")


class ListNumbers:
    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self._uow_factory = uow_factory

    def __call__(self, query: ListNumbersQuery) -> NumberPage:
        offset = (query.page - 1) * query.per_page
        with self._uow_factory() as uow:
            total = uow.numbers.count()
            # A page past the end is empty: no need to ask the store, whatever the offset.
            numbers = uow.numbers.list(offset, query.per_page) if offset < total else ()
            items = tuple(NumberResult.of(number) for number in numbers)
        return NumberPage(items=items, total=total, page=query.page, per_page=query.per_page)
