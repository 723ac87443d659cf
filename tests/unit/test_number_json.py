"""Numbers as JSON: written into a template for speed, byte for byte what the JSON encoder makes of
the documents NumberOut describes."""

from __future__ import annotations

import json

from src.application.results import NumberView
from src.web.schemas import NumberOut, number_json, numbers_json

VIEWS = [
    NumberView(1, 2, "+55 84 91234-4321", "0.03", "3.40", "R$"),
    # Text the template must escape as the encoder does: quotes, backslashes, control characters,
    # and non-ASCII left as it is (UTF-8).
    NumberView(2**40, 1, '+1 "650" \\ 253-0000', "1.50", "10.00", "€\n\u2028\x01\t"),
]


def encoded(document: object) -> bytes:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


def test_a_page_is_written_as_the_encoder_writes_its_documents() -> None:
    assert numbers_json(VIEWS) == encoded([NumberOut.document(view) for view in VIEWS])
    assert json.loads(numbers_json(VIEWS))[1]["currency"] == "€\n\u2028\x01\t"


def test_one_number_is_written_as_the_encoder_writes_its_document() -> None:
    for view in VIEWS:
        assert number_json(view) == encoded(NumberOut.document(view))


def test_an_empty_page_is_an_empty_array() -> None:
    assert numbers_json([]) == b"[]"
    assert numbers_json(iter(VIEWS)) == numbers_json(VIEWS)
