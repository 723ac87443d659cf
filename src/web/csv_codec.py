"""The CSV form of the inventory, read and written the same way: a header, then one number a row.

    value,monthyPrice,setupPrice,currency
    +5584912344321,0.03,3.40,U$

Read: UTF-8 with or without a BOM, `,` or `;` between fields (whichever the header uses), the
columns in any order and any case, other columns ignored; in `;` files prices may have a decimal
comma (`1,50`), as spreadsheets set to such locales write them.
Written: UTF-8, `,`, E.164 values, prices with 2 decimals, currency symbols.
Both stream: a row at a time in, a chunk at a time out.
"""

from __future__ import annotations

import codecs
import csv
import difflib
import io
import itertools
import operator
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import IO, Any, TypeVar, cast

from src.application.errors import ImportLineRefused, MalformedImportFile
from src.application.import_numbers import ImportRow
from src.application.number_fields import NumberData
from src.application.results import NumberRecord
from src.domain.errors import DomainError

COLUMNS = ("value", "monthyPrice", "setupPrice", "currency")
_DECIMAL_COMMA = re.compile(r"\d+,\d+")
READ_BUFFER_BYTES = 1024 * 1024
UPLOAD_CHUNK_BYTES = 1024 * 1024
WRITE_CHUNK_ROWS = 5000
Row = TypeVar("Row")
# Far beyond any real row (a number, two prices, a currency) or header, and small enough that a
# file of one endless line, or of endless fields, costs a request no memory to speak of.
MAX_LINE_BYTES = 16 * 1024
MAX_FIELDS_PER_ROW = 64


def read_number_rows(body: IO[bytes] | io.RawIOBase) -> NumberRows:
    """The rows of the file; iterating raises DomainError (field "header") when it has no usable
    header, ImportLineRefused for a line past the bounds, and MalformedImportFile when it is not
    UTF-8 CSV text."""
    return NumberRows(body)


class NumberRows:
    """The file's rows, read as they are iterated, and once read, notes about the file (columns
    that were ignored) for the report."""

    def __init__(self, body: IO[bytes] | io.RawIOBase) -> None:
        self._body = body
        self.notes: list[str] = []

    def __iter__(self) -> Iterator[ImportRow]:
        text = utf8_lines(bounded_lines(cast(IO[bytes], self._body)))
        try:
            header_line = next(text, "")
            delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
            reader = csv.reader(itertools.chain([header_line], text), delimiter=delimiter, strict=True)
            header = next(reader, [])
            positions, ignored = column_positions(header)
            self.notes.extend(f"the column {name!r} is not one of ours: it was ignored" for name in ignored)
            in_our_order = operator.itemgetter(*positions)
            # In a ;-separated file a comma cannot be a field separator, so "1,50" is a decimal comma.
            price = _decimal_comma_to_dot if delimiter == ";" else str.strip
            width = len(header)
            for fields in reader:
                if len(fields) > MAX_FIELDS_PER_ROW:
                    raise ImportLineRefused(reader.line_num, f"has more than {MAX_FIELDS_PER_ROW} fields")
                if len(fields) == width:
                    value, monthly_price, setup_price, currency = in_our_order(fields)
                    data = NumberData(
                        value.strip(), price(monthly_price), price(setup_price), currency.strip()
                    )
                    yield ImportRow(reader.line_num, data)
                elif fields:  # not a blank line
                    yield ImportRow(
                        reader.line_num, error=f"has {len(fields)} fields; the header names {width}"
                    )
        except UnicodeDecodeError as error:
            raise MalformedImportFile(f"the file is not UTF-8 text: {error.reason}") from None
        except csv.Error as error:
            raise MalformedImportFile(f"the file is not valid CSV: {error}") from None


def column_positions(header: list[str]) -> tuple[list[int], list[str]]:
    """Where each of COLUMNS is in the header (names compared without case or surrounding
    spaces), and the names of the other columns; DomainError on "header" naming each mistake."""
    ours = {column.lower(): column for column in COLUMNS}
    positions: dict[str, int] = {}
    others: list[str] = []
    for index, name in enumerate(header):
        column = ours.get(name.strip().lower())
        if column is None:
            others.append(name.strip())
        elif column in positions:
            raise DomainError(f"names the column {column!r} twice", "header")
        else:
            positions[column] = index
    missing = [column for column in COLUMNS if column not in positions]
    if not missing:
        return [positions[column] for column in COLUMNS], [name for name in others if name]
    if not any(header):
        raise DomainError(f"is empty: the first line must name the columns {','.join(COLUMNS)}", "header")
    mistakes = []
    for column in missing:
        close = difflib.get_close_matches(column.lower(), [name.lower() for name in others], n=1)
        if close:
            misspelt = next(name for name in others if name.lower() == close[0])
            others.remove(misspelt)
            mistakes.append(f"the column {misspelt!r} is not one of ours: did you mean {column!r}?")
        else:
            mistakes.append(f"the column {column!r} is missing")
    hint = f"the first line must name the columns {','.join(COLUMNS)}, in any order"
    raise DomainError(f"{'; '.join(mistakes)} ({hint})", "header")


