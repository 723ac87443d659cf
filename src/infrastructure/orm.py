"""Imperative (classical) mappings: the domain classes stay plain Python."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import event
from sqlalchemy.orm import class_mapper, composite, registry
from sqlalchemy.orm.attributes import instance_dict

from src.application.access_tokens import AccessToken
from src.application.idempotency import IdempotencyRecord
from src.domain.money import Money
from src.domain.numbers import Number
from src.domain.users import User
from src.infrastructure.tables import access_tokens, idempotency_keys, metadata, numbers, users

mapper_registry = registry(metadata=metadata)
T = TypeVar("T")


def start_mappers() -> None:
    """Map the domain classes; calling it again is harmless."""
    if mapper_registry.mappers:
        return
    mapper_registry.map_imperatively(
        Number,
        numbers,
        # Every UPDATE and DELETE says "WHERE version = <the version read>"; the domain bumps it.
        version_id_col=numbers.c.version,
        version_id_generator=False,
        # Written by imports in bulk (Core, COPY), read by the change history; no entity's business.
        exclude_properties=["created_by_change_id"],
        properties={
            "phone_number": numbers.c.e164,
            # The composites' columns live under private names; both prices read the one
            # currency column, because a number has one currency.
            "_monthly_amount": numbers.c.monthly_price,
            "_setup_amount": numbers.c.setup_price,
            "_currency_code": numbers.c.currency,
            "_country": numbers.c.country,  # derived from the phone number on every write
            "monthly_price": composite(Money, numbers.c.monthly_price, numbers.c.currency),
            "setup_price": composite(Money, numbers.c.setup_price, numbers.c.currency),
        },
    )
    event.listen(Number, "before_insert", _store_country)
    event.listen(Number, "before_update", _store_country)
    mapper_registry.map_imperatively(IdempotencyRecord, idempotency_keys)
    mapper_registry.map_imperatively(User, users)
    mapper_registry.map_imperatively(AccessToken, access_tokens)


def _store_country(_mapper: Any, _connection: Any, number: Number) -> None:
    number._country = number.phone_number.country  # type: ignore[attr-defined]


def as_loaded(cls: type[T], **values: Any) -> T:
    """An instance of a mapped class built as the ORM builds one it loads from a row: no __init__,
    and no change event per attribute (nine of them were a tenth of a request's Python calls).
    For objects that are only read, as each request's token and its holder are."""
    instance: T = class_mapper(cls).class_manager.new_instance()
    instance_dict(instance).update(values)
    return instance
