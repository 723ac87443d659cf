"""UserRepository on every store."""

from __future__ import annotations

import pytest

from src.application.errors import DuplicateRecord
from src.application.ports import UnitOfWork
from src.domain.users import EmailAddress, Role, User


def add(store: UnitOfWork, email: str, role: Role = Role.VIEWER, active: bool = True) -> int:
    with store as uow:
        user = User(EmailAddress(email), "hash-of-" + email, role, active)
        uow.users.add(user)
        assert user.id is not None  # at once, before the commit
        uow.commit()
        return user.id


def test_a_user_is_stored_with_every_field(store: UnitOfWork) -> None:
    user_id = add(store, "ana@example.com", Role.SUPERVISOR, active=False)
    with store as uow:
        user = uow.users.get(user_id)
        assert user is not None
        assert (user.id, user.email, user.password_hash, user.role, user.active) == (
            user_id,
            EmailAddress("ana@example.com"),
            "hash-of-ana@example.com",
            Role.SUPERVISOR,
            False,
        )


@pytest.mark.parametrize("user_id", [0, -1, 999, 2**31, 2**63])
def test_no_user_under_an_unknown_id(store: UnitOfWork, user_id: int) -> None:
    add(store, "ana@example.com")
    with store as uow:
        assert uow.users.get(user_id) is None


def test_found_by_email_whatever_its_case(store: UnitOfWork) -> None:
    user_id = add(store, "ana@example.com")
    with store as uow:
        found = uow.users.get_by_email(EmailAddress("ANA@Example.com"))
        assert found is not None
        assert found.id == user_id
        assert uow.users.get_by_email(EmailAddress("bo@example.com")) is None


def test_a_taken_email_is_a_duplicate_whatever_its_case(store: UnitOfWork) -> None:
    add(store, "ana@example.com")
    with pytest.raises(DuplicateRecord):
        add(store, "Ana@Example.com", Role.ADMIN)
    with store as uow:
        assert uow.users.count() == 1


def test_listed_in_id_order_and_counted(store: UnitOfWork) -> None:
    ids = [add(store, f"{name}@example.com") for name in ("cy", "ana", "bo")]
    with store as uow:
        assert [user.id for user in uow.users.list()] == sorted(ids)
        assert [user.email.value for user in uow.users.list()] == [
            "cy@example.com",
            "ana@example.com",
            "bo@example.com",
        ]
        assert uow.users.count() == 3


def test_active_admins_are_counted(store: UnitOfWork) -> None:
    add(store, "root@example.com", Role.ADMIN)
    add(store, "off@example.com", Role.ADMIN, active=False)
    add(store, "sup@example.com", Role.SUPERVISOR)
    with store as uow:
        assert uow.users.count_active_admins() == 1


def test_a_change_to_a_loaded_user_is_kept_once_committed(store: UnitOfWork) -> None:
    user_id = add(store, "ana@example.com")
    with store as uow:
        user = uow.users.get(user_id)
        assert user is not None
        user.role, user.active = Role.ADMIN, False
        uow.commit()
    with store as uow:
        user = uow.users.get(user_id)
        assert user is not None
        assert (user.role, user.active) == (Role.ADMIN, False)


def test_a_change_to_a_loaded_user_is_undone_without_a_commit(store: UnitOfWork) -> None:
    user_id = add(store, "ana@example.com")
    with store as uow:
        user = uow.users.get(user_id)
        assert user is not None
        user.role = Role.ADMIN
    with store as uow:
        user = uow.users.get(user_id)
        assert user is not None
        assert user.role is Role.VIEWER


def test_deleting_a_user_removes_them(store: UnitOfWork) -> None:
    user_id = add(store, "ana@example.com")
    other = add(store, "bo@example.com")
    with store as uow:
        user = uow.users.get(user_id)
        assert user is not None
        uow.users.delete(user)
        uow.commit()
    with store as uow:
        assert uow.users.get(user_id) is None
        assert uow.users.get_by_email(EmailAddress("ana@example.com")) is None
        assert [user.id for user in uow.users.list()] == [other]
