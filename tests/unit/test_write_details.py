"""Details of the writes that mutation testing showed no unit test pinned down: what a refusal
names, which race a lost write reports, what the history records, what a success forgives."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from src.application.access_tokens import AccessToken, hash_secret, new_secret
from src.application.authorize_request import AuthorizeRequest
from src.application.bulk_change import BulkChange, BulkChangeCommand
from src.application.change_password import ChangePassword, PasswordChange
from src.application.changes import Action, Actor, History
from src.application.create_number import CreateNumber, CreateNumberCommand
from src.application.create_user import CreateUser, NewUser
from src.application.delete_number import DeleteNumber, DeleteNumberCommand
from src.application.errors import (
    ConcurrentUpdate,
    DuplicateRecord,
    Forbidden,
    IdempotencyKeyReused,
    NumberAlreadyExists,
    NumberChangedMeanwhile,
    NumberNotFound,
    Unauthenticated,
    UserAlreadyExists,
    VersionMismatch,
)
from src.application.get_number import GetNumber
from src.application.idempotency import IdempotencyKey
from src.application.issue_token import AttemptKeys
from src.application.number_listing import NumberFilter
from src.application.patch_number import PatchNumber, PatchNumberCommand
from src.application.replace_number import ReplaceNumber, ReplaceNumberCommand
from src.application.update_user import UpdateUser, UserChanges
from src.domain.errors import DomainError, InvalidFields
from src.domain.money import CurrencyCatalog
from src.domain.users import EmailAddress, Permission, Role, User
from tests.factories import NumberDataFactory, NumberFactory
from tests.fakes import FakePasswordCheck, FakePasswordHasher, FakeUnitOfWork, StubNumberReader

CURRENCIES = CurrencyCatalog({"U$": "USD", "R$": "BRL"})
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
PASSWORD = "correct horse battery"


def stored(uow: FakeUnitOfWork, text: str) -> int:
    number = NumberFactory(phone_number__text=text)
    uow.numbers.add(number)
    assert number.id is not None
    return number.id


def test_replacing_or_patching_with_another_numbers_phone_number_names_that_number() -> None:
    uow = FakeUnitOfWork()
    stored(uow, "+55 84 91234-0001")
    second = stored(uow, "+55 84 91234-0002")
    data = NumberDataFactory(value="+5584912340001")
    with pytest.raises(NumberAlreadyExists) as replacing:
        ReplaceNumber(uow, CURRENCIES)(ReplaceNumberCommand(second, data))
    with pytest.raises(NumberAlreadyExists) as patching:
        PatchNumber(uow, CURRENCIES)(PatchNumberCommand(second, {"value": "+5584912340001"}))
    for refused in (replacing, patching):
        assert str(refused.value) == "the number +55 84 91234-0001 is already in the inventory"


@pytest.mark.parametrize(
    ("if_match", "error"), [(frozenset({1}), VersionMismatch), (None, NumberChangedMeanwhile)]
)
def test_a_replace_or_delete_that_loses_a_race_says_which_race(
    if_match: frozenset[int] | None, error: type[Exception]
) -> None:
    uow = FakeUnitOfWork()
    number_id = stored(uow, "+55 84 91234-0001")
    uow.commit_error = ConcurrentUpdate("the row moved on")
    with pytest.raises(error):
        ReplaceNumber(uow, CURRENCIES)(ReplaceNumberCommand(number_id, NumberDataFactory(), if_match))
    with pytest.raises(error):
        DeleteNumber(uow)(DeleteNumberCommand(number_id, if_match))


def test_a_replace_or_patch_that_loses_the_race_for_a_phone_number_names_the_one_it_wanted() -> None:
    uow = FakeUnitOfWork()
    number_id = stored(uow, "+55 84 91234-0001")
    uow.commit_error = DuplicateRecord("another writer took it first")
    with pytest.raises(NumberAlreadyExists) as replacing:
        ReplaceNumber(uow, CURRENCIES)(
            ReplaceNumberCommand(number_id, NumberDataFactory(value="+5584912340007"))
        )
    with pytest.raises(NumberAlreadyExists) as patching:
        PatchNumber(uow, CURRENCIES)(PatchNumberCommand(number_id, {"value": "+5584912340008"}))
    assert str(replacing.value) == "the number +55 84 91234-0007 is already in the inventory"
    assert str(patching.value) == "the number +55 84 91234-0008 is already in the inventory"


def test_a_write_that_does_not_commit_leaves_no_change_record() -> None:
    uow = FakeUnitOfWork()
    number_id = stored(uow, "+55 84 91234-0001")
    uow.commit_error = ConcurrentUpdate("the row moved on")
    with pytest.raises(NumberChangedMeanwhile):
        PatchNumber(uow, CURRENCIES)(PatchNumberCommand(number_id, {"setup_price": "9.99"}))
    assert uow.changes.changes == []
    assert uow.numbers.get(number_id).setup_price.amount != Decimal("9.99")


def test_a_replace_a_patch_and_a_delete_record_the_number_they_changed() -> None:
    uow = FakeUnitOfWork()
    number_id = stored(uow, "+55 84 91234-0001")
    data = NumberDataFactory(value="+5584912340009")
    ReplaceNumber(uow, CURRENCIES)(ReplaceNumberCommand(number_id, data))
    PatchNumber(uow, CURRENCIES)(PatchNumberCommand(number_id, {"value": "+5584912340008"}))
    DeleteNumber(uow)(DeleteNumberCommand(number_id))
    assert [(c.action, c.subject_id, c.subject) for c in uow.changes.changes] == [
        (Action.REPLACE, number_id, "+5584912340009"),
        (Action.PATCH, number_id, "+5584912340008"),
        (Action.DELETE, number_id, "+5584912340008"),
    ]


def test_a_user_update_records_the_user_it_changed() -> None:
    uow = FakeUnitOfWork()
    hasher, check = FakePasswordHasher(), FakePasswordCheck()
    CreateUser(uow, hasher, check)(NewUser("root@example.com", PASSWORD, "admin"))
    bea = CreateUser(uow, hasher, check)(NewUser("bea@example.com", PASSWORD, "viewer")).id
    UpdateUser(uow, lambda: NOW)(UserChanges(bea, role="supervisor"))
    updated = uow.changes.changes[-1]
    assert (updated.action, updated.subject_id, updated.subject) == (
        Action.USER_UPDATE,
        bea,
        "bea@example.com",
    )


def holder(uow: FakeUnitOfWork, role: Role) -> str:
    user = User(EmailAddress.parse(f"{role.value}@example.com"), "hash", role)
    uow.users.add(user)
    assert user.id is not None
    secret = new_secret()
    uow.tokens.add(AccessToken(hash_secret(secret), user.id, NOW + timedelta(days=1)))
    return secret


def get_number(uow: FakeUnitOfWork) -> GetNumber:
    return GetNumber(
        StubNumberReader(uow.numbers, CURRENCIES, uow.tokens), AuthorizeRequest(uow.tokens, lambda: NOW)
    )


def test_a_forbidden_caller_is_told_their_role_and_the_permission_needed() -> None:
    uow = FakeUnitOfWork()
    number_id = stored(uow, "+55 84 91234-0001")
    secret = holder(uow, Role.VIEWER)
    with pytest.raises(Forbidden) as refused:
        get_number(uow).for_caller(secret, Permission.WRITE_NUMBERS, number_id)
    assert str(refused.value) == (
        f"a viewer may not do this (it needs the {Permission.WRITE_NUMBERS.value} permission)"
    )


@pytest.mark.parametrize("secret", [None, ""])
def test_a_read_without_a_token_asks_for_one(secret: str | None) -> None:
    uow = FakeUnitOfWork()
    with pytest.raises(Unauthenticated) as refused:
        get_number(uow).for_caller(secret, Permission.READ_NUMBERS, 1)
    assert refused.value.token_given is False


def test_an_authorized_read_of_a_missing_number_names_it() -> None:
    uow = FakeUnitOfWork()
    secret = holder(uow, Role.VIEWER)
    with pytest.raises(NumberNotFound, match=r"^there is no number with id 404$"):
        get_number(uow).for_caller(secret, Permission.READ_NUMBERS, 404)


def test_a_reused_idempotency_key_is_named_in_the_refusal() -> None:
    uow = FakeUnitOfWork()
    create = CreateNumber(uow, CURRENCIES, lambda: NOW, timedelta(days=1))
    create(CreateNumberCommand(NumberDataFactory(), IdempotencyKey(7, "k-1", "first body")))
    with pytest.raises(IdempotencyKeyReused) as refused:
        create(CreateNumberCommand(NumberDataFactory(), IdempotencyKey(7, "k-1", "another body")))
    assert refused.value.key == "k-1"
    assert "'k-1'" in str(refused.value)


def password_change(uow: FakeUnitOfWork, current: object, address: str = "203.0.113.9") -> None:
    hasher = FakePasswordHasher()
    user_id = CreateUser(uow, hasher, FakePasswordCheck())(NewUser("ana@example.com", PASSWORD, "viewer")).id
    ChangePassword(uow, hasher, FakePasswordCheck(), lambda: NOW)(
        PasswordChange(user_id, "this-token", current, "a new long passphrase", address)
    )


def test_a_password_change_gives_back_the_attempt_it_counted_under_the_users_keys() -> None:
    uow = FakeUnitOfWork()
    password_change(uow, PASSWORD)
    keys = AttemptKeys.of("203.0.113.9", "ana@example.com")
    windows = uow.login_attempts.windows
    assert windows[keys.address].attempts == 0
    assert keys.address_and_account not in windows
    assert windows[keys.account].attempts == 0


@pytest.mark.parametrize("current", [None, 1234567890, ["correct horse battery"]])
def test_a_current_password_that_is_no_string_is_not_the_current_password(current: object) -> None:
    uow = FakeUnitOfWork()
    with pytest.raises(InvalidFields) as refused:
        password_change(uow, current)
    assert [(e.field, e.message) for e in refused.value.errors] == [
        ("currentPassword", "is not your current password")
    ]


def test_a_second_user_with_an_email_is_refused_naming_it_and_the_first_is_recorded() -> None:
    uow = FakeUnitOfWork()
    create = CreateUser(uow, FakePasswordHasher(), FakePasswordCheck())
    ana = create(NewUser("ana@example.com", PASSWORD, "viewer")).id
    with pytest.raises(UserAlreadyExists, match=r"^a user with the email ana@example.com already exists$"):
        create(NewUser("ANA@example.com", PASSWORD, "admin"))
    (created,) = uow.changes.changes
    assert (created.action, created.subject_id, created.subject) == (
        Action.USER_CREATE,
        ana,
        "ana@example.com",
    )


def test_a_guessable_password_is_refused_saying_so_on_the_password_field() -> None:
    uow = FakeUnitOfWork()
    with pytest.raises(InvalidFields) as refused:
        CreateUser(uow, FakePasswordHasher(), FakePasswordCheck())(
            NewUser("ana@example.com", "1234567890", "viewer")
        )
    assert [(e.field, e.message) for e in refused.value.errors] == [
        ("password", "is too common or too easy to guess: choose another")
    ]


def bulk_stock(uow: FakeUnitOfWork) -> None:
    number = NumberFactory(phone_number__text="+55 84 91234-0001")
    uow.numbers.add(number)
    uow.numbers.kept_by[NumberFilter.parse({"country": "BR"}, CURRENCIES)] = [number.id or 0]


@pytest.mark.parametrize(
    ("command", "field", "message"),
    [
        (
            BulkChangeCommand({}, {"setup_price": "1"}, expected_count=1),
            "filter",
            'is empty, which matches every number; send "all": true to change them all',
        ),
        (
            BulkChangeCommand({"country": "BR"}, {"setup_price": "1"}),
            "expectedCount",
            "is required: the number of numbers you saw match",
        ),
        (
            BulkChangeCommand({"country": "BR"}, {"value": "+5584912344321"}, expected_count=1),
            "set",
            "only prices and the currency can be set at once, not ['value']",
        ),
        (
            BulkChangeCommand({"country": "BR"}, {}, expected_count=1),
            "set",
            "is empty: name the fields to change",
        ),
    ],
)
def test_a_bulk_change_refusal_says_what_to_send(
    command: BulkChangeCommand, field: str, message: str
) -> None:
    uow = FakeUnitOfWork()
    bulk_stock(uow)
    with pytest.raises(DomainError) as refused:
        BulkChange(uow, StubNumberReader(uow.numbers, CURRENCIES), CURRENCIES)(command)
    assert (refused.value.field, refused.value.message) == (field, message)


def test_a_bulk_change_is_recorded_when_and_by_whom_it_was_made() -> None:
    uow = FakeUnitOfWork()
    bulk_stock(uow)
    ana = Actor(3, "ana@example.com", "req-1")
    history = History(lambda: NOW, lambda: ana)
    command = BulkChangeCommand({"country": "BR"}, {"setup_price": "1"}, expected_count=1)
    BulkChange(uow, StubNumberReader(uow.numbers, CURRENCIES), CURRENCIES, history)(command)
    summary = uow.changes.changes[0]
    assert (summary.action, summary.at, summary.actor) == (Action.BULK_CHANGE, NOW, ana)


def test_a_bulk_change_made_without_a_history_records_the_current_utc_time() -> None:
    uow = FakeUnitOfWork()
    bulk_stock(uow)
    command = BulkChangeCommand({"country": "BR"}, {"setup_price": "1"}, expected_count=1)
    before = datetime.now(UTC)
    BulkChange(uow, StubNumberReader(uow.numbers, CURRENCIES), CURRENCIES)(command)
    assert before <= uow.changes.changes[0].at <= datetime.now(UTC)


def test_a_write_to_a_missing_number_names_it() -> None:
    uow = FakeUnitOfWork()
    with pytest.raises(NumberNotFound, match=r"^there is no number with id 404$"):
        DeleteNumber(uow)(DeleteNumberCommand(404))


def test_a_write_on_a_stale_version_names_the_number_and_its_current_version() -> None:
    uow = FakeUnitOfWork()
    number_id = stored(uow, "+55 84 91234-0001")
    with pytest.raises(VersionMismatch) as refused:
        DeleteNumber(uow)(DeleteNumberCommand(number_id, if_match=frozenset({7})))
    assert str(refused.value) == (
        f"number {number_id} has changed since you read it; fetch it again and reapply your change"
    )
    assert refused.value.current_version == 1
