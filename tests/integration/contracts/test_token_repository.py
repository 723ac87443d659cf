"""TokenRepository on every store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from src.application.access_tokens import AccessToken
from src.application.ports import UnitOfWork
from src.domain.users import EmailAddress, Role, User

T0 = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def user_with_tokens(store: UnitOfWork, email: str, *hashes: str) -> int:
    with store as uow:
        user = User(EmailAddress(email), "hash", Role.SUPERVISOR)
        uow.users.add(user)
        assert user.id is not None
        for token_hash in hashes:
            uow.tokens.add(AccessToken(token_hash, user.id, T0 + timedelta(hours=12)))
        uow.commit()
        return user.id


def test_a_token_is_stored_with_every_field(store: UnitOfWork) -> None:
    user_id = user_with_tokens(store, "ana@example.com", "a" * 64)
    with store as uow:
        assert uow.tokens.get("a" * 64) == AccessToken("a" * 64, user_id, T0 + timedelta(hours=12), None)
        assert uow.tokens.get("b" * 64) is None


def test_a_token_is_read_with_its_holder(store: UnitOfWork) -> None:
    user_id = user_with_tokens(store, "ana@example.com", "a" * 64)
    with store as uow:
        found = uow.tokens.get_with_holder("a" * 64)
        assert found is not None
        token, holder = found
        assert token == AccessToken("a" * 64, user_id, T0 + timedelta(hours=12), None)
        assert (holder.id, holder.email, holder.role, holder.active) == (
            user_id,
            EmailAddress("ana@example.com"),
            Role.SUPERVISOR,
            True,
        )
        assert uow.tokens.get_with_holder("b" * 64) is None


def test_revoking_all_of_a_users_tokens_leaves_other_users_tokens(store: UnitOfWork) -> None:
    ana = user_with_tokens(store, "ana@example.com", "a" * 64, "b" * 64)
    user_with_tokens(store, "bo@example.com", "c" * 64)
    with store as uow:
        uow.tokens.revoke_all_of(ana, T0)
        uow.commit()
    with store as uow:
        assert [uow.tokens.get(h).revoked_at for h in ("a" * 64, "b" * 64, "c" * 64)] == [T0, T0, None]  # type: ignore[union-attr]


def test_revoking_keeps_the_moment_a_token_was_first_revoked(store: UnitOfWork) -> None:
    ana = user_with_tokens(store, "ana@example.com", "a" * 64)
    for moment in (T0, T0 + timedelta(hours=1)):
        with store as uow:
            uow.tokens.revoke_all_of(ana, moment)
            uow.commit()
    with store as uow:
        token = uow.tokens.get("a" * 64)
        assert token is not None
        assert token.revoked_at == T0


def test_an_uncommitted_revocation_is_undone(store: UnitOfWork) -> None:
    ana = user_with_tokens(store, "ana@example.com", "a" * 64)
    with store as uow:
        uow.tokens.revoke_all_of(ana, T0)
    with store as uow:
        token = uow.tokens.get("a" * 64)
        assert token is not None
        assert token.revoked_at is None


def test_deleting_a_user_deletes_their_tokens(store: UnitOfWork) -> None:
    ana = user_with_tokens(store, "ana@example.com", "a" * 64)
    with store as uow:
        user = uow.users.get(ana)
        assert user is not None
        uow.users.delete(user)
        uow.commit()
    with store as uow:
        assert uow.tokens.get("a" * 64) is None
        assert uow.tokens.get_with_holder("a" * 64) is None


def test_purging_deletes_the_expired_and_the_revoked_tokens_only(store: UnitOfWork) -> None:
    ana = user_with_tokens(store, "ana@example.com")
    with store as uow:
        for token_hash, expires_at in (
            ("a" * 64, T0),  # expires at the very moment of the purge
            ("b" * 64, T0 - timedelta(hours=1)),
            ("c" * 64, T0 + timedelta(seconds=1)),
            ("d" * 64, T0 + timedelta(hours=1)),
        ):
            uow.tokens.add(AccessToken(token_hash, ana, expires_at))
        uow.commit()
    with store as uow:
        uow.tokens.revoke_all_of(ana, T0 - timedelta(hours=2), keep="c" * 64)
        uow.commit()
    with store as uow:
        assert uow.tokens.purge(T0) == 3
        uow.commit()
    with store as uow:
        assert [uow.tokens.get(h) is not None for h in ("a" * 64, "b" * 64, "c" * 64, "d" * 64)] == [
            False,
            False,
            True,
            False,
        ]
        assert uow.tokens.purge(T0) == 0


def test_an_uncommitted_purge_is_undone(store: UnitOfWork) -> None:
    user_with_tokens(store, "ana@example.com", "a" * 64)
    with store as uow:
        assert uow.tokens.purge(T0 + timedelta(days=1)) == 1
    with store as uow:
        assert uow.tokens.get("a" * 64) is not None


def test_revoking_all_but_one_keeps_that_one_live(store: UnitOfWork) -> None:
    ana = user_with_tokens(store, "ana@example.com", "a" * 64, "b" * 64)
    with store as uow:
        uow.tokens.revoke_all_of(ana, T0, keep="b" * 64)
        uow.commit()
    with store as uow:
        assert [uow.tokens.get(h).revoked_at for h in ("a" * 64, "b" * 64)] == [T0, None]  # type: ignore[union-attr]
