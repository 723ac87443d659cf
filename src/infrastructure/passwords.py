"""Password hashing by Werkzeug (scrypt by default): no home-made crypto."""

from __future__ import annotations

from werkzeug.security import check_password_hash, generate_password_hash

from src.application.ports import PasswordHasher


class WerkzeugPasswordHasher(PasswordHasher):
    def __init__(self, method: str = "scrypt") -> None:
        self._method = method

    def hash(self, password: str) -> str:
        return generate_password_hash(password, method=self._method)

    def verify(self, password_hash: str, password: str) -> bool:
        try:
            return check_password_hash(password_hash, password)
        except ValueError:  # a hash this Werkzeug cannot read matches nothing
            return False
