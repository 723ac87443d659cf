"""ETags of numbers and the preconditions built on them (RFC 9110 section 13)."""

from __future__ import annotations

import hashlib
import json
from typing import Protocol

from flask import request
from pydantic import BaseModel, Field

from src.application.idempotency import IdempotencyKey


class Versioned(Protocol):
    @property
    def id(self) -> int: ...

    @property
    def version(self) -> int: ...


def etag_of(number: Versioned) -> str:
    """A strong entity tag: id and version, so a tag of one number never matches another."""
    return f"{number.id}.{number.version}"


def if_match_versions(number_id: int) -> frozenset[int] | None:
    """The versions of this number that If-Match accepts; None when there is no condition (or *).

    If-Match compares strongly, so weak tags and tags of other numbers match nothing.
    """
    if "If-Match" not in request.headers or request.if_match.star_tag:
        return None
    versions = set()
    for tag in request.if_match:  # iterates the strong tags only; an empty tag ("") comes as None
        tag_id, _, version = (tag or "").partition(".")
        if tag_id == str(number_id) and version.isdigit():
            versions.add(int(version))
    return frozenset(versions)


def not_modified_since_seen(number: Versioned) -> bool:
    """If-None-Match names the current version (weak comparison, as for GET)."""
    return request.if_none_match.contains_weak(etag_of(number))


class IdempotencyHeader(BaseModel):
    key: str = Field(alias="Idempotency-Key", min_length=1, max_length=255, pattern=r"^[\x21-\x7e]+$")


def idempotency_key(owner_id: int, body: dict[str, object]) -> IdempotencyKey | None:
    """The request's Idempotency-Key, the caller's own, with a fingerprint of its body; 422 on a
    malformed key."""
    raw = request.headers.get("Idempotency-Key")
    if raw is None:
        return None
    header = IdempotencyHeader.model_validate({"Idempotency-Key": raw})
    canonical = json.dumps(body, sort_keys=True, default=str, ensure_ascii=False)
    return IdempotencyKey(owner_id, header.key, hashlib.sha256(canonical.encode()).hexdigest())
