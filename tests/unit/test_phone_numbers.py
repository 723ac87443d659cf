import pytest
from hypothesis import given
from hypothesis import strategies as st

from src.domain.errors import InvalidPhoneNumber
from src.domain.phone_numbers import PhoneNumber
from tests.factories import nth_phone_number


@pytest.mark.parametrize("spelling", ["+5584912344321", "+55 84 91234-4321", "+55 (84) 91234-4321"])
def test_every_spelling_of_a_number_is_the_same_number(spelling: str) -> None:
    number = PhoneNumber.parse(spelling)
    assert number == PhoneNumber("+5584912344321")
    assert number.international == "+55 84 91234-4321"
    assert number.country == "BR"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("5584912344321", "not an international phone number"),
        ("+55 84 1234", "not a valid phone number"),
        ("+1 555", "not a valid phone number"),
        ("abc", "not an international phone number"),
        ("", "not an international phone number"),
        ("+" + "9" * 100, "at most 64 characters"),
        ("+1 646 200 0004 ext. 5", r"has an extension \(5\)"),  # not dropped unsaid
        ("+1 646 200 0004;ext=5", "has an extension"),
        ("+1 646 200 0004 x5", "has an extension"),
        (5584912344321, "must be a string"),
        (None, "must be a string"),
    ],
)
def test_rejects_what_is_not_a_valid_international_number(text: object, message: str) -> None:
    with pytest.raises(InvalidPhoneNumber, match=message):
        PhoneNumber.parse(text)


def test_stored_form_must_be_e164() -> None:
    with pytest.raises(InvalidPhoneNumber, match=r"E\.164"):
        PhoneNumber("+55 84 91234-4321")


@given(st.integers(min_value=0, max_value=99_999_999))
def test_the_international_form_parses_back_to_the_same_number(n: int) -> None:
    number = PhoneNumber.parse(nth_phone_number(n))
    assert PhoneNumber.parse(number.international) == number
    assert PhoneNumber.parse(number.e164) == number
