"""One-minute bars: bulk upsert, range reads and the per-symbol series revision."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from propdesk.store.models import Bar1m, BarSeries

BarRow = tuple[int, float, float, float, float, float]
"""(ts, open, high, low, close, volume)"""

BARS = Bar1m.__table__
SERIES = BarSeries.__table__


@dataclass(frozen=True, slots=True)
class SeriesState:
    symbol: str
    revision: int
    first_ts: int
    last_ts: int


def _insert(connection: AsyncConnection, table: object) -> sqlite.Insert | postgresql.Insert:
    dialect = connection.dialect.name
    if dialect == "sqlite":
        return sqlite.insert(table)  # type: ignore[arg-type]
    if dialect == "postgresql":
        return postgresql.insert(table)  # type: ignore[arg-type]
    raise NotImplementedError(f"no upsert for {dialect}")  # pragma: no cover


async def upsert_bars(
    connection: AsyncConnection,
    symbol: str,
    rows: Sequence[BarRow],
    *,
    rewrites_history: bool,
    chunk: int = 5_000,
) -> None:
    """Insert or overwrite bars by (symbol, ts) and record the series' new extent.

    `rewrites_history` bumps the series revision so that caches in every process reload;
    appending live bars leaves it alone (caches fetch the tail by `last_ts`).
    """
    if not rows:
        return
    insert = _insert(connection, BARS)
    statement = insert.on_conflict_do_update(
        index_elements=["symbol", "ts"],
        set_={c: insert.excluded[c] for c in ("open", "high", "low", "close", "volume")},
    )
    for start in range(0, len(rows), chunk):
        batch = rows[start : start + chunk]
        await connection.execute(
            statement,
            [
                {
                    "symbol": symbol,
                    "ts": r[0],
                    "open": r[1],
                    "high": r[2],
                    "low": r[3],
                    "close": r[4],
                    "volume": r[5],
                }
                for r in batch
            ],
        )
    first_ts = min(r[0] for r in rows)
    last_ts = max(r[0] for r in rows)
    series = _insert(connection, SERIES)
    await connection.execute(
        series.values(
            symbol=symbol, revision=1, first_ts=first_ts, last_ts=last_ts
        ).on_conflict_do_update(
            index_elements=["symbol"],
            set_={
                "revision": SERIES.c.revision + (1 if rewrites_history else 0),
                "first_ts": func.min(SERIES.c.first_ts, first_ts)
                if connection.dialect.name == "sqlite"
                else func.least(SERIES.c.first_ts, first_ts),
                "last_ts": func.max(SERIES.c.last_ts, last_ts)
                if connection.dialect.name == "sqlite"
                else func.greatest(SERIES.c.last_ts, last_ts),
                "updated_at": func.now(),
            },
        )
    )


async def series_state(connection: AsyncConnection, symbol: str) -> SeriesState | None:
    row = (
        await connection.execute(
            select(SERIES.c.revision, SERIES.c.first_ts, SERIES.c.last_ts).where(
                SERIES.c.symbol == symbol
            )
        )
    ).first()
    return None if row is None else SeriesState(symbol, row[0], row[1], row[2])


async def all_series(connection: AsyncConnection) -> list[SeriesState]:
    rows = await connection.execute(
        select(SERIES.c.symbol, SERIES.c.revision, SERIES.c.first_ts, SERIES.c.last_ts)
    )
    return [SeriesState(*row) for row in rows]


async def read_bars(
    connection: AsyncConnection, symbol: str, from_ts: int, to_ts: int
) -> list[BarRow]:
    """Bars with from_ts <= ts < to_ts, ascending."""
    rows = await connection.execute(
        select(BARS.c.ts, BARS.c.open, BARS.c.high, BARS.c.low, BARS.c.close, BARS.c.volume)
        .where(BARS.c.symbol == symbol, BARS.c.ts >= from_ts, BARS.c.ts < to_ts)
        .order_by(BARS.c.ts)
    )
    return [tuple(r) for r in rows]
