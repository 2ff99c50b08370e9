"""One-minute bars: bulk upsert, range reads and the per-symbol series revision."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import repeat
from typing import Any

import numpy as np
import numpy.typing as npt
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


BarArrays = tuple[
    npt.NDArray[np.int64],
    npt.NDArray[np.float64],
    npt.NDArray[np.float64],
    npt.NDArray[np.float64],
    npt.NDArray[np.float64],
    npt.NDArray[np.float64],
]
"""(ts, open, high, low, close, volume) as contiguous NumPy columns."""

_COLUMNS_SQL = (
    "SELECT ts, open, high, low, close, volume FROM bars_1m "
    "WHERE symbol = {symbol} AND ts >= {from_ts} ORDER BY ts"
)
_ROW = np.dtype(
    [("ts", "i8"), ("open", "f8"), ("high", "f8"), ("low", "f8"), ("close", "f8"), ("volume", "f8")]
)
# PostgreSQL's binary COPY: per row a field count (int16), then per field a length (int32) and
# the big-endian value. Every column is NOT NULL and fixed-width, so each row is one record.
_COPY_ROW = np.dtype(
    [
        ("fields", ">i2"),
        ("ts_length", ">i4"),
        ("ts", ">i8"),
        ("open_length", ">i4"),
        ("open", ">f8"),
        ("high_length", ">i4"),
        ("high", ">f8"),
        ("low_length", ">i4"),
        ("low", ">f8"),
        ("close_length", ">i4"),
        ("close", ">f8"),
        ("volume_length", ">i4"),
        ("volume", ">f8"),
    ]
)
_COPY_HEADER = 19  # signature (11), flags (4), header extension length (4)


def _split(records: npt.NDArray[Any]) -> BarArrays:
    return (
        np.ascontiguousarray(records["ts"], np.int64),
        np.ascontiguousarray(records["open"], np.float64),
        np.ascontiguousarray(records["high"], np.float64),
        np.ascontiguousarray(records["low"], np.float64),
        np.ascontiguousarray(records["close"], np.float64),
        np.ascontiguousarray(records["volume"], np.float64),
    )


async def read_bar_columns(
    connection: AsyncConnection, symbol: str, from_ts: int | None = None
) -> BarArrays:
    """Bars with ts >= from_ts (all when None), ascending, as NumPy columns.

    A cold chart load reads 100k+ rows, so this skips SQLAlchemy's per-row processing and talks
    to the driver: PostgreSQL sends binary COPY parsed in one `frombuffer`; SQLite's rows go
    straight from the cursor into a record array.
    """
    start = -(2**62) if from_ts is None else from_ts
    raw = await connection.get_raw_connection()
    driver: Any = raw.driver_connection
    dialect = connection.dialect.name
    if dialect == "postgresql":
        chunks: list[bytes] = []

        async def collect(chunk: bytes) -> None:
            chunks.append(chunk)

        query = _COLUMNS_SQL.format(symbol="$1", from_ts="$2")
        await driver.copy_from_query(query, symbol, start, output=collect, format="binary")
        data = b"".join(chunks)
        count = (len(data) - _COPY_HEADER - 2) // _COPY_ROW.itemsize
        records = np.frombuffer(data, _COPY_ROW, count=count, offset=_COPY_HEADER)
        lengths = [records[f"{name}_length"] for name in _ROW.names or ()]
        if not ((records["fields"] == 6).all() and all((n == 8).all() for n in lengths)):
            raise RuntimeError("bars_1m columns are no longer int8 and float8: update this read")
        return _split(records)
    if dialect == "sqlite":
        query = _COLUMNS_SQL.format(symbol="?", from_ts="?")
        async with driver.execute(query, (symbol, start)) as cursor:
            rows = await cursor.fetchall()
        return _split(np.fromiter(rows, _ROW, count=len(rows)))
    raise NotImplementedError(f"no columnar read for {dialect}")  # pragma: no cover


# Only rows whose values differ are rewritten: re-importing a file writes nothing.
_CHANGED = (
    "ON CONFLICT (symbol, ts) DO UPDATE SET open = excluded.open, high = excluded.high, "
    "low = excluded.low, close = excluded.close, volume = excluded.volume "
    "WHERE (bars_1m.open, bars_1m.high, bars_1m.low, bars_1m.close, bars_1m.volume) "
    "<> (excluded.open, excluded.high, excluded.low, excluded.close, excluded.volume)"
)
_SQLITE_UPSERT = (
    "INSERT INTO bars_1m (symbol, ts, open, high, low, close, volume) "
    "VALUES (?, ?, ?, ?, ?, ?, ?) " + _CHANGED
)
_POSTGRES_UPSERT = (
    "INSERT INTO bars_1m (symbol, ts, open, high, low, close, volume) "  # noqa: S608 - constants
    "SELECT $1, * FROM unnest($2::int8[], $3::float8[], $4::float8[], $5::float8[], "
    "$6::float8[], $7::float8[]) " + _CHANGED
)


BarBatch = tuple[
    Sequence[int],
    Sequence[float],
    Sequence[float],
    Sequence[float],
    Sequence[float],
    Sequence[float],
]
"""(ts, open, high, low, close, volume) columns of equal length: what bulk writes take."""


async def upsert_bar_columns(
    connection: AsyncConnection,
    symbol: str,
    batches: Iterable[BarBatch],
    *,
    rewrites_history: bool,
) -> int:
    """`upsert_bars` for imports of millions of rows: the same upsert and series record, with
    each batch handed to the driver as one call (SQLite executemany; PostgreSQL one statement
    over arrays). SQLAlchemy's per-row parameter handling costs 3× the write itself on SQLite,
    and row-by-row executemany 1.5× unnest on PostgreSQL; columns spare a tuple per row.

    Batches are pulled one at a time, so a caller can produce them lazily (and show progress).
    Returns the number of rows written.
    """
    dialect = connection.dialect.name
    if dialect not in ("sqlite", "postgresql"):
        raise NotImplementedError(f"no bulk upsert for {dialect}")  # pragma: no cover
    count, first_ts, last_ts = 0, 2**63 - 1, -(2**63)
    for ts, *prices in batches:
        if not ts:
            continue
        if dialect == "sqlite":
            rows = list(zip(repeat(symbol), ts, *prices, strict=False))  # repeat() is endless
            await connection.exec_driver_sql(_SQLITE_UPSERT, rows)
        else:
            await connection.exec_driver_sql(_POSTGRES_UPSERT, (symbol, ts, *prices))
        count += len(ts)
        first_ts, last_ts = min(first_ts, min(ts)), max(last_ts, max(ts))
    if count:
        await _record_series(connection, symbol, first_ts, last_ts, rewrites_history)
    return count


async def _record_series(
    connection: AsyncConnection, symbol: str, first_ts: int, last_ts: int, rewrites_history: bool
) -> None:
    """Widen the series' extent; bump its revision when history was rewritten."""
    sqlite_dialect = connection.dialect.name == "sqlite"
    series = _insert(connection, SERIES)
    await connection.execute(
        series.values(
            symbol=symbol, revision=1, first_ts=first_ts, last_ts=last_ts
        ).on_conflict_do_update(
            index_elements=["symbol"],
            set_={
                "revision": SERIES.c.revision + (1 if rewrites_history else 0),
                "first_ts": func.min(SERIES.c.first_ts, first_ts)
                if sqlite_dialect
                else func.least(SERIES.c.first_ts, first_ts),
                "last_ts": func.max(SERIES.c.last_ts, last_ts)
                if sqlite_dialect
                else func.greatest(SERIES.c.last_ts, last_ts),
                "updated_at": func.now(),
            },
        )
    )
