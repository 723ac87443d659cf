"""Keyset cursors: opaque to clients, checked by us.

A cursor is base64url(JSON of the last row's sort values) + "." + base64url(HMAC-SHA256 over those
values, the filter and the sort, keyed with SECRET_KEY). Anything else, a changed byte, or a cursor
used with another filter or sort is an InvalidCursor (400), never a 500.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from decimal import Decimal

from src.application.number_listing import Listing, Position, SortField, SortValue
from src.application.ports import MAX_ID
from src.domain.errors import DomainError
from src.domain.money import parse_amount
from src.domain.phone_numbers import PhoneNumber

MAC_BYTES = 16
MAX_CURSOR_LENGTH = 512


class InvalidCursor(Exception):
    def __init__(self) -> None:
        super().__init__(
            "the cursor is not one this API made for this filter and sort; "
            "start again without a cursor (or with an empty one) and follow the Link headers"
        )


class CursorCodec:
    def __init__(self, secret: str) -> None:
        self._key = secret.encode()

    def encode(self, position: Position, listing: Listing) -> str:
        values = [str(value) if isinstance(value, Decimal) else value for value in position.after]
        payload = json.dumps(values, separators=(",", ":")).encode()
        return f"{_b64(payload)}.{_b64(self._mac(payload, listing))}"

    def decode(self, cursor: str, listing: Listing) -> Position:
        try:
            if len(cursor) > MAX_CURSOR_LENGTH:
                raise ValueError("too long")
            encoded_payload, encoded_mac = cursor.split(".")
            payload = _unb64(encoded_payload)
            if not hmac.compare_digest(_unb64(encoded_mac), self._mac(payload, listing)):
                raise ValueError("wrong checksum")
            values = json.loads(payload)
            if not isinstance(values, list) or len(values) != len(listing.sort.keys):
                raise ValueError("wrong shape")
            return Position(
                tuple(_value(key.field, value) for key, value in zip(listing.sort.keys, values, strict=True))
            )
        except (ValueError, TypeError, DomainError, binascii.Error) as error:
            raise InvalidCursor from error

    def _mac(self, payload: bytes, listing: Listing) -> bytes:
        message = payload + b"\n" + repr(listing).encode()
        return hmac.new(self._key, message, hashlib.sha256).digest()[:MAC_BYTES]


def _value(field: SortField, raw: object) -> SortValue:
    if field is SortField.ID:
        if isinstance(raw, bool) or not isinstance(raw, int) or not 0 < raw <= MAX_ID:
            raise ValueError("not an id")
        return raw
    if field is SortField.VALUE:
        return PhoneNumber(raw).e164  # type: ignore[arg-type]  # PhoneNumber checks the type
    if not isinstance(raw, str):
        raise ValueError("not an amount")
    return parse_amount(raw)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
