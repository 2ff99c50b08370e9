"""Column types that behave the same on SQLite and PostgreSQL: exact money, UTC times."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import DateTime, Dialect, Numeric, String
from sqlalchemy.types import TypeDecorator, TypeEngine

MONEY_PRECISION = 20
MONEY_SCALE = 4


EXACT_PRECISION = 30
EXACT_SCALE = 10


class Money(TypeDecorator[Decimal]):
    """`NUMERIC(20, 4)` on PostgreSQL; text on SQLite, whose numbers are binary floats."""

    impl = Numeric(MONEY_PRECISION, MONEY_SCALE)
    cache_ok = True
    precision = MONEY_PRECISION
    scale = MONEY_SCALE

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(40))
        return dialect.type_descriptor(Numeric(self.precision, self.scale))

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if not isinstance(value, Decimal) or not value.is_finite():
            raise ValueError(f"money must be a finite Decimal, not {value!r}")
        return str(value) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return value if isinstance(value, Decimal) else Decimal(str(value))


class Exact(Money):
    """Prices, quantities and trading money: `NUMERIC(30, 10)`, so that a crypto fill
    (0.001 × 3000.25) or an average price keeps every digit the domain computed."""

    impl = Numeric(EXACT_PRECISION, EXACT_SCALE)
    cache_ok = True
    precision = EXACT_PRECISION
    scale = EXACT_SCALE


class UtcDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in and out; SQLite keeps no offset, so it stores naive UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are ambiguous: pass an aware UTC datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
