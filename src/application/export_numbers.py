from __future__ import annotations

from collections.abc import Iterator

from src.application.number_listing import Listing
from src.application.ports import UnitOfWorkFactory
from src.application.results import NumberRecord


class ExportNumbers:
    """Every number a listing keeps (not one page), in its order, as the store streams them."""

    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self._uow_factory = uow_factory

    def __call__(self, listing: Listing) -> Iterator[NumberRecord]:
        with self._uow_factory() as uow:
            yield from uow.numbers.stream(listing)
