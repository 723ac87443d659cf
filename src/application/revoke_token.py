from __future__ import annotations

from src.application.access_tokens import hash_secret
from src.application.ports import Clock, UnitOfWorkFactory


class RevokeToken:
    """Log out: the token stops working at once."""

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow_factory = uow_factory
        self._clock = clock

    def __call__(self, secret: str) -> None:
        with self._uow_factory() as uow:
            token = uow.tokens.get(hash_secret(secret))
            if token is not None and token.revoked_at is None:
                token.revoked_at = self._clock()
                uow.commit()
