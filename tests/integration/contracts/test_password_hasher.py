"""PasswordHasher: the fake and Werkzeug's answer alike."""

from __future__ import annotations

import pytest

from src.application.ports import PasswordHasher
from src.infrastructure.passwords import WerkzeugPasswordHasher
from tests.conftest import FAST_PASSWORD_HASH
from tests.fakes import FakePasswordHasher

PASSWORD = "correct horse battery"


@pytest.fixture(params=["fake", "werkzeug"])
def hasher(request: pytest.FixtureRequest) -> PasswordHasher:
    return FakePasswordHasher() if request.param == "fake" else WerkzeugPasswordHasher(FAST_PASSWORD_HASH)


def test_a_hash_verifies_its_password_only(hasher: PasswordHasher) -> None:
    password_hash = hasher.hash(PASSWORD)
    assert password_hash != PASSWORD
    assert hasher.verify(password_hash, PASSWORD)
    assert not hasher.verify(password_hash, PASSWORD + "!")
    assert not hasher.verify(password_hash, "")


def test_a_hash_it_cannot_read_matches_nothing(hasher: PasswordHasher) -> None:
    assert not hasher.verify("not a hash at all", "not a hash at all")
