"""Roles, tokens, logins and accounts, against fakes: no database, no Flask."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from src.application.authorize_request import AuthorizeRequest
from src.application.change_password import ChangePassword, PasswordChange
from src.application.create_user import CreateUser, NewUser
from src.application.delete_user import DeleteUser
from src.application.ensure_first_admin import EnsureFirstAdmin
from src.application.errors import (
    DuplicateRecord,
    Forbidden,
    InvalidCredentials,
    LastActiveAdmin,
    TooManyLoginAttempts,
    Unauthenticated,
    UserAlreadyExists,
)
from src.application.issue_token import Credentials, IssueToken
from src.application.purge_stale_records import Purged, PurgeStaleRecords
from src.application.revoke_token import RevokeToken
from src.application.update_user import UpdateUser, UserChanges
from src.domain.errors import InvalidFields
from src.domain.users import EmailAddress, InvalidEmail, Permission, Role
from tests.fakes import FakePasswordCheck, FakePasswordHasher, FakeUnitOfWork

PASSWORD = "correct horse battery"
TTL = timedelta(hours=12)


class FakeClock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def uow() -> FakeUnitOfWork:
    return FakeUnitOfWork()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def hasher() -> FakePasswordHasher:
    return FakePasswordHasher()


def add_user(uow: FakeUnitOfWork, hasher: FakePasswordHasher, email: str, role: str) -> int:
    return CreateUser(uow, hasher, FakePasswordCheck())(NewUser(email, PASSWORD, role)).id


def log_in(
    uow: FakeUnitOfWork,
    hasher: FakePasswordHasher,
    clock: FakeClock,
    email: str,
    password: str = PASSWORD,
    client: str = "192.0.2.1",
) -> str:
    return IssueToken(uow, hasher, clock, TTL)(Credentials(email, password, client)).token


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (Role.VIEWER, {Permission.USE_OWN_ACCOUNT, Permission.READ_NUMBERS}),
        (Role.SUPERVISOR, {Permission.USE_OWN_ACCOUNT, Permission.READ_NUMBERS, Permission.WRITE_NUMBERS}),
        (Role.ADMIN, set(Permission)),
    ],
)
def test_each_role_may_do_exactly_its_part(role: Role, allowed: set[Permission]) -> None:
    assert {permission for permission in Permission if role.may(permission)} == allowed


def test_emails_are_compared_case_insensitively() -> None:
    assert EmailAddress("Ana@Example.COM") == EmailAddress("ana@example.com")


@pytest.mark.parametrize(
    "email", ["no-at-sign", "a@", "@b", "two words@x.y", "nul\x00@x.y", "x" * 251 + "@x.y"]
)
def test_rejects_what_is_not_an_email(email: str) -> None:
    with pytest.raises(InvalidFields):
        CreateUser(FakeUnitOfWork(), FakePasswordHasher(), FakePasswordCheck())(
            NewUser(email, PASSWORD, "viewer")
        )


def test_a_new_user_needs_a_real_email_a_long_password_and_a_known_role(uow: FakeUnitOfWork) -> None:
    with pytest.raises(InvalidFields) as raised:
        CreateUser(uow, FakePasswordHasher(), FakePasswordCheck())(NewUser("nobody", "short", "owner"))
    assert [error.field for error in raised.value.errors] == ["email", "password", "role"]
    assert uow.users.count() == 0


def test_passwords_are_stored_only_hashed(uow: FakeUnitOfWork, hasher: FakePasswordHasher) -> None:
    user_id = add_user(uow, hasher, "ana@example.com", "viewer")
    stored = uow.users.get(user_id)
    assert stored is not None
    assert PASSWORD not in stored.password_hash


def test_one_email_one_user_whatever_its_case(uow: FakeUnitOfWork, hasher: FakePasswordHasher) -> None:
    add_user(uow, hasher, "ana@example.com", "viewer")
    with pytest.raises(UserAlreadyExists):
        add_user(uow, hasher, "ANA@example.com", "admin")


def test_a_token_authorizes_what_its_users_role_allows(
    uow: FakeUnitOfWork, hasher: FakePasswordHasher, clock: FakeClock
) -> None:
    add_user(uow, hasher, "viewer@example.com", "viewer")
    token = log_in(uow, hasher, clock, "Viewer@Example.com")
    authorize = AuthorizeRequest(uow.tokens, clock)
    assert authorize(token, Permission.READ_NUMBERS).email == "viewer@example.com"
    with pytest.raises(Forbidden):
        authorize(token, Permission.WRITE_NUMBERS)


def test_tokens_are_stored_only_as_hashes(
    uow: FakeUnitOfWork, hasher: FakePasswordHasher, clock: FakeClock
) -> None:
    add_user(uow, hasher, "ana@example.com", "viewer")
    token = log_in(uow, hasher, clock, "ana@example.com")
    (stored,) = uow.tokens.tokens.values()
    assert token not in stored.token_hash
    assert len(stored.token_hash) == 64


@pytest.mark.parametrize("token", [None, "", "made-up"])
def test_no_or_unknown_token_is_unauthenticated(
    uow: FakeUnitOfWork, clock: FakeClock, token: str | None
) -> None:
    with pytest.raises(Unauthenticated) as raised:
        AuthorizeRequest(uow.tokens, clock)(token, Permission.READ_NUMBERS)
    assert raised.value.token_given is bool(token)


def test_a_token_expires(uow: FakeUnitOfWork, hasher: FakePasswordHasher, clock: FakeClock) -> None:
    add_user(uow, hasher, "ana@example.com", "viewer")
    token = log_in(uow, hasher, clock, "ana@example.com")
    clock.now += TTL - timedelta(seconds=1)
    AuthorizeRequest(uow.tokens, clock)(token, Permission.READ_NUMBERS)
    clock.now += timedelta(seconds=1)
    with pytest.raises(Unauthenticated):
        AuthorizeRequest(uow.tokens, clock)(token, Permission.READ_NUMBERS)


def test_logging_out_revokes_the_token_at_once(
    uow: FakeUnitOfWork, hasher: FakePasswordHasher, clock: FakeClock
) -> None:
    add_user(uow, hasher, "ana@example.com", "viewer")
    token = log_in(uow, hasher, clock, "ana@example.com")
    RevokeToken(uow, clock)(token)
    with pytest.raises(Unauthenticated):
        AuthorizeRequest(uow.tokens, clock)(token, Permission.USE_OWN_ACCOUNT)


def test_deactivating_a_user_revokes_their_tokens(
    uow: FakeUnitOfWork, hasher: FakePasswordHasher, clock: FakeClock
) -> None:
    user_id = add_user(uow, hasher, "ana@example.com", "supervisor")
    token = log_in(uow, hasher, clock, "ana@example.com")
    UpdateUser(uow, clock)(UserChanges(user_id, active=False))
    with pytest.raises(Unauthenticated):
        AuthorizeRequest(uow.tokens, clock)(token, Permission.READ_NUMBERS)
    with pytest.raises(InvalidCredentials):
        log_in(uow, hasher, clock, "ana@example.com")


def test_a_token_of_a_deactivated_user_stays_revoked_once_they_are_reactivated(
    uow: FakeUnitOfWork, hasher: FakePasswordHasher, clock: FakeClock
) -> None:
    user_id = add_user(uow, hasher, "ana@example.com", "supervisor")
    old_token = log_in(uow, hasher, clock, "ana@example.com")
    UpdateUser(uow, clock)(UserChanges(user_id, active=False))
    UpdateUser(uow, clock)(UserChanges(user_id, active=True))
    with pytest.raises(Unauthenticated):
        AuthorizeRequest(uow.tokens, clock)(old_token, Permission.READ_NUMBERS)
    new_token = log_in(uow, hasher, clock, "ana@example.com")
    assert AuthorizeRequest(uow.tokens, clock)(new_token, Permission.READ_NUMBERS).id == user_id


def test_an_inactive_users_unrevoked_token_is_unauthenticated_not_forbidden(
    uow: FakeUnitOfWork, hasher: FakePasswordHasher, clock: FakeClock
) -> None:
    """However the user came to be inactive (a change made straight in the store, a token issued
    in a race with the deactivation), their token no longer says who is asking: 401, not 403."""
    user_id = add_user(uow, hasher, "ana@example.com", "supervisor")
    token = log_in(uow, hasher, clock, "ana@example.com")
    user = uow.users.get(user_id)
    assert user is not None
    user.active = False
    with pytest.raises(Unauthenticated) as raised:
        AuthorizeRequest(uow.tokens, clock)(token, Permission.USE_OWN_ACCOUNT)
    assert raised.value.token_given is True


@pytest.mark.parametrize("password", ["wrong password", ""])
def test_a_wrong_password_is_refused(
    uow: FakeUnitOfWork, hasher: FakePasswordHasher, clock: FakeClock, password: str
) -> None:
    add_user(uow, hasher, "ana@example.com", "viewer")
    with pytest.raises(InvalidCredentials):
        log_in(uow, hasher, clock, "ana@example.com", password)


def test_an_unknown_email_costs_the_same_password_check(
    uow: FakeUnitOfWork, hasher: FakePasswordHasher, clock: FakeClock
) -> None:
    add_user(uow, hasher, "ana@example.com", "viewer")
    for email in ("ana@example.com", "nobody@example.com", "not an email"):
        before = hasher.verifications
        with pytest.raises(InvalidCredentials):
            log_in(uow, hasher, clock, email, "wrong password")
        assert hasher.verifications == before + 1


def test_the_sixth_login_from_one_client_at_one_account_is_throttled_for_that_client_only(
    uow: FakeUnitOfWork, hasher: FakePasswordHasher, clock: FakeClock
) -> None:
    add_user(uow, hasher, "ana@example.com", "admin")
    for _ in range(5):
        with pytest.raises(InvalidCredentials):
            log_in(uow, hasher, clock, "ana@example.com", "wrong password", client="203.0.113.9")
        clock.now += timedelta(minutes=1)
    with pytest.raises(TooManyLoginAttempts) as raised:
        log_in(uow, hasher, clock, "ANA@example.com", client="203.0.113.9")
    assert raised.value.retry_after_seconds == 10 * 60  # until the window of the first attempt ends
    assert log_in(uow, hasher, clock, "ana@example.com", client="192.0.2.1")  # the user, elsewhere
    clock.now += timedelta(minutes=10)
    assert log_in(uow, hasher, clock, "ana@example.com", client="203.0.113.9")


def test_one_client_trying_many_accounts_is_throttled_after_forty_attempts(
    uow: FakeUnitOfWork, hasher: FakePasswordHasher, clock: FakeClock
) -> None:
    add_user(uow, hasher, "ana@example.com", "viewer")
    for n in range(40):
        with pytest.raises(InvalidCredentials):
            log_in(uow, hasher, clock, f"guess{n}@example.com", "wrong password", client="203.0.113.9")
    with pytest.raises(TooManyLoginAttempts):
        log_in(uow, hasher, clock, "ana@example.com", client="203.0.113.9")
    assert log_in(uow, hasher, clock, "ana@example.com", client="192.0.2.1")


def test_an_account_guessed_at_from_many_clients_refuses_those_clients_not_its_user(
    uow: FakeUnitOfWork, hasher: FakePasswordHasher, clock: FakeClock
) -> None:
    add_user(uow, hasher, "ana@example.com", "viewer")
    for n in range(50):
        with pytest.raises(InvalidCredentials):
            log_in(uow, hasher, clock, "ana@example.com", "wrong password", client=f"198.51.100.{n}")
    with pytest.raises(TooManyLoginAttempts):  # a client that has already guessed wrong
        log_in(uow, hasher, clock, "ana@example.com", "another guess", client="198.51.100.7")
    assert log_in(uow, hasher, clock, "ana@example.com", client="192.0.2.1")


def test_attempts_are_counted_before_the_password_is_checked(
    uow: FakeUnitOfWork, hasher: FakePasswordHasher, clock: FakeClock
) -> None:
    """The count is what limits concurrent guesses: an attempt refused is never checked."""
    add_user(uow, hasher, "ana@example.com", "viewer")
    for _ in range(5):
        with pytest.raises(InvalidCredentials):
            log_in(uow, hasher, clock, "ana@example.com", "wrong password")
    checked = hasher.verifications
    with pytest.raises(TooManyLoginAttempts):
        log_in(uow, hasher, clock, "ana@example.com")
    assert hasher.verifications == checked


def test_a_successful_login_clears_the_clients_failures(
    uow: FakeUnitOfWork, hasher: FakePasswordHasher, clock: FakeClock
) -> None:
    add_user(uow, hasher, "ana@example.com", "viewer")
    for _ in range(4):
        with pytest.raises(InvalidCredentials):
            log_in(uow, hasher, clock, "ana@example.com", "wrong password")
    log_in(uow, hasher, clock, "ana@example.com")
    for _ in range(5):
        with pytest.raises(InvalidCredentials):
            log_in(uow, hasher, clock, "ana@example.com", "wrong password")


@pytest.mark.parametrize("password", [" " * 10, "\t\n" * 6, "1234567890", "password12", "Ana@Example.com!"])
def test_blank_common_and_guessable_passwords_are_refused(uow: FakeUnitOfWork, password: str) -> None:
    with pytest.raises(InvalidFields) as raised:
        CreateUser(uow, FakePasswordHasher(), FakePasswordCheck())(
            NewUser("ana@example.com", password, "viewer")
        )
    assert [error.field for error in raised.value.errors] == ["password"]
    assert uow.users.count() == 0


def change_password(
    uow: FakeUnitOfWork, hasher: FakePasswordHasher, clock: FakeClock, change: PasswordChange
) -> None:
    ChangePassword(uow, hasher, FakePasswordCheck(), clock)(change)


def test_changing_ones_password_keeps_this_token_and_revokes_every_other(
    uow: FakeUnitOfWork, hasher: FakePasswordHasher, clock: FakeClock
) -> None:
    user_id = add_user(uow, hasher, "ana@example.com", "viewer")
    this, other = log_in(uow, hasher, clock, "ana@example.com"), log_in(uow, hasher, clock, "ana@example.com")
    change_password(uow, hasher, clock, PasswordChange(user_id, this, PASSWORD, "a new long passphrase"))
    authorize = AuthorizeRequest(uow.tokens, clock)
    assert authorize(this, Permission.READ_NUMBERS).id == user_id
    with pytest.raises(Unauthenticated):
        authorize(other, Permission.READ_NUMBERS)
    with pytest.raises(InvalidCredentials):
        log_in(uow, hasher, clock, "ana@example.com")
    assert log_in(uow, hasher, clock, "ana@example.com", "a new long passphrase")


@pytest.mark.parametrize(
    ("current", "new", "field"),
    [("wrong password", "a new long passphrase", "currentPassword"), (PASSWORD, "1234567890", "newPassword")],
)
def test_a_password_change_needs_the_current_password_and_a_good_new_one(
    uow: FakeUnitOfWork, hasher: FakePasswordHasher, clock: FakeClock, current: str, new: str, field: str
) -> None:
    user_id = add_user(uow, hasher, "ana@example.com", "viewer")
    token = log_in(uow, hasher, clock, "ana@example.com")
    with pytest.raises(InvalidFields) as raised:
        change_password(uow, hasher, clock, PasswordChange(user_id, token, current, new))
    assert [error.field for error in raised.value.errors] == [field]
    assert log_in(uow, hasher, clock, "ana@example.com")  # the password is unchanged


def test_stale_tokens_and_ended_login_windows_are_purged(
    uow: FakeUnitOfWork, hasher: FakePasswordHasher, clock: FakeClock
) -> None:
    add_user(uow, hasher, "ana@example.com", "viewer")
    live = log_in(uow, hasher, clock, "ana@example.com")
    RevokeToken(uow, clock)(log_in(uow, hasher, clock, "ana@example.com"))
    with pytest.raises(InvalidCredentials):
        log_in(uow, hasher, clock, "ana@example.com", "wrong password")
    assert PurgeStaleRecords(uow, clock)() == Purged(tokens=1, login_attempt_windows=0)
    clock.now += timedelta(minutes=16)
    assert PurgeStaleRecords(uow, clock)() == Purged(tokens=0, login_attempt_windows=3)
    clock.now += TTL
    assert PurgeStaleRecords(uow, clock)() == Purged(tokens=1, login_attempt_windows=0)
    with pytest.raises(Unauthenticated):
        AuthorizeRequest(uow.tokens, clock)(live, Permission.READ_NUMBERS)


@pytest.mark.parametrize("change", [UserChanges(1, role="supervisor"), UserChanges(1, active=False)])
def test_the_last_active_admin_cannot_be_demoted_or_deactivated(
    uow: FakeUnitOfWork, hasher: FakePasswordHasher, clock: FakeClock, change: UserChanges
) -> None:
    assert add_user(uow, hasher, "root@example.com", "admin") == 1
    with pytest.raises(LastActiveAdmin):
        UpdateUser(uow, clock)(change)
    admin = uow.users.get(1)
    assert admin is not None
    assert admin.is_active_admin


def test_the_last_active_admin_cannot_be_deleted_but_one_of_two_can(
    uow: FakeUnitOfWork, hasher: FakePasswordHasher, clock: FakeClock
) -> None:
    first = add_user(uow, hasher, "root@example.com", "admin")
    with pytest.raises(LastActiveAdmin):
        DeleteUser(uow)(first)
    second = add_user(uow, hasher, "other@example.com", "admin")
    UpdateUser(uow, clock)(UserChanges(second, active=False))
    with pytest.raises(LastActiveAdmin):
        DeleteUser(uow)(first)
    UpdateUser(uow, clock)(UserChanges(second, active=True))
    DeleteUser(uow)(first)
    assert [user.email.value for user in uow.users.list()] == ["other@example.com"]


def test_the_first_admin_is_made_only_on_an_empty_install(
    uow: FakeUnitOfWork, hasher: FakePasswordHasher
) -> None:
    ensure = EnsureFirstAdmin(uow, hasher, FakePasswordCheck())
    assert ensure("root@example.com", PASSWORD) is True
    assert ensure("other@example.com", PASSWORD) is False
    assert [(u.email.value, u.role) for u in uow.users.list()] == [("root@example.com", Role.ADMIN)]


def test_a_user_created_by_a_racing_request_meanwhile_is_409(
    uow: FakeUnitOfWork, hasher: FakePasswordHasher
) -> None:
    """The email was free when looked up; another request stored it before this commit."""
    uow.commit_error = DuplicateRecord("users_email_key")
    with pytest.raises(UserAlreadyExists) as raised:
        add_user(uow, hasher, "ana@example.com", "viewer")
    assert "ana@example.com" in str(raised.value)
    assert uow.users.list() == []  # rolled back


def test_the_first_admin_made_by_a_racing_replica_meanwhile_is_not_made_twice(
    uow: FakeUnitOfWork, hasher: FakePasswordHasher
) -> None:
    uow.commit_error = DuplicateRecord("users_email_key")
    assert EnsureFirstAdmin(uow, hasher, FakePasswordCheck())("root@example.com", PASSWORD) is False
    assert uow.users.list() == []


def test_an_email_is_measured_as_stored_lower_cased() -> None:
    """ "İ" lower-cases to two code points: 242 of them fit 254 characters, but not once stored."""
    with pytest.raises(InvalidEmail):
        EmailAddress("İ" * 242 + "@example.com")
    assert EmailAddress("İ" * 121 + "@example.com").value == "i̇" * 121 + "@example.com"