def _decimal_comma_to_dot(text: str) -> str:
    text = text.strip()
    return text.replace(",", ".", 1) if _DECIMAL_COMMA.fullmatch(text) else text


def bounded_lines(stream: IO[bytes], max_line_bytes: int = MAX_LINE_BYTES) -> Iterator[bytes]:
    """The lines of a binary stream, each with its line break (\\n, \\r\\n or \\r, as CSV allows),
    read a buffer at a time. A line longer than `max_line_bytes` is refused (ImportLineRefused) as
    soon as that much of it has been read: memory holds a buffer and a line, whatever the file."""
    longest = max_line_bytes + 2  # and its line break
    pending = b""
    counted = 0
    while chunk := stream.read(READ_BUFFER_BYTES):
        # The last piece may be cut short (or be a \\r whose \\n comes next): it waits for more.
        *lines, pending = (pending + chunk).splitlines(keepends=True)
        if lines and max(map(len, lines)) > longest:
            first_long = next(index for index, line in enumerate(lines) if len(line) > longest)
            raise _too_long(counted + 1 + first_long, max_line_bytes)
        counted += len(lines)
        yield from lines
        if len(pending) > longest:
            raise _too_long(counted + 1, max_line_bytes)
    if pending:
        yield pending


def line_checked_chunks(
    stream: IO[bytes], size: int = UPLOAD_CHUNK_BYTES, max_line_bytes: int = MAX_LINE_BYTES
) -> Iterator[bytes]:
    """The file in chunks of about `size` bytes, for storing it for later, its lines checked on the
    way exactly as the import reads them (bounded_lines): a line past the bound refuses the file
    (ImportLineRefused) while it is being stored, so no file the import would refuse is ever kept,
    and memory holds a buffer and a chunk, whatever the file."""
    batch: list[bytes] = []
    batched = 0
    for line in bounded_lines(stream, max_line_bytes):
        batch.append(line)
        batched += len(line)
        if batched >= size:
            yield b"".join(batch)
            batch, batched = [], 0
    if batch:
        yield b"".join(batch)


def utf8_lines(lines: Iterable[bytes]) -> Iterator[str]:
    """Bytes lines as text, a BOM at the start dropped; UnicodeDecodeError on what is not UTF-8.
    Line by line is exact: a line break never falls inside a UTF-8 character."""
    iterator = iter(lines)
    first = next(iterator, None)
    if first is None:
        return
    yield first.removeprefix(codecs.BOM_UTF8).decode("utf-8")
    yield from map(bytes.decode, iterator)


def _too_long(line: int, max_line_bytes: int) -> ImportLineRefused:
    return ImportLineRefused(line, f"is longer than {max_line_bytes} bytes: is this a CSV file of numbers?")


def write_number_rows(records: Iterable[NumberRecord], symbol: Callable[[str], str]) -> Iterator[str]:
    """The CSV text of the records, in chunks; `symbol` gives a currency code's wire symbol."""
    symbols: dict[str, str] = {}
    return csv_text(
        COLUMNS,
        (
            (e164, monthly_price, setup_price, symbols.get(code) or symbols.setdefault(code, symbol(code)))
            for e164, monthly_price, setup_price, code in records
        ),
    )


def csv_text(
    header: Sequence[str], rows: Iterable[Sequence[object]], *, lineterminator: str = "\n"
) -> Iterator[str]:
    """A header and rows as CSV text, WRITE_CHUNK_ROWS rows a chunk, for a streamed answer."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=lineterminator)
    writer.writerow(header)
    for chunk in _chunks(rows, WRITE_CHUNK_ROWS):
        writer.writerows(chunk)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()


def _chunks(rows: Iterable[Row], size: int) -> Iterator[tuple[Row, ...]]:
    iterator = iter(rows)
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
