"""phone_parsing gives phonenumbers' own answers, for valid numbers and invalid ones alike, and
refuses the extensions the library would read and leave aside."""

from __future__ import annotations

import random
from collections.abc import Iterator

import phonenumbers
import pytest
from phonenumbers import COUNTRY_CODE_TO_REGION_CODE, PhoneNumberFormat, national_significant_number

from src.domain import phone_parsing


def library(text: str) -> tuple[object, ...]:
    try:
        parsed = phonenumbers.parse(text, None)
    except phonenumbers.NumberParseException as error:
        return ("refused", error.error_type)
    if parsed.extension:
        return ("extension", parsed.extension)
    region = phonenumbers.region_code_for_number(parsed)
    return (
        phonenumbers.format_number(parsed, PhoneNumberFormat.E164),
        (parsed.country_code, national_significant_number(parsed)),
        region,
        region is not None and phonenumbers.is_valid_number_for_region(parsed, region),
    )


def ours(text: str) -> tuple[object, ...]:
    try:
        parsed = phone_parsing.parse(text)
    except phonenumbers.NumberParseException as error:
        return ("refused", error.error_type)
    except phone_parsing.ExtensionGiven as given:
        return ("extension", given.extension)
    return (phone_parsing.e164(*parsed), parsed, *phone_parsing.region_and_validity(*parsed))


def examples() -> Iterator[phonenumbers.PhoneNumber]:
    """An example of every number type of every region and non-geographic code."""
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        for number_type in range(12):
            if (example := phonenumbers.example_number_for_type(region, number_type)) is not None:
                yield example
    for country_code in sorted(phonenumbers.COUNTRY_CODES_FOR_NON_GEO_REGIONS):
        if (example := phonenumbers.example_number_for_non_geo_entity(country_code)) is not None:
            yield example


def texts() -> Iterator[str]:
    spin = random.Random(5)  # the same texts every run
    for example in examples():
        e164 = phonenumbers.format_number(example, PhoneNumberFormat.E164)
        yield e164
        yield phonenumbers.format_number(example, PhoneNumberFormat.INTERNATIONAL)
        for _ in range(4):  # near misses: a digit changed, cut, added; a zero after the code
            at = spin.randrange(2, len(e164))
            yield e164[:at] + spin.choice("0123456789") + e164[at + 1 :]
            yield e164[:at]
            yield e164 + spin.choice("0123456789")
        for at in (2, 3, 4):
            yield e164[:at] + "0" + e164[at:]
    codes = sorted(COUNTRY_CODE_TO_REGION_CODE)
    for _ in range(5000):
        yield f"+{spin.choice(codes)}" + "".join(spin.choices("0123456789", k=spin.randint(0, 16)))
    yield from (
        "+",
        "+0123456789",
        "+99912345678",
        "+1",
        "+12",
        "+1234567890123456789",
        "+44 20 7946 0958 x12",
    )


def test_every_answer_is_the_librarys() -> None:
    answers = ((text, library(text), ours(text)) for text in texts())
    assert [(text, theirs, mine) for text, theirs, mine in answers if theirs != mine] == []


def test_the_samples_hold_valid_and_invalid_numbers_of_many_regions() -> None:
    answers = [library(text) for text in texts()]
    read = [answer for answer in answers if answer[0] not in ("refused", "extension")]
    valid_regions = {answer[2] for answer in read if answer[3]}
    assert len(valid_regions) > 200
    assert sum(1 for answer in read if not answer[3]) > 5000
    assert sum(1 for answer in answers if answer[0] == "refused") > 100
    assert ("extension", "12") in answers


@pytest.mark.parametrize(
    ("text", "e164"),
    [
        ("+5584912344321", "+5584912344321"),
        ("+390612345678", "+390612345678"),  # Italy keeps its leading zero
        ("+4402079460958", "+442079460958"),  # the UK's national prefix, dropped as phonenumbers does
    ],
)
def test_plain_international_text_is_read_as_the_library_reads_it(text: str, e164: str) -> None:
    assert phone_parsing.e164(*phone_parsing.parse(text)) == e164
    assert phonenumbers.format_number(phonenumbers.parse(text, None), PhoneNumberFormat.E164) == e164


def test_plain_international_text_is_read_without_the_librarys_own_parser(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The point of `parse`: "+digits" of a valid number never pays for phonenumbers.parse (an
    import reads a million of them). Country codes of one, two and three digits."""
    e164s = [phonenumbers.format_number(example, PhoneNumberFormat.E164) for example in examples()]
    plain = [text for text in e164s if 7 <= len(text) - 1 <= 17]  # shorter ones take the long way
    expected = [library(text)[1] for text in plain]
    assert {len(str(country_code)) for country_code, _ in expected} == {1, 2, 3}  # type: ignore[arg-type]

    def not_here(*_args: object) -> phonenumbers.PhoneNumber:
        raise AssertionError("plain text went through phonenumbers.parse")

    monkeypatch.setattr(phonenumbers, "parse", not_here)
    assert [phone_parsing.parse(text) for text in plain] == expected
