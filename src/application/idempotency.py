"""Safe retries of creates: the first outcome under an Idempotency-Key is kept and replayed.

Keys belong to the user who sent them (as payment APIs scope theirs): another user's identical key
is another key, so nobody replays, squats or probes someone else's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from src.application.results import NumberResult


@dataclass(frozen=True)
class IdempotencyKey:
    owner_id: int  # the user who sent it
    key: str
    fingerprint: str  # of the request body: the same key with another body is refused


@dataclass
class IdempotencyRecord:
    owner_id: int
    key: str
    fingerprint: str
    outcome: NumberResult
    expires_at: datetime
