"""Reading a JSON object from the request: 415, 413 and 400 are decided here, before any schema."""

from __future__ import annotations

import json
from decimal import MAX_EMAX, MIN_ETINY, Decimal, InvalidOperation

from flask import request
from werkzeug.exceptions import BadRequest, UnsupportedMediaType

# Python refuses to turn longer digit strings into an int; as a Decimal the domain can say why
# such a number is wrong (too large) instead of the body being called malformed.
_MAX_INT_DIGITS = 4000


class MalformedBody(BadRequest):
    pass


def json_object() -> dict[str, object]:
    """The body as a dict; JSON numbers with a fraction or exponent become Decimal, never float."""
    if not request.is_json:
        raise UnsupportedMediaType("send the body as application/json")
    raw = request.get_data(cache=False)  # 413 past MAX_CONTENT_LENGTH
    try:
        body = json.loads(raw, parse_float=_decimal, parse_int=_integer, parse_constant=_no_constant)
    except RecursionError:
        raise MalformedBody("the JSON body is nested too deeply") from None
    except ValueError as error:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise MalformedBody(f"the body is not valid JSON: {error}") from None
    if not isinstance(body, dict):
        raise MalformedBody(f"the body must be a JSON object, not {_json_kind(body)}")
    return body


def _integer(text: str) -> int | Decimal:
    return int(text) if len(text) <= _MAX_INT_DIGITS else Decimal(text)


def _decimal(text: str) -> Decimal:
    """A JSON number whose exponent no Decimal can hold (1e1000000000000000000) is valid JSON: it
    becomes the nearest Decimal there is, far out of any field's range, so that the field it was
    sent in is refused by its own rules (422) rather than the whole request failing."""
    try:
        return Decimal(text)
    except InvalidOperation:
        sign = "-" if text.startswith("-") else ""
        exponent_is_negative = "e-" in text.lower()
        return Decimal(f"{sign}1E{MIN_ETINY}" if exponent_is_negative else f"{sign}1E+{MAX_EMAX}")


def _no_constant(name: str) -> object:
    raise ValueError(f"{name} is not JSON")


def _json_kind(value: object) -> str:
    """What a JSON value is, in JSON's words (null, an array...), not Python's."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int | Decimal):  # how numbers are parsed here: never a float
        return "a number"
    return "an array" if isinstance(value, list) else "a string"
