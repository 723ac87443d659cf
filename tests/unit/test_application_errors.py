"""What each application error tells its caller: the message the problem's `detail` carries, and
the fields the web layer reads (an id, a key, a line). The API tests see them over HTTP; these pin
them where they are made, so a changed word fails a unit test too."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from src.application.bulk_change import CountMismatch
from src.application.errors import (
    ApplicationError,
    Forbidden,
    IdempotencyKeyReused,
    ImportLineRefused,
    InvalidCredentials,
    LastActiveAdmin,
    NumberAlreadyExists,
    NumberChangedMeanwhile,
    NumberNotFound,
    TooManyLoginAttempts,
    Unauthenticated,
    UserAlreadyExists,
    UserNotFound,
    VersionMismatch,
)
from src.application.import_jobs import ImportJobNotFound


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: NumberNotFound(7), "there is no number with id 7"),
        (
            lambda: NumberAlreadyExists("+55 84 91234-4321"),
            "the number +55 84 91234-4321 is already in the inventory",
        ),
        (
            lambda: VersionMismatch(7, 3),
            "number 7 has changed since you read it; fetch it again and reapply your change",
        ),
        (
            lambda: NumberChangedMeanwhile(7),
            "number 7 was changed by another request at the same time; fetch it and retry",
        ),
        (
            lambda: IdempotencyKeyReused("k-1"),
            "the Idempotency-Key 'k-1' was already used with a different request body; "
            "use a new key for a new request",
        ),
        (lambda: Unauthenticated(token_given=True), "the token is invalid, expired or revoked; log in again"),
        (
            lambda: Unauthenticated(token_given=False),
            "send a bearer token (Authorization: Bearer <token>); get one at POST /api/v1/auth/tokens",
        ),
        (
            lambda: Forbidden("viewer", "write:numbers"),
            "a viewer may not do this (it needs the write:numbers permission)",
        ),
        (lambda: InvalidCredentials(), "wrong email or password"),
        (lambda: TooManyLoginAttempts(90), "too many failed logins from this client; try again in 90 s"),
        (lambda: UserNotFound(9), "there is no user with id 9"),
        (
            lambda: UserAlreadyExists("ana@example.com"),
            "a user with the email ana@example.com already exists",
        ),
        (
            lambda: LastActiveAdmin(),
            "the last active admin cannot be removed, demoted or deactivated; make another admin first",
        ),
        (lambda: ImportLineRefused(12, "is longer than 4096 bytes"), "line 12 is longer than 4096 bytes"),
        (lambda: ImportJobNotFound(4), "there is no import job with id 4"),
        (
            lambda: CountMismatch(expected=2, actual=3),
            "3 numbers match this filter now, not 2: nothing was changed; "
            "look at the table again and send the count you see",
        ),
    ],
)
def test_an_error_says_what_went_wrong_and_what_to_do(
    make: Callable[[], ApplicationError], message: str
) -> None:
    # Made in the test, not when the parameters are collected: mutation testing sees only what a
    # test itself runs.
    assert str(make()) == message


def test_errors_keep_what_the_web_layer_reads_from_them() -> None:
    assert NumberNotFound(7).number_id == 7
    assert NumberAlreadyExists("+55 84 91234-4321").international == "+55 84 91234-4321"
    mismatch = VersionMismatch(7, 3)
    assert (mismatch.number_id, mismatch.current_version) == (7, 3)
    assert NumberChangedMeanwhile(8).number_id == 8
    assert IdempotencyKeyReused("k-1").key == "k-1"
    assert Unauthenticated(token_given=True).token_given is True
    assert Unauthenticated(token_given=False).token_given is False
    assert TooManyLoginAttempts(90).retry_after_seconds == 90
    refused = ImportLineRefused(12, "is longer than 4096 bytes")
    assert (refused.line, refused.message) == (12, "is longer than 4096 bytes")
    assert ImportJobNotFound(4).job_id == 4
