"""Details of use cases that mutation testing showed no unit test pinned down."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest

from src.application.authorize_request import AuthorizeRequest
from src.application.changes import Action, FieldChange
from src.application.create_user import CreateUser, NewUser
from src.application.delete_user import DeleteUser
from src.application.ensure_first_admin import EnsureFirstAdmin
from src.application.errors import InvalidCredentials, NumberNotFound, TooManyLoginAttempts
from src.application.get_number import GetNumber
from src.application.import_jobs import GetImportJob, ImportJobNotFound, JobStatus, StartImportJob
from src.application.import_numbers import ImportMode
from src.application.issue_token import AttemptKeys, Credentials, IssueToken
from src.application.results import UserResult
from src.application.revoke_token import RevokeToken
from src.application.update_user import UpdateUser, UserChanges
from src.domain.errors import InvalidFields
from src.domain.money import CurrencyCatalog
from src.domain.users import Permission, Role
from tests.fakes import (
    FakeImportJobStore,
    FakePasswordCheck,
    FakePasswordHasher,
    FakeUnitOfWork,
    StubNumberReader,
)

PASSWORD = "correct horse battery"
T0 = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
CURRENCIES = CurrencyCatalog({"U$": "USD"})


# How ListNumbers describes a page, and what it asks of the read side, is pinned down in
# tests/unit/test_number_listing.py (a stub reader); the page past the end costs the store one
# statement either way (the page and its count together), so there is no shortcut left to pin.


def add_user(uow: FakeUnitOfWork, role: str = "supervisor") -> int:
    return CreateUser(uow, FakePasswordHasher(), FakePasswordCheck())(
        NewUser("ana@example.com", PASSWORD, role)
    ).id


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


def log_in(
    uow: FakeUnitOfWork, clock: Clock, email: str = "ana@example.com", password: object = PASSWORD
) -> str:
    return IssueToken(uow, FakePasswordHasher(), clock, timedelta(hours=12))(
        Credentials(email, password)
    ).token


def test_changing_a_role_keeps_the_user_active_and_their_tokens_usable() -> None:
    uow, clock = FakeUnitOfWork(), Clock()
    user_id = add_user(uow)
    token = log_in(uow, clock)
    result = UpdateUser(uow, clock)(UserChanges(user_id, role="viewer"))
    assert (result.id, result.role, result.active) == (user_id, Role.VIEWER, True)
    assert AuthorizeRequest(uow.tokens, clock)(token, Permission.READ_NUMBERS).role is Role.VIEWER


def test_bad_changes_are_reported_on_their_own_fields() -> None:
    uow, clock = FakeUnitOfWork(), Clock()
    user_id = add_user(uow)
    with pytest.raises(InvalidFields) as raised:
        UpdateUser(uow, clock)(UserChanges(user_id, role="owner", active="yes"))
    assert [(error.field, error.message) for error in raised.value.errors] == [
        ("role", "must be one of admin, supervisor, viewer"),
        ("active", "must be true or false"),
    ]


def test_a_login_answers_the_token_its_expiry_and_its_user() -> None:
    uow, clock = FakeUnitOfWork(), Clock()
    user_id = add_user(uow, "viewer")
    issued = IssueToken(uow, FakePasswordHasher(), clock, timedelta(hours=12))(
        Credentials("ana@example.com", PASSWORD)
    )
    assert issued.expires_at == T0 + timedelta(hours=12)
    assert (issued.user.id, issued.user.email, issued.user.role) == (user_id, "ana@example.com", Role.VIEWER)


def test_a_password_that_is_no_string_is_a_wrong_password() -> None:
    uow, clock = FakeUnitOfWork(), Clock()
    add_user(uow)
    for password in (None, 1234567890, ["correct horse battery"]):
        with pytest.raises(InvalidCredentials):
            log_in(uow, clock, password=password)


def test_guesses_at_one_account_do_not_throttle_a_login_to_another() -> None:
    uow, clock = FakeUnitOfWork(), Clock()
    add_user(uow)
    for _ in range(5):
        with pytest.raises(InvalidCredentials):
            log_in(uow, clock, "bo@example.com", "wrong password")
    assert log_in(uow, clock)


def test_the_wait_is_at_least_one_second() -> None:
    uow, clock = FakeUnitOfWork(), Clock()
    add_user(uow)
    for _ in range(5):
        with pytest.raises(InvalidCredentials):
            log_in(uow, clock, password="wrong password")
    clock.now += timedelta(minutes=15) - timedelta(milliseconds=300)
    with pytest.raises(TooManyLoginAttempts) as raised:
        log_in(uow, clock)
    assert raised.value.retry_after_seconds == 1


def test_the_first_admin_logs_in_with_the_password_it_was_made_with() -> None:
    uow, clock = FakeUnitOfWork(), Clock()
    assert EnsureFirstAdmin(uow, FakePasswordHasher(), FakePasswordCheck())("root@example.com", PASSWORD)
    assert log_in(uow, clock, "root@example.com")
    assert not EnsureFirstAdmin(uow, FakePasswordHasher(), FakePasswordCheck())("two@example.com", PASSWORD)


def test_logging_out_with_an_unknown_or_already_revoked_token_changes_nothing() -> None:
    uow, clock = FakeUnitOfWork(), Clock()
    add_user(uow)
    token = log_in(uow, clock)
    RevokeToken(uow, clock)("never-issued")
    RevokeToken(uow, clock)(token)
    (stored,) = uow.tokens.tokens.values()
    assert stored.revoked_at == T0
    clock.now += timedelta(minutes=5)
    RevokeToken(uow, clock)(token)
    assert stored.revoked_at == T0  # the first logout's moment is kept


def test_a_deleted_user_is_recorded_with_their_id_email_and_every_field_before() -> None:
    uow = FakeUnitOfWork()
    add_user(uow, "admin")
    user_id = CreateUser(uow, FakePasswordHasher(), FakePasswordCheck())(
        NewUser("bea@example.com", PASSWORD, "viewer")
    ).id
    DeleteUser(uow)(user_id)
    deleted = uow.changes.changes[-1]
    assert (deleted.action, deleted.subject_id, deleted.subject) == (
        Action.USER_DELETE,
        user_id,
        "bea@example.com",
    )
    assert deleted.fields == {
        "email": FieldChange("bea@example.com", None),
        "role": FieldChange("viewer", None),
        "active": FieldChange(True, None),
    }


def test_a_job_is_stored_in_the_mode_asked_and_a_job_that_cannot_be_queued_says_so() -> None:
    store = FakeImportJobStore()

    def queue_down(_job_id: int) -> None:
        raise ConnectionError("the queue is down")

    with pytest.raises(ConnectionError):
        StartImportJob(store, queue_down)([b"header\n"], ImportMode.ALL_OR_NOTHING, 3)
    (job,) = store.jobs.values()
    assert (job.mode, job.status, job.error) == (
        ImportMode.ALL_OR_NOTHING,
        JobStatus.FAILED,
        "the job could not be queued",
    )


def test_a_job_hidden_from_its_caller_is_not_found_by_its_id() -> None:
    store = FakeImportJobStore()
    job = store.create(ImportMode.SKIP_INVALID, [b"header\n"], owner_id=3)
    stranger = UserResult(id=4, email="other@example.com", role=Role.SUPERVISOR, active=True)
    with pytest.raises(ImportJobNotFound, match=rf"^there is no import job with id {job.id}$"):
        GetImportJob(store)(job.id, stranger)


def test_a_missing_number_is_not_found_by_its_id() -> None:
    uow = FakeUnitOfWork()
    get = GetNumber(StubNumberReader(uow.numbers, CURRENCIES), AuthorizeRequest(uow.tokens, Clock()))
    with pytest.raises(NumberNotFound, match=r"^there is no number with id 404$"):
        get(404)


def test_an_account_is_throttled_past_fifty_of_its_own_attempts_not_at_fifty_nor_others() -> None:
    uow, clock = FakeUnitOfWork(), Clock()
    add_user(uow)
    issue = IssueToken(uow, FakePasswordHasher(), clock, timedelta(hours=12))
    for n in range(48):
        with pytest.raises(InvalidCredentials):
            issue(Credentials("ana@example.com", "wrong password", f"198.51.100.{n}"))
    with pytest.raises(InvalidCredentials):  # another account's attempt is not ana's
        issue(Credentials("bo@example.com", "wrong password", "198.51.100.200"))
    with pytest.raises(InvalidCredentials):  # ana's 49th and 50th, the last from a client seen before
        issue(Credentials("ana@example.com", "wrong password", "198.51.100.201"))
    with pytest.raises(InvalidCredentials):
        issue(Credentials("ana@example.com", "wrong password", "198.51.100.7"))
    with pytest.raises(TooManyLoginAttempts):  # the 51st
        issue(Credentials("ana@example.com", "wrong password", "198.51.100.7"))


def test_a_refused_attempt_is_not_counted_and_a_success_gives_its_own_back() -> None:
    uow, clock = FakeUnitOfWork(), Clock()
    add_user(uow)
    issue = IssueToken(uow, FakePasswordHasher(), clock, timedelta(hours=12))
    keys = AttemptKeys.of("203.0.113.9", "ana@example.com")
    issue(Credentials("ana@example.com", PASSWORD, "203.0.113.9"))
    windows = uow.login_attempts.windows
    assert (windows[keys.address].attempts, windows[keys.account].attempts) == (0, 0)
    assert keys.address_and_account not in windows
    for _ in range(5):
        with pytest.raises(InvalidCredentials):
            issue(Credentials("ana@example.com", "wrong password", "203.0.113.9"))
    for _ in range(2):
        with pytest.raises(TooManyLoginAttempts):
            issue(Credentials("ana@example.com", PASSWORD, "203.0.113.9"))
    windows = uow.login_attempts.windows
    assert [windows[key].attempts for key in (keys.address, keys.address_and_account, keys.account)] == [
        5,
        5,
        5,
    ]


def digest(*parts: str) -> str:
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()


def test_attempt_keys_are_the_digests_the_store_already_holds() -> None:
    """The keys are stored (login_attempts): deriving them otherwise would forget, at the next
    deploy, every window being counted."""
    keys = AttemptKeys.of("203.0.113.9", "Ana@Example.com")
    assert keys == AttemptKeys(
        digest("address", "203.0.113.9"),
        digest("address+account", "203.0.113.9", "ana@example.com"),
        digest("account", "ana@example.com"),
    )
    assert AttemptKeys.of("203.0.113.9", None).account == digest("account", "invalid:None")
    assert AttemptKeys.of("203.0.113.9", 12345).account == digest("account", "invalid:12345")
