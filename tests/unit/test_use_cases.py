"""Every use case against FakeUnitOfWork: no database, no Flask."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from src.application.access_tokens import AccessToken, hash_secret, new_secret
from src.application.authorize_request import AuthorizeRequest
from src.application.create_number import Created, CreateNumber, CreateNumberCommand
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
    VersionMismatch,
)
from src.application.get_number import GetNumber
from src.application.idempotency import IdempotencyKey, IdempotencyRecord
from src.application.import_numbers import ImportNumbers
from src.application.number_fields import NumberData
from src.application.patch_number import PatchNumber, PatchNumberCommand
from src.application.replace_number import ReplaceNumber, ReplaceNumberCommand
from src.application.results import NumberResult
from src.application.seed_numbers import SeedNumbers
from src.domain.errors import InvalidFields
from src.domain.money import Currency, CurrencyCatalog
from src.domain.users import EmailAddress, Permission, Role, User
from tests.factories import NumberDataFactory, NumberFactory
from tests.fakes import FakeIdempotencyRepository, FakeNumberRepository, FakeUnitOfWork, StubNumberReader

CURRENCIES = CurrencyCatalog({"U$": "USD", "R$": "BRL", "€": "EUR"})
DAY = timedelta(days=1)
OWNER = 7  # the user id that sends the Idempotency-Keys


class FakeClock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def create(
    uow: FakeUnitOfWork, data: NumberData, key: IdempotencyKey | None = None, clock: FakeClock | None = None
) -> Created:
    return CreateNumber(uow, CURRENCIES, clock or FakeClock(), DAY)(CreateNumberCommand(data, key))


@pytest.fixture
def uow() -> FakeUnitOfWork:
    return FakeUnitOfWork()


def current(uow: FakeUnitOfWork, number_id: int) -> NumberResult:
    """The stored number as a write would return it."""
    number = uow.numbers.get(number_id)
    assert number is not None
    return NumberResult.of(number)


def stored(uow: FakeUnitOfWork, **fields: object) -> int:
    number = NumberFactory(**fields)
    uow.numbers.add(number)
    assert number.id is not None
    return number.id


def test_creates_a_number_and_commits(uow: FakeUnitOfWork) -> None:
    data = NumberDataFactory(value="+55 (84) 91234-4321", monthly_price="0.03", setup_price=Decimal("3.4"))
    result = create(uow, data).number
    assert uow.committed
    assert (result.e164, result.international) == ("+5584912344321", "+55 84 91234-4321")
    assert (result.monthly_price, result.setup_price, result.currency) == (
        Decimal("0.03"),
        Decimal("3.40"),
        Currency("USD"),
    )
    assert uow.numbers.get(result.id) is not None


def test_refuses_a_second_spelling_of_a_stored_number(uow: FakeUnitOfWork) -> None:
    create(uow, NumberDataFactory(value="+55 84 91234-4321"))
    uow.committed = False
    with pytest.raises(NumberAlreadyExists, match=r"\+55 84 91234-4321"):
        create(uow, NumberDataFactory(value="+5584912344321"))
    assert not uow.committed
    assert len(uow.numbers) == 1


def test_a_lost_race_for_a_number_is_reported_as_already_exists(uow: FakeUnitOfWork) -> None:
    uow.commit_error = DuplicateRecord("unique violation")
    with pytest.raises(NumberAlreadyExists):
        create(uow, NumberDataFactory())


def test_reports_every_invalid_field_at_once(uow: FakeUnitOfWork) -> None:
    data = NumberDataFactory(value="+1 555", monthly_price="-1", setup_price="0.001", currency="GBP")
    with pytest.raises(InvalidFields) as raised:
        create(uow, data)
    assert [error.field for error in raised.value.errors] == [
        "value",
        "monthly_price",
        "setup_price",
        "currency",
    ]
    assert len(uow.numbers) == 0
    assert not uow.committed


def get_number(uow: FakeUnitOfWork) -> GetNumber:
    reader = StubNumberReader(uow.numbers, CURRENCIES, uow.tokens)
    return GetNumber(reader, AuthorizeRequest(uow.tokens, FakeClock()))


def test_gets_a_stored_number_as_the_api_shows_it(uow: FakeUnitOfWork) -> None:
    number_id = stored(uow)
    view = get_number(uow)(number_id)
    assert (view.id, view.version) == (number_id, 1)


def test_getting_a_missing_number_is_not_found(uow: FakeUnitOfWork) -> None:
    with pytest.raises(NumberNotFound):
        get_number(uow)(404)


def token_of(uow: FakeUnitOfWork, role: Role, active: bool = True) -> str:
    user = User(EmailAddress.parse(f"{role.value}@example.com"), "hash", role, active)
    uow.users.add(user)
    assert user.id is not None
    secret = new_secret()
    uow.tokens.add(AccessToken(hash_secret(secret), user.id, FakeClock().now + DAY))
    return secret


def test_a_caller_gets_a_number_when_the_token_read_with_it_allows(uow: FakeUnitOfWork) -> None:
    number_id = stored(uow)
    secret = token_of(uow, Role.VIEWER)
    assert get_number(uow).for_caller(secret, Permission.READ_NUMBERS, number_id).id == number_id
    with pytest.raises(Forbidden):
        get_number(uow).for_caller(secret, Permission.WRITE_NUMBERS, number_id)


@pytest.mark.parametrize("number_exists", [True, False])
def test_a_caller_without_a_usable_token_learns_nothing_of_the_number(
    uow: FakeUnitOfWork, number_exists: bool
) -> None:
    number_id = stored(uow) if number_exists else 404
    inactive = token_of(uow, Role.ADMIN, active=False)
    for secret in (None, "made-up", inactive):
        with pytest.raises(Unauthenticated):
            get_number(uow).for_caller(secret, Permission.READ_NUMBERS, number_id)


def test_an_authorized_caller_asking_for_a_missing_number_is_told_it_is_not_found(
    uow: FakeUnitOfWork,
) -> None:
    secret = token_of(uow, Role.SUPERVISOR)
    with pytest.raises(NumberNotFound):
        get_number(uow).for_caller(secret, Permission.READ_NUMBERS, 404)


def test_replace_sets_every_field(uow: FakeUnitOfWork) -> None:
    number_id = stored(uow)
    data = NumberDataFactory(monthly_price="9.99", setup_price="0", currency="R$")
    result = ReplaceNumber(uow, CURRENCIES)(ReplaceNumberCommand(number_id, data))
    assert uow.committed
    assert (result.monthly_price, result.setup_price, result.currency) == (
        Decimal("9.99"),
        Decimal("0.00"),
        Currency("BRL"),
    )


def test_replace_may_keep_the_numbers_own_phone_number(uow: FakeUnitOfWork) -> None:
    number_id = stored(uow)
    own = uow.numbers.get(number_id)
    assert own is not None
    data = NumberDataFactory(value=own.phone_number.international)
    assert ReplaceNumber(uow, CURRENCIES)(ReplaceNumberCommand(number_id, data)).id == number_id


def test_replace_refuses_another_numbers_phone_number(uow: FakeUnitOfWork) -> None:
    first, second = stored(uow), stored(uow)
    taken = uow.numbers.get(first)
    assert taken is not None
    data = NumberDataFactory(value=taken.phone_number.e164)
    with pytest.raises(NumberAlreadyExists):
        ReplaceNumber(uow, CURRENCIES)(ReplaceNumberCommand(second, data))
    assert not uow.committed


def test_replacing_a_missing_number_is_not_found(uow: FakeUnitOfWork) -> None:
    with pytest.raises(NumberNotFound):
        ReplaceNumber(uow, CURRENCIES)(ReplaceNumberCommand(1, NumberDataFactory()))


def test_patch_changes_only_the_given_fields(uow: FakeUnitOfWork) -> None:
    number_id = stored(uow)
    before = current(uow, number_id)
    after = PatchNumber(uow, CURRENCIES)(PatchNumberCommand(number_id, {"monthly_price": "12.5"}))
    assert uow.committed
    assert after == replace(before, monthly_price=Decimal("12.50"), version=before.version + 1)


def test_patching_the_currency_keeps_both_amounts(uow: FakeUnitOfWork) -> None:
    number_id = stored(uow)
    before = current(uow, number_id)
    after = PatchNumber(uow, CURRENCIES)(PatchNumberCommand(number_id, {"currency": "€"}))
    assert after == replace(before, currency=Currency("EUR"), version=2)


def test_an_empty_patch_changes_nothing(uow: FakeUnitOfWork) -> None:
    number_id = stored(uow)
    before = current(uow, number_id)
    assert PatchNumber(uow, CURRENCIES)(PatchNumberCommand(number_id, {})) == before


def test_patch_cannot_remove_a_field(uow: FakeUnitOfWork) -> None:
    number_id = stored(uow)
    with pytest.raises(InvalidFields, match="setup_price: must not be null"):
        PatchNumber(uow, CURRENCIES)(PatchNumberCommand(number_id, {"setup_price": None}))
    assert not uow.committed


def test_patch_refuses_another_numbers_phone_number(uow: FakeUnitOfWork) -> None:
    first, second = stored(uow), stored(uow)
    taken = uow.numbers.get(first)
    assert taken is not None
    with pytest.raises(NumberAlreadyExists):
        PatchNumber(uow, CURRENCIES)(PatchNumberCommand(second, {"value": taken.phone_number.international}))


def test_deletes_a_number(uow: FakeUnitOfWork) -> None:
    number_id = stored(uow)
    DeleteNumber(uow)(DeleteNumberCommand(number_id))
    assert uow.committed
    assert uow.numbers.get(number_id) is None


def test_deleting_a_missing_number_is_not_found(uow: FakeUnitOfWork) -> None:
    with pytest.raises(NumberNotFound):
        DeleteNumber(uow)(DeleteNumberCommand(1))
    assert not uow.committed


def test_seeding_twice_adds_the_numbers_once() -> None:
    uow = FakeUnitOfWork(FakeNumberRepository())
    batch = NumberDataFactory.build_batch(5)
    seed = SeedNumbers(ImportNumbers(uow, CURRENCIES))
    assert seed(batch) == 5
    assert seed(batch) == 0
    assert len(uow.numbers) == 5


def test_each_real_change_makes_a_new_version(uow: FakeUnitOfWork) -> None:
    number_id = stored(uow)
    patch = PatchNumber(uow, CURRENCIES)
    assert current(uow, number_id).version == 1
    assert patch(PatchNumberCommand(number_id, {"setup_price": "1"})).version == 2
    assert patch(PatchNumberCommand(number_id, {"setup_price": "1.00"})).version == 2


STALE = frozenset({1})
STALE_WRITES = {
    "replace": lambda uow, number_id: ReplaceNumber(uow, CURRENCIES)(
        ReplaceNumberCommand(number_id, NumberDataFactory(), STALE)
    ),
    "patch": lambda uow, number_id: PatchNumber(uow, CURRENCIES)(
        PatchNumberCommand(number_id, {"currency": "R$"}, STALE)
    ),
    "delete": lambda uow, number_id: DeleteNumber(uow)(DeleteNumberCommand(number_id, STALE)),
}


@pytest.mark.parametrize("write", STALE_WRITES)
def test_a_write_conditioned_on_a_stale_version_is_refused(uow: FakeUnitOfWork, write: str) -> None:
    number_id = stored(uow)
    PatchNumber(uow, CURRENCIES)(PatchNumberCommand(number_id, {"setup_price": "9"}))
    before = current(uow, number_id)
    uow.committed = False
    with pytest.raises(VersionMismatch):
        STALE_WRITES[write](uow, number_id)
    assert not uow.committed
    assert current(uow, number_id) == before


def test_a_write_conditioned_on_the_current_version_succeeds(uow: FakeUnitOfWork) -> None:
    number_id = stored(uow)
    command = PatchNumberCommand(number_id, {"currency": "R$"}, if_match=frozenset({7, 1}))
    assert PatchNumber(uow, CURRENCIES)(command).version == 2


@pytest.mark.parametrize(
    ("if_match", "error"), [(frozenset({1}), VersionMismatch), (None, NumberChangedMeanwhile)]
)
def test_losing_a_race_for_the_same_version_is_reported(
    uow: FakeUnitOfWork, if_match: frozenset[int] | None, error: type[Exception]
) -> None:
    number_id = stored(uow)
    uow.commit_error = ConcurrentUpdate("the row moved on")
    with pytest.raises(error):
        PatchNumber(uow, CURRENCIES)(PatchNumberCommand(number_id, {"setup_price": "2"}, if_match))


def test_a_retried_create_with_the_same_key_replays_the_first_outcome(uow: FakeUnitOfWork) -> None:
    data = NumberDataFactory()
    key = IdempotencyKey(OWNER, "retry-1", "body-hash")
    first = create(uow, data, key)
    again = create(uow, data, key)
    assert not first.replayed
    assert again.replayed
    assert again.number == first.number
    assert len(uow.numbers) == 1


def test_the_replay_is_the_first_outcome_even_after_later_edits(uow: FakeUnitOfWork) -> None:
    data = NumberDataFactory()
    key = IdempotencyKey(OWNER, "retry-2", "body-hash")
    first = create(uow, data, key)
    PatchNumber(uow, CURRENCIES)(PatchNumberCommand(first.number.id, {"setup_price": "99"}))
    assert create(uow, data, key).number == first.number


def test_the_same_key_with_another_body_is_refused(uow: FakeUnitOfWork) -> None:
    create(uow, NumberDataFactory(), IdempotencyKey(OWNER, "k", "first-body"))
    with pytest.raises(IdempotencyKeyReused):
        create(uow, NumberDataFactory(), IdempotencyKey(OWNER, "k", "second-body"))
    assert len(uow.numbers) == 1


def test_an_expired_key_is_a_new_request(uow: FakeUnitOfWork) -> None:
    clock = FakeClock()
    create(uow, NumberDataFactory(), IdempotencyKey(OWNER, "k", "first-body"), clock)
    clock.now += DAY
    second = create(uow, NumberDataFactory(), IdempotencyKey(OWNER, "k", "second-body"), clock)
    assert not second.replayed
    assert len(uow.numbers) == 2


def test_another_users_identical_key_and_body_is_a_new_request(uow: FakeUnitOfWork) -> None:
    key = IdempotencyKey(OWNER, "shared", "body-hash")
    first = create(uow, NumberDataFactory(), key)
    same_body_other_user = IdempotencyKey(OWNER + 1, "shared", "body-hash")
    with pytest.raises(NumberAlreadyExists):
        create(uow, NumberDataFactory(value=first.number.e164), same_body_other_user)
    second = create(uow, NumberDataFactory(), IdempotencyKey(OWNER + 1, "shared", "other-body"))
    assert not second.replayed
    assert second.number != first.number


def test_a_retry_racing_its_original_gets_the_original_outcome(uow: FakeUnitOfWork) -> None:
    data = NumberDataFactory()
    key = IdempotencyKey(OWNER, "racing", "body-hash")
    original = create(uow, data, key)
    # The retry looked for its key before the original committed, so it finds the number taken.
    uow.idempotency_keys = LateIdempotencyRepository(uow.idempotency_keys.records, misses=1)
    replay = create(uow, data, key)
    assert replay.replayed
    assert replay.number == original.number


class LateIdempotencyRepository(FakeIdempotencyRepository):
    def __init__(self, records: dict[tuple[int, str], IdempotencyRecord], misses: int) -> None:
        super().__init__()
        self.records = records
        self.misses = misses

    def get(self, owner_id: int, key: str, now: datetime) -> IdempotencyRecord | None:
        if self.misses:
            self.misses -= 1
            return None
        return super().get(owner_id, key, now)
