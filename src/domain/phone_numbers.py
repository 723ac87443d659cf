"""PhoneNumber: a valid international number, kept as E.164 and shown in international format."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property, lru_cache

import phonenumbers

from src.domain import phone_parsing
from src.domain.errors import InvalidPhoneNumber

_E164 = re.compile(r"\+[1-9]\d{1,14}")
# phonenumbers gives up on longer input itself; refusing earlier keeps error messages short.
_MAX_INPUT_LENGTH = 64


@dataclass(frozen=True)
class PhoneNumber:
    """Holds the canonical E.164 form; two spellings of one number are equal."""

    e164: str

    def __post_init__(self) -> None:
        # Only the shape is checked here: rows loaded from the database were validated on the
        # way in, and parsing every loaded row again would cost more than the rest of a list.
        if not isinstance(self.e164, str) or not _E164.fullmatch(self.e164):
            raise InvalidPhoneNumber(f"{self.e164!r} is not in E.164 form (+ and up to 15 digits)")

    @classmethod
    def parse(cls, text: object) -> PhoneNumber:
        """Any spelling the phonenumbers library reads as an international number, if valid."""
        if not isinstance(text, str):
            raise InvalidPhoneNumber('must be a string such as "+55 84 91234-4321"')
        if len(text) > _MAX_INPUT_LENGTH:
            raise InvalidPhoneNumber(f"must be at most {_MAX_INPUT_LENGTH} characters long")
        try:
            country_code, national = phone_parsing.parse(text)
        except phone_parsing.ExtensionGiven as given:
            raise InvalidPhoneNumber(
                f"{text!r} has an extension ({given.extension[:10]}): give the number alone"
            ) from None
        except phonenumbers.NumberParseException as error:
            raise InvalidPhoneNumber(
                f"{text!r} is not an international phone number (start it with + and the country code)"
            ) from error
        # The region is found on the way to validity, and imports store it: keep it.
        region, valid = phone_parsing.region_and_validity(country_code, national)
        if not valid:
            raise InvalidPhoneNumber(f"{text!r} is not a valid phone number")
        number = cls(phone_parsing.e164(country_code, national))
        number.__dict__["country"] = _known(region)
        return number

    @cached_property
    def international(self) -> str:
        """The agreed display form, e.g. "+55 84 91234-4321"."""
        return international_format(self.e164)

    @cached_property
    def country(self) -> str | None:
        """ISO 3166 alpha-2 region of the number; None for non-geographic ones such as +800."""
        return _known(phone_parsing.region_and_validity(*phone_parsing.parse(self.e164))[0])

    def __str__(self) -> str:
        return self.e164


# Parsing and formatting cost tens of microseconds a number, paid again for every row of every
# page: the form depends on the E.164 text alone, so a process remembers the recent ones (about
# 2 MB at most; a page read again costs nothing).
@lru_cache(maxsize=16384)
def international_format(e164: str) -> str:
    """The display form of a stored (already valid) E.164 number."""
    parsed = phonenumbers.parse(e164, None)
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def _known(region: str | None) -> str | None:
    return region if region and region not in (phonenumbers.UNKNOWN_REGION, "001") else None


def is_region(code: str) -> bool:
    """Whether `code` is an ISO 3166 alpha-2 region that has phone numbers."""
    return code in phonenumbers.SUPPORTED_REGIONS
