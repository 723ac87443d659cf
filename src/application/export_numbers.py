from __future__ import annotations

from collections.abc import Iterator

from src.application.number_listing import Listing
from src.application.ports import NumberReader
from src.application.results import NumberRecord


class ExportNumbers:
    """Every number a listing keeps (not one page), in its order, as the store streams them."""

    def __init__(self, reader: NumberReader) -> None:
        self._reader = reader

    def __call__(self, listing: Listing) -> Iterator[NumberRecord]:
        return self._reader.stream(listing)
