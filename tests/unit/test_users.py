"""The user's value objects: what each accepts up to its exact bounds, and what each refusal says."""

from __future__ import annotations

import pytest

from src.domain.errors import DomainError
from src.domain.users import (
    MAX_EMAIL_LENGTH,
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
    EmailAddress,
    InvalidEmail,
    Role,
    UnknownRole,
    User,
    WeakPassword,
    check_password_strength,
)

EMAIL_MESSAGE = "must be an email address such as ana@example.com"


def refusal(call: object, raw: object) -> DomainError:
    with pytest.raises(DomainError) as raised:
        call(raw)  # type: ignore[operator]
    return raised.value


def test_the_bounds_and_rules_are_the_agreed_ones() -> None:
    assert (MAX_EMAIL_LENGTH, MIN_PASSWORD_LENGTH, MAX_PASSWORD_LENGTH) == (254, 10, 256)


def test_an_email_of_the_longest_length_is_accepted_one_more_is_not() -> None:
    longest = "a" * (MAX_EMAIL_LENGTH - len("@example.com")) + "@example.com"
    assert EmailAddress(longest).value == longest
    error = refusal(EmailAddress, "a" + longest)
    assert (type(error), error.message, error.field) == (InvalidEmail, EMAIL_MESSAGE, "email")


@pytest.mark.parametrize("raw", [None, 42, "no-at-sign", "two@@example.com"])
def test_what_is_no_email_is_refused_saying_so_on_the_email_field(raw: object) -> None:
    for parse in (EmailAddress.parse, EmailAddress):
        error = refusal(parse, raw)
        assert (type(error), error.message, error.field, str(error)) == (
            InvalidEmail,
            EMAIL_MESSAGE,
            "email",
            EMAIL_MESSAGE,
        )


def test_an_email_is_kept_trimmed_and_lower_cased() -> None:
    assert str(EmailAddress.parse("Ana@Example.COM")) == "ana@example.com"


def test_passwords_of_exactly_the_shortest_and_longest_length_are_accepted() -> None:
    for length in (MIN_PASSWORD_LENGTH, MAX_PASSWORD_LENGTH):
        assert check_password_strength("p" * length) == "p" * length


@pytest.mark.parametrize("length", [0, MIN_PASSWORD_LENGTH - 1, MAX_PASSWORD_LENGTH + 1])
def test_a_password_too_short_or_too_long_is_refused_with_the_bounds(length: int) -> None:
    error = refusal(check_password_strength, "p" * length)
    assert (type(error), error.message, error.field) == (
        WeakPassword,
        "must be 10 to 256 characters long",
        "password",
    )


def test_a_password_that_is_no_string_is_refused() -> None:
    error = refusal(check_password_strength, 1234567890123)
    assert (type(error), error.message, error.field) == (WeakPassword, "must be a string", "password")


def test_an_unknown_role_is_refused_naming_the_known_ones() -> None:
    error = refusal(Role.parse, "owner")
    assert (type(error), error.message, error.field) == (
        UnknownRole,
        "must be one of admin, supervisor, viewer",
        "role",
    )
    assert [Role.parse(name) for name in ("admin", "supervisor", "viewer")] == list(Role)


def test_a_new_user_keeps_what_it_is_given() -> None:
    user = User(EmailAddress("ana@example.com"), "hash", Role.VIEWER, active=False, id=7)
    assert (user.id, user.email, user.password_hash, user.role, user.active) == (
        7,
        EmailAddress("ana@example.com"),
        "hash",
        Role.VIEWER,
        False,
    )
    assert (User(EmailAddress("bo@example.com"), "h", Role.ADMIN).active, user.is_active_admin) == (
        True,
        False,
    )
