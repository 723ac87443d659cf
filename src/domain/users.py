"""Users of the inventory, their roles, and what each role may do."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from src.domain.errors import DomainError

_EMAIL = re.compile(r"[^@\s\x00-\x1f\x7f]+@[^@\s\x00-\x1f\x7f]+")
MAX_EMAIL_LENGTH = 254
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 256


class InvalidEmail(DomainError):
    pass


class WeakPassword(DomainError):
    pass


class UnknownRole(DomainError):
    pass


class Permission(StrEnum):
    USE_OWN_ACCOUNT = "use-own-account"
    READ_NUMBERS = "read-numbers"
    WRITE_NUMBERS = "write-numbers"
    MANAGE_USERS = "manage-users"


class Role(StrEnum):
    ADMIN = "admin"
    SUPERVISOR = "supervisor"
    VIEWER = "viewer"

    @classmethod
    def parse(cls, raw: object) -> Role:
        for role in cls:
            if raw == role.value:
                return role
        raise UnknownRole(f"must be one of {', '.join(role.value for role in cls)}", "role")

    def may(self, permission: Permission) -> bool:
        return permission in _PERMISSIONS[self]


# Sales people look; supervisors edit the inventory; an admin also manages the accounts.
_VIEWER = frozenset({Permission.USE_OWN_ACCOUNT, Permission.READ_NUMBERS})
_PERMISSIONS = {
    Role.VIEWER: _VIEWER,
    Role.SUPERVISOR: _VIEWER | {Permission.WRITE_NUMBERS},
    Role.ADMIN: frozenset(Permission),
}


@dataclass(frozen=True)
class EmailAddress:
    """Compared case-insensitively: it is kept lower-cased."""

    value: str

    def __post_init__(self) -> None:
        if not isinstance(self.value, str):
            raise InvalidEmail("must be an email address such as ana@example.com", "email")
        # Checked as stored: lower-casing may lengthen the text ("İ" becomes two code points).
        text = self.value.lower()
        if len(text) > MAX_EMAIL_LENGTH or not _EMAIL.fullmatch(text):
            raise InvalidEmail("must be an email address such as ana@example.com", "email")
        object.__setattr__(self, "value", text)

    @classmethod
    def parse(cls, raw: object) -> EmailAddress:
        if not isinstance(raw, str):
            raise InvalidEmail("must be an email address such as ana@example.com", "email")
        return cls(raw)

    def __str__(self) -> str:
        return self.value


def check_password_strength(password: object) -> str:
    if not isinstance(password, str):
        raise WeakPassword("must be a string", "password")
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        raise WeakPassword(
            f"must be {MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH} characters long", "password"
        )
    if password.isspace():
        raise WeakPassword("must not be only spaces", "password")
    return password


class User:
    """An account; `password_hash` is whatever the hasher made of the password, never the password."""

    id: int | None

    def __init__(
        self,
        email: EmailAddress,
        password_hash: str,
        role: Role,
        active: bool = True,
        id: int | None = None,  # noqa: A002 - the identity the store assigns
    ) -> None:
        self.id = id
        self.email = email
        self.password_hash = password_hash
        self.role = role
        self.active = active

    def may(self, permission: Permission) -> bool:
        return self.active and self.role.may(permission)

    @property
    def is_active_admin(self) -> bool:
        return self.active and self.role is Role.ADMIN

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, User):
            return NotImplemented
        if self.id is None or other.id is None:
            return self is other
        return self.id == other.id

    __hash__ = object.__hash__

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email} {self.role}>"
