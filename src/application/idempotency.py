"""Safe retries of creates: the first outcome under an Idempotency-Key is kept and replayed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from src.application.results import NumberResult


@dataclass(frozen=True)
class IdempotencyKey:
    key: str
    fingerprint: str  # of the request body: the same key with another body is refused


@dataclass
class IdempotencyRecord:
    key: str
    fingerprint: str
    outcome: NumberResult
    expires_at: datetime
