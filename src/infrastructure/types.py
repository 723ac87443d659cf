"""Column types that store domain value objects exactly, the same on PostgreSQL and SQLite."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, DateTime, Dialect, Numeric, String, Text, TypeDecorator
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import TypeEngine

from src.application.results import NumberResult
from src.domain.money import Currency
from src.domain.phone_numbers import PhoneNumber
from src.domain.users import EmailAddress, Role


class Amount(TypeDecorator[Decimal]):
    """NUMERIC(8, 2) on PostgreSQL; integer cents on SQLite, whose NUMERIC affinity turns
    '3.40' into the float 3.4."""

    impl = Numeric(8, 2, asdecimal=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(BigInteger())
        return dialect.type_descriptor(Numeric(8, 2, asdecimal=True))

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Any:
        if value is None or dialect.name != "sqlite":
            return value
        return int(value.scaleb(2).to_integral_exact())

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None or dialect.name != "sqlite":
            return value
        return Decimal(int(value)).scaleb(-2)

    def result_processor(self, dialect: Dialect, coltype: object) -> Any:
        """None on PostgreSQL, whose driver already answers Decimals: a page's hundred prices
        then pass through no Python call at all."""
        if dialect.name == "sqlite":
            return super().result_processor(dialect, coltype)
        return self.load_dialect_impl(dialect).result_processor(dialect, coltype)


class AmountText(FunctionElement[str]):
    """An Amount column as the API writes it, two decimals ("3.40"), written by the database: a
    page's Decimals, made by the driver and formatted again, cost more than the rest of its rows.
    Rendered for PostgreSQL and SQLite only."""

    type = String()
    name = "amount_text"
    inherit_cache = True


@compiles(AmountText, "postgresql")
def _amount_text_on_postgresql(element: AmountText, compiler: SQLCompiler, **kw: Any) -> str:
    # NUMERIC(8, 2) as text always has its two decimals.
    return f"CAST({compiler.process(element.clauses, **kw)} AS TEXT)"


@compiles(AmountText, "sqlite")
def _amount_text_on_sqlite(element: AmountText, compiler: SQLCompiler, **kw: Any) -> str:
    cents = compiler.process(element.clauses, **kw)  # integer cents, never negative
    return f"printf('%d.%02d', {cents} / 100, {cents} % 100)"


class AsciiCode(TypeDecorator[str]):
    """Text of ASCII letters, digits and "+" (ISO codes; stored E164 and CurrencyCode alike),
    compared byte by byte on PostgreSQL (collation "C"): it orders them as any collation would,
    its btree indexes compare with memcmp, so bulk inserts cost less, and `LIKE 'prefix%'` can
    use them. SQLite compares bytes anyway."""

    impl = String
    cache_ok = True

    def __init__(self, length: int) -> None:
        super().__init__(length)
        self.length = length

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        return _ascii_code(dialect, self.length)


def _ascii_code(dialect: Dialect, length: int) -> TypeEngine[Any]:
    return dialect.type_descriptor(String(length, collation="C" if dialect.name == "postgresql" else None))


class CurrencyCode(TypeDecorator[Currency]):
    impl = String(3)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        return _ascii_code(dialect, 3)

    def process_bind_param(self, value: Currency | str | None, dialect: Dialect) -> str | None:
        return value.code if isinstance(value, Currency) else value

    def process_result_value(self, value: str | None, dialect: Dialect) -> Currency | None:
        return None if value is None else Currency(value)


class E164(TypeDecorator[PhoneNumber]):
    impl = String(16)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        return _ascii_code(dialect, 16)

    def process_bind_param(self, value: PhoneNumber | str | None, dialect: Dialect) -> str | None:
        return value.e164 if isinstance(value, PhoneNumber) else value

    def process_result_value(self, value: str | None, dialect: Dialect) -> PhoneNumber | None:
        return None if value is None else PhoneNumber(value)


class UtcDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out; SQLite, which keeps no zone, stores UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("only timezone-aware datetimes are stored")
        return value.astimezone(UTC).replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None or value.tzinfo is not None:
            return value
        return value.replace(tzinfo=UTC)


class NumberResultJson(TypeDecorator[NumberResult]):
    """A NumberResult kept as JSON text, prices as strings so they stay exact."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: NumberResult | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return json.dumps(
            {
                "id": value.id,
                "version": value.version,
                "e164": value.e164,
                "international": value.international,
                "monthly_price": str(value.monthly_price),
                "setup_price": str(value.setup_price),
                "currency": value.currency.code,
            }
        )

    def process_result_value(self, value: str | None, dialect: Dialect) -> NumberResult | None:
        if value is None:
            return None
        fields = json.loads(value)
        return NumberResult(
            id=fields["id"],
            version=fields["version"],
            e164=fields["e164"],
            international=fields["international"],
            monthly_price=Decimal(fields["monthly_price"]),
            setup_price=Decimal(fields["setup_price"]),
            currency=Currency(fields["currency"]),
        )


class EmailType(TypeDecorator[EmailAddress]):
    impl = String(254)
    cache_ok = True

    def process_bind_param(self, value: EmailAddress | str | None, dialect: Dialect) -> str | None:
        return value.value if isinstance(value, EmailAddress) else value

    def process_result_value(self, value: str | None, dialect: Dialect) -> EmailAddress | None:
        return None if value is None else EmailAddress(value)


class RoleType(TypeDecorator[Role]):
    impl = String(16)
    cache_ok = True

    def process_bind_param(self, value: Role | str | None, dialect: Dialect) -> str | None:
        return None if value is None else str(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> Role | None:
        return None if value is None else Role(value)
