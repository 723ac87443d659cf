"""The CSV form of the inventory, read and written the same way: a header, then one number a row.

    value,monthyPrice,setupPrice,currency
    +5584912344321,0.03,3.40,U$

Read: UTF-8 with or without a BOM, `,` or `;` between fields (whichever the header uses), the
columns in any order. Written: UTF-8, `,`, E.164 values, prices with 2 decimals, currency symbols.
Both stream: a row at a time in, a chunk at a time out.
"""

from __future__ import annotations

import csv
import io
import itertools
import operator
from collections.abc import Callable, Iterable, Iterator
from typing import IO, Any, cast

from src.application.errors import MalformedImportFile
from src.application.import_numbers import ImportRow
from src.application.number_fields import NumberData
from src.application.results import NumberRecord
from src.domain.errors import DomainError

COLUMNS = ("value", "monthyPrice", "setupPrice", "currency")
READ_BUFFER_BYTES = 1024 * 1024
UPLOAD_CHUNK_BYTES = 1024 * 1024
WRITE_CHUNK_ROWS = 5000


def read_number_rows(body: IO[bytes] | io.RawIOBase) -> Iterator[ImportRow]:
    """The rows of the file; raise DomainError (field "header") when it has no usable header and
    MalformedImportFile when it is not UTF-8 CSV text."""
    raw = cast(io.RawIOBase, body)  # anything with readinto: a request stream, a file, BytesIO
    text = io.TextIOWrapper(io.BufferedReader(raw, READ_BUFFER_BYTES), encoding="utf-8-sig", newline="")
    try:
        header_line = text.readline()
        delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
        reader = csv.reader(itertools.chain([header_line], text), delimiter=delimiter, strict=True)
        header = [name.strip() for name in next(reader, [])]
        if sorted(header) != sorted(COLUMNS):
            raise DomainError(
                f"the first line must name the columns {','.join(COLUMNS)} (in any order)", "header"
            )
        in_our_order = operator.itemgetter(*(header.index(column) for column in COLUMNS))
        for fields in reader:
            if len(fields) == len(COLUMNS):
                value, monthly_price, setup_price, currency = in_our_order(fields)
                data = NumberData(value.strip(), monthly_price.strip(), setup_price.strip(), currency.strip())
                yield ImportRow(reader.line_num, data)
            elif fields:  # not a blank line
                yield ImportRow(
                    reader.line_num, error=f"has {len(fields)} fields; the header names {len(COLUMNS)}"
                )
    except UnicodeDecodeError as error:
        raise MalformedImportFile(
            f"the file is not UTF-8 text: {error.reason} at byte {error.start}"
        ) from None
    except csv.Error as error:
        raise MalformedImportFile(f"the file is not valid CSV: {error}") from None


def write_number_rows(records: Iterable[NumberRecord], symbol: Callable[[str], str]) -> Iterator[str]:
    """The CSV text of the records, in chunks; `symbol` gives a currency code's wire symbol."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    symbols: dict[str, str] = {}
    for chunk in _chunks(records, WRITE_CHUNK_ROWS):
        writer.writerows(
            (
                e164,
                f"{monthly_price:.2f}",
                f"{setup_price:.2f}",
                symbols.get(code) or symbols.setdefault(code, symbol(code)),
            )
            for e164, monthly_price, setup_price, code in chunk
        )
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()


def _chunks(records: Iterable[NumberRecord], size: int) -> Iterator[tuple[NumberRecord, ...]]:
    iterator = iter(records)
    while chunk := tuple(itertools.islice(iterator, size)):
        yield chunk


class ChunkStream(io.RawIOBase):
    """A readable binary stream over an iterator of byte chunks (a stored file, read back)."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._pending:
            next_chunk = next(self._chunks, None)
            if next_chunk is None:
                return 0
            self._pending = next_chunk
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size


def chunked(read: Callable[[int], bytes], size: int = UPLOAD_CHUNK_BYTES) -> Iterator[bytes]:
    """The chunks of a stream, `size` bytes each (the last one shorter)."""
    while chunk := read(size):
        yield chunk
