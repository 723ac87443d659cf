"""phonenumbers' reading of an international number and its validity, at a quarter of the cost.

`phonenumbers.parse` first searches its input for letters, extensions, dialling prefixes and
punctuation; for plain "+digits" text (what files, exports and other systems send) none of that
can apply, so `parse` takes the library's own steps from the country code on.
`region_and_validity` answers `region_code_for_number` and `is_valid_number_for_region` in one
pass, with each region's patterns compiled once, trying the common types (fixed line, mobile)
first: validity only asks whether *some* type matches. An import checks a million numbers, so this
is most of its time.

Both functions give exactly the library's answers; tests/unit/test_phone_parsing.py compares them
on every region's example numbers, their mutations and random digits. The private helpers used
here are pinned with the library's version in constraints.txt; that test is what an upgrade must
pass.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import phonenumbers
from phonenumbers import COUNTRY_CODE_TO_REGION_CODE, PhoneMetadata
from phonenumbers import phonenumberutil as _util

_PLAIN_INTERNATIONAL = re.compile(r"\+[1-9]\d{6,16}")
_KEEPS_NATIONAL_PREFIX = (
    _util.ValidationResult.TOO_SHORT,
    _util.ValidationResult.IS_POSSIBLE_LOCAL_ONLY,
    _util.ValidationResult.INVALID_LENGTH,
)
_MIN_LENGTH, _MAX_LENGTH = 2, 17  # of a national significant number, as phonenumbers has them
# Every number type; fixed line and mobile first, as most numbers are one of them.
_TYPES = (
    "fixed_line", "mobile", "premium_rate", "toll_free", "shared_cost", "voip", "personal_number",
    "pager", "uan", "voicemail",
)  # fmt: skip


def parse(text: str) -> tuple[int, str]:
    """The country code and national significant number `phonenumbers.parse(text, None)` finds;
    raises phonenumbers.NumberParseException where it does, and ExtensionGiven for an extension."""
    if _PLAIN_INTERNATIONAL.fullmatch(text):
        digits = text[1:]
        for length in (1, 2, 3):  # country codes are prefix-free
            country_code = int(digits[:length])
            if country_code in COUNTRY_CODE_TO_REGION_CODE:
                national = _national_number(country_code, digits[length:])
                if national is not None:
                    return country_code, national
                break
    parsed = phonenumbers.parse(text, None)
    if parsed.extension:
        raise ExtensionGiven(parsed.extension)
    return int(parsed.country_code or 0), _util.national_significant_number(parsed)


class ExtensionGiven(ValueError):
    """The text names an extension ("ext. 5", ";ext=5", "x5"), which phonenumbers would read and
    leave aside: a number on sale has none, so `parse` refuses it rather than drop it unsaid."""

    def __init__(self, extension: str) -> None:
        super().__init__(extension)
        self.extension = extension


def _national_number(country_code: int, digits: str) -> str | None:
    """The end of phonenumbers.parse, once the country code is known; None where it would raise."""
    metadata, national_prefix = _parsing_metadata(country_code)
    if metadata is None or len(digits) < _MIN_LENGTH:
        return None
    national = digits
    # Most numbers start with no national prefix at all: then the library strips nothing, and
    # the national number is the digits whatever their length says.
    if national_prefix is not None and national_prefix.match(digits):
        _, without_prefix, _ = _util._maybe_strip_national_prefix_carrier_code(digits, metadata)
        if _util._test_number_length(without_prefix, metadata) not in _KEEPS_NATIONAL_PREFIX:
            national = without_prefix
    # Leading zeros stay, as phonenumbers keeps them ("italian_leading_zero").
    return national if _MIN_LENGTH <= len(national) <= _MAX_LENGTH else None


@cache  # one entry per country code
def _parsing_metadata(country_code: int) -> tuple[PhoneMetadata | None, re.Pattern[str] | None]:
    """The metadata phonenumbers.parse reads a country code's numbers by, and the pattern of a
    national prefix it may strip from them (None: there is none)."""
    region = phonenumbers.region_code_for_country_code(country_code)
    metadata = PhoneMetadata.metadata_for_region_or_calling_code(country_code, region)
    prefix = metadata.national_prefix_for_parsing if metadata is not None else None
    return metadata, re.compile(prefix) if prefix else None


def e164(country_code: int, national: str) -> str:
    """`phonenumbers.format_number(parsed, PhoneNumberFormat.E164)`."""
    return f"+{country_code}{national}"


def region_and_validity(country_code: int, national: str) -> tuple[str | None, bool]:
    """The region `phonenumbers.region_code_for_number` gives ("001" for non-geographic numbers,
    None when no region fits), and whether the number is valid there
    (`phonenumbers.is_valid_number_for_region`). Each region's patterns are tried once."""
    regions = COUNTRY_CODE_TO_REGION_CODE.get(country_code, ())
    if len(regions) == 1:
        patterns = _patterns(country_code, regions[0])
        return regions[0], patterns is not None and patterns.valid(national)
    for region in regions:  # the first whose leading digits or patterns fit
        patterns = _patterns(country_code, region)
        if patterns is None:
            continue
        if patterns.leading_digits is not None:
            if patterns.leading_digits.match(national):
                return region, patterns.valid(national)
        elif patterns.valid(national):
            return region, True
    return None, False


@dataclass(frozen=True)
class _RegionPatterns:
    general_lengths: frozenset[int]  # empty: any length
    general: re.Pattern[str] | None  # None: no number is valid
    # For each length, the number types possible at it as one pattern: a number is valid when
    # one of them matches, so one regular expression answers where phonenumbers tries ten.
    types_by_length: dict[int, re.Pattern[str]]
    leading_digits: re.Pattern[str] | None

    def valid(self, national: str) -> bool:
        length = len(national)
        if self.general is None or (self.general_lengths and length not in self.general_lengths):
            return False
        types = self.types_by_length.get(length)
        if types is None or self.general.fullmatch(national) is None:
            return False
        return types.fullmatch(national) is not None


@cache  # one entry per region: a few hundred at most
def _patterns(country_code: int, region: str) -> _RegionPatterns | None:
    metadata = PhoneMetadata.metadata_for_region_or_calling_code(country_code, region)
    if metadata is None:
        return None
    general = metadata.general_desc
    # With one pattern for both, phonenumbers never tries mobile on its own (its lengths may differ).
    names = [
        name for name in _TYPES if not (name == "mobile" and metadata.same_mobile_and_fixed_line_pattern)
    ]
    types = [
        (frozenset(description.possible_length), description.national_number_pattern)
        for description in (getattr(metadata, name) for name in names)
        if description is not None and description.national_number_pattern
    ]
    types_by_length = {}
    for length in range(_MAX_LENGTH + 1):
        possible = [pattern for lengths, pattern in types if not lengths or length in lengths]
        if possible:
            types_by_length[length] = re.compile("|".join(f"(?:{pattern})" for pattern in possible))
    return _RegionPatterns(
        frozenset(general.possible_length) if general is not None else frozenset(),
        re.compile(general.national_number_pattern)
        if general is not None and general.national_number_pattern
        else None,
        types_by_length,
        re.compile(metadata.leading_digits) if metadata.leading_digits is not None else None,
    )
