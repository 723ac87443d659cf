from __future__ import annotations

from dataclasses import dataclass

from src.application.issue_token import WINDOW
from src.application.ports import Clock, UnitOfWorkFactory


@dataclass(frozen=True)
class Purged:
    tokens: int
    login_attempt_windows: int


class PurgeStaleRecords:
    """Delete what can no longer matter: tokens expired or revoked, login attempts of windows that
    have ended. Without it both tables grow with every login, forever."""

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow_factory = uow_factory
        self._clock = clock

    def __call__(self) -> Purged:
        now = self._clock()
        with self._uow_factory() as uow:
            purged = Purged(uow.tokens.purge(now), uow.login_attempts.purge(now - WINDOW))
            uow.commit()
        return purged
