"""Reading an import's lines: every CSV line break, across buffer boundaries, within a bound."""

from __future__ import annotations

import io

import pytest

from src.application.errors import ImportLineRefused
from src.web import csv_codec
from src.web.csv_codec import bounded_lines, line_checked_chunks, utf8_lines


@pytest.mark.parametrize("buffer_bytes", [1, 2, 3, 7, 1024])
def test_lines_keep_their_breaks_across_buffer_boundaries(
    monkeypatch: pytest.MonkeyPatch, buffer_bytes: int
) -> None:
    monkeypatch.setattr(csv_codec, "READ_BUFFER_BYTES", buffer_bytes)
    data = b"a,b\r\nc\rd\ne\r\n\r\nlast"
    assert list(bounded_lines(io.BytesIO(data), max_line_bytes=8)) == [
        b"a,b\r\n",
        b"c\r",
        b"d\n",
        b"e\r\n",
        b"\r\n",
        b"last",
    ]


@pytest.mark.parametrize(("data", "line"), [(b"12345678901\n", 1), (b"ok\nok\n" + b"x" * 50, 3)])
def test_a_line_past_the_bound_is_refused_naming_it(
    monkeypatch: pytest.MonkeyPatch, data: bytes, line: int
) -> None:
    monkeypatch.setattr(csv_codec, "READ_BUFFER_BYTES", 4)
    with pytest.raises(ImportLineRefused) as refused:
        list(bounded_lines(io.BytesIO(data), max_line_bytes=8))
    assert refused.value.line == line


def test_the_bound_holds_however_little_was_read_before(monkeypatch: pytest.MonkeyPatch) -> None:
    reads: list[int] = []

    class Endless(io.RawIOBase):
        def readable(self) -> bool:
            return True

        def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
            reads.append(len(buffer))
            buffer[:] = b"," * len(buffer)
            return len(buffer)

    monkeypatch.setattr(csv_codec, "READ_BUFFER_BYTES", 1024)
    with pytest.raises(ImportLineRefused):
        list(bounded_lines(Endless(), max_line_bytes=4096))
    assert sum(reads) <= 4096 + 1024


def test_text_lines_drop_a_leading_bom_and_refuse_what_is_not_utf8() -> None:
    assert list(utf8_lines([b"\xef\xbb\xbfa\n", b"\xc3\xa9\n"])) == ["a\n", "é\n"]
    with pytest.raises(UnicodeDecodeError):
        list(utf8_lines([b"a\n", b"\xff\n"]))


def test_a_file_stored_for_later_is_chunked_unchanged_and_its_lines_checked_on_the_way(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(csv_codec, "READ_BUFFER_BYTES", 4)
    data = b"a,b\r\nc,d\re,f\n" * 5
    chunks = list(line_checked_chunks(io.BytesIO(data), size=10, max_line_bytes=8))
    assert b"".join(chunks) == data
    assert all(len(chunk) < 10 + 8 for chunk in chunks)

    stored: list[bytes] = []
    with pytest.raises(ImportLineRefused) as refused:
        stored.extend(line_checked_chunks(io.BytesIO(b"a,b\n" + b"," * 100), 10, 8))
    assert refused.value.line == 2
    assert len(b"".join(stored)) < 100
