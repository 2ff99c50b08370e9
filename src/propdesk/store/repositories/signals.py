"""Signals and regime changes in and out of the store.

Only the signal runner writes here; the API reads. A signal's id is deterministic (strategy,
symbol, resolution, bar), so writing one twice keeps the first and says so; a regime row is a
change, the reading of the bar whose regime differs from the row before it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Row, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from propdesk.domain.regime import Regime, RegimeReading
from propdesk.domain.strategies import Direction, Signal
from propdesk.store.models import RegimeRow, SignalRow

SIGNALS = SignalRow.__table__
REGIMES = RegimeRow.__table__


@dataclass(frozen=True, slots=True)
class StoredSignal:
    signal: Signal
    params: dict[str, Any]
    """The strategy's parameters it was given with, as JSON."""


@dataclass(frozen=True, slots=True)
class RegimeChange:
    """One stored change: `reading` is the reading of the bar whose regime it begins."""

    symbol: str
    resolution: str
    reading: RegimeReading


def _insert(connection: AsyncConnection, table: Any) -> sqlite.Insert | postgresql.Insert:
    if connection.dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def _at(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


async def insert_signal(
    connection: AsyncConnection, signal: Signal, params: Mapping[str, Any]
) -> bool:
    """Store a signal; False when one with its id is stored already (that one stays)."""
    statement = (
        _insert(connection, SIGNALS)
        .values(
            id=signal.id,
            symbol=signal.symbol,
            resolution=signal.resolution,
            strategy=signal.strategy,
            direction=signal.direction.value,
            entry=signal.entry,
            stop=signal.stop,
            target=signal.target,
            regime=signal.regime,
            confidence=signal.confidence,
            created_at=_at(signal.created_at),
            expires_at=_at(signal.expires_at),
            params=dict(params),
        )
        .on_conflict_do_nothing(index_elements=["id"])
        .returning(SIGNALS.c.id)
    )
    return (await connection.execute(statement)).first() is not None


def _signal(row: Row[Any]) -> StoredSignal:
    signal = Signal(
        id=row.id,
        symbol=row.symbol,
        resolution=row.resolution,
        strategy=row.strategy,
        direction=Direction(row.direction),
        entry=row.entry,
        stop=row.stop,
        target=row.target,
        regime=row.regime,
        confidence=row.confidence,
        created_at=row.created_at.timestamp(),  # UtcDateTime: aware UTC
        expires_at=row.expires_at.timestamp(),
    )
    return StoredSignal(signal, dict(row.params))


async def list_signals(
    session: AsyncSession,
    *,
    symbol: str | None = None,
    strategy: str | None = None,
    resolution: str | None = None,
    after: datetime | None = None,
    until: datetime | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[StoredSignal], int]:
    """Signals created in [after, until) (either bound optional), newest first, and how many
    match in all."""
    conditions = []
    if symbol is not None:
        conditions.append(SIGNALS.c.symbol == symbol)
    if strategy is not None:
        conditions.append(SIGNALS.c.strategy == strategy)
    if resolution is not None:
        conditions.append(SIGNALS.c.resolution == resolution)
    if after is not None:
        conditions.append(SIGNALS.c.created_at >= after)
    if until is not None:
        conditions.append(SIGNALS.c.created_at < until)
    total = await session.scalar(select(func.count()).select_from(SIGNALS).where(*conditions))
    rows = await session.execute(
        select(SIGNALS)
        .where(*conditions)
        .order_by(SIGNALS.c.created_at.desc(), SIGNALS.c.id)
        .limit(limit)
        .offset(offset)
    )
    return [_signal(row) for row in rows], int(total or 0)


async def insert_regime_change(
    connection: AsyncConnection, symbol: str, resolution: str, reading: RegimeReading
) -> None:
    """Store a change; a second one at the same bar replaces the first."""
    insert = _insert(connection, REGIMES)
    figures = {
        "regime": reading.regime.value,
        "adx": reading.adx,
        "plus_di": reading.plus_di,
        "minus_di": reading.minus_di,
        "atr": reading.atr,
        "atr_percentile": reading.atr_percentile,
    }
    await connection.execute(
        insert.values(
            symbol=symbol, resolution=resolution, ts=reading.ts, **figures
        ).on_conflict_do_update(index_elements=["symbol", "resolution", "ts"], set_=figures)
    )


def _change(row: Row[Any]) -> RegimeChange:
    reading = RegimeReading(
        regime=Regime(row.regime),
        adx=row.adx,
        plus_di=row.plus_di,
        minus_di=row.minus_di,
        atr=row.atr,
        atr_percentile=row.atr_percentile,
        ts=row.ts,
        changed=True,
    )
    return RegimeChange(row.symbol, row.resolution, reading)


async def latest_regime_changes(
    connection: AsyncConnection,
) -> dict[tuple[str, str], RegimeChange]:
    """The newest change of every (symbol, resolution) that has one."""
    newest = (
        select(REGIMES.c.symbol, REGIMES.c.resolution, func.max(REGIMES.c.ts).label("ts"))
        .group_by(REGIMES.c.symbol, REGIMES.c.resolution)
        .subquery()
    )
    rows = await connection.execute(
        select(REGIMES).join(
            newest,
            (REGIMES.c.symbol == newest.c.symbol)
            & (REGIMES.c.resolution == newest.c.resolution)
            & (REGIMES.c.ts == newest.c.ts),
        )
    )
    return {(row.symbol, row.resolution): _change(row) for row in rows}


async def regime_history(
    session: AsyncSession,
    symbol: str,
    resolution: str,
    *,
    from_ts: int | None = None,
    to_ts: int | None = None,
    limit: int = 100,
) -> list[RegimeChange]:
    """The changes of one symbol at one resolution with from_ts <= ts < to_ts, newest first."""
    statement = select(REGIMES).where(
        REGIMES.c.symbol == symbol, REGIMES.c.resolution == resolution
    )
    if from_ts is not None:
        statement = statement.where(REGIMES.c.ts >= from_ts)
    if to_ts is not None:
        statement = statement.where(REGIMES.c.ts < to_ts)
    rows = await session.execute(statement.order_by(REGIMES.c.ts.desc()).limit(limit))
    return [_change(row) for row in rows]
