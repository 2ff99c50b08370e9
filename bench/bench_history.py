"""UDF `/history`: 100,000 one-minute bars and a 1D aggregation over a year, each beside its
ceiling measured in the same run.

The real app runs as a uvicorn subprocess on a temporary SQLite file (feed off); the ceiling is
a bare FastAPI app in another uvicorn subprocess serving the same arrays, pre-loaded in memory,
encoded with orjson per request. Both are measured over loopback with the same HTTP client.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import httpx
import numpy as np
import orjson
from fastapi import FastAPI, Response

from bench.harness import Result, median_seconds, server
from propdesk.domain.bars import Resolution
from propdesk.marketdata.aggregate import BarColumns, aggregate
from propdesk.marketdata.catalogue import Catalogue

ROOT = Path(__file__).resolve().parents[1]
MINUTE_SYMBOL, MINUTE_BARS = "BTCUSD", 100_000
YEAR_SYMBOL = "ES"
YEAR = (
    int(datetime(2025, 1, 1, tzinfo=UTC).timestamp()),
    int(datetime(2026, 1, 1, tzinfo=UTC).timestamp()),
)
REPEAT = 15
COLD_RELOADS = 3
HISTORY = "/api/v1/datafeed/history"
MINUTES_QUERY = {
    "symbol": MINUTE_SYMBOL,
    "resolution": "1",
    "from": 0,
    "to": 2**33,
    "countback": MINUTE_BARS,
}
DAILY_QUERY = {"symbol": YEAR_SYMBOL, "resolution": "1D", "from": YEAR[0], "to": YEAR[1]}


def _walk(ts: np.ndarray, tick: float, start: float, seed: int) -> list[tuple[int, ...]]:
    """A random walk on the tick grid, as stored bar rows."""
    rng = np.random.default_rng(seed)
    close = start + np.cumsum(rng.integers(-4, 5, len(ts))) * tick
    open_ = np.concatenate(([start], close[:-1]))
    high = np.maximum(open_, close) + rng.integers(0, 3, len(ts)) * tick
    low = np.minimum(open_, close) - rng.integers(0, 3, len(ts)) * tick
    volume = rng.integers(1, 500, len(ts)).astype(np.float64)
    columns = (ts.tolist(), open_.tolist(), high.tolist(), low.tolist(), close.tolist())
    return list(zip(*columns, volume.tolist(), strict=True))


def _year_of_sessions() -> np.ndarray:
    session = Catalogue.load()[YEAR_SYMBOL].session
    spans = [np.arange(start, end, 60) for _, start, end in session.sessions(*YEAR)]
    ts = np.concatenate(spans)
    return ts[(ts >= YEAR[0]) & (ts < YEAR[1])]


async def _seed(url: str) -> tuple[int, int]:
    # Imported here: the bare server imports this module, and the store is no part of it.
    from propdesk.store.db import Database
    from propdesk.store.repositories.bars import upsert_bars

    minutes = YEAR[0] + 60 * np.arange(MINUTE_BARS, dtype=np.int64)
    year = _year_of_sessions()
    database = Database(url)
    try:
        await database.migrate()
        async with database.connect() as connection:
            rows = _walk(minutes, 0.01, 95_000.0, seed=1)
            await upsert_bars(connection, MINUTE_SYMBOL, rows, rewrites_history=True)
            rows = _walk(year, 0.25, 6_000.0, seed=2)
            await upsert_bars(connection, YEAR_SYMBOL, rows, rewrites_history=True)
    finally:
        await database.dispose()
    return len(minutes), len(year)


def _read(path: str, symbol: str) -> BarColumns:
    with closing(sqlite3.connect(path)) as connection:
        rows = connection.execute(
            "SELECT ts, open, high, low, close, volume FROM bars_1m WHERE symbol = ? ORDER BY ts",
            (symbol,),
        ).fetchall()
    table = np.array(rows, np.float64)
    return BarColumns(
        table[:, 0].astype(np.int64), *(np.ascontiguousarray(table[:, i]) for i in range(1, 6))
    )


def _udf(bars: BarColumns) -> bytes:
    body = {
        "s": "ok",
        "t": bars.ts,
        "o": bars.open,
        "h": bars.high,
        "l": bars.low,
        "c": bars.close,
        "v": bars.volume,
    }
    return orjson.dumps(body, option=orjson.OPT_SERIALIZE_NUMPY)


def make_bare_app() -> FastAPI:
    """The ceiling: the same arrays, already in memory, encoded per request (uvicorn factory)."""
    saved = np.load(os.environ["BENCH_HISTORY_ARRAYS"])
    minutes = BarColumns(*(saved[f"minutes_{k}"] for k in "tohlcv"))
    daily = BarColumns(*(saved[f"daily_{k}"] for k in "tohlcv"))
    app = FastAPI()

    @app.get("/minutes", response_model=None)
    async def serve_minutes() -> Response:
        return Response(_udf(minutes), media_type="application/json")

    @app.get("/daily", response_model=None)
    async def serve_daily() -> Response:
        return Response(_udf(daily), media_type="application/json")

    @app.get("/health", response_model=None)
    async def health() -> Response:
        return Response(b"ok")

    return app


def _save(path: str, minutes: BarColumns, daily: BarColumns) -> None:
    arrays: dict[str, np.ndarray] = {}
    for prefix, bars in (("minutes", minutes), ("daily", daily)):
        columns = (bars.ts, bars.open, bars.high, bars.low, bars.close, bars.volume)
        arrays.update({f"{prefix}_{k}": c for k, c in zip("tohlcv", columns, strict=True)})
    np.savez(path, **arrays)  # type: ignore[arg-type]


def _rewrite_history(path: str, symbol: str) -> None:
    """What an import does to the series: the app's cache must reload every bar."""
    with closing(sqlite3.connect(path)) as connection, connection:
        connection.execute(
            "UPDATE bar_series SET revision = revision + 1 WHERE symbol = ?", (symbol,)
        )


def _interleaved(ours: Callable[[], object], ceiling: Callable[[], object]) -> tuple[float, float]:
    """Median seconds of each, run in turns so that the machine's drift hits both alike."""
    for warm_up in (ours, ceiling):
        warm_up()
    samples: tuple[list[float], list[float]] = ([], [])
    for _ in range(REPEAT):
        for action, times in ((ours, samples[0]), (ceiling, samples[1])):
            began = time.perf_counter()
            action()
            times.append(time.perf_counter() - began)
    return statistics.median(samples[0]), statistics.median(samples[1])


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 3)


def _get(client: httpx.Client, url: str, params: dict[str, object] | None = None) -> bytes:
    response = client.get(url, params=params)  # type: ignore[arg-type]
    response.raise_for_status()
    return response.content


def run() -> list[Result]:
    with tempfile.TemporaryDirectory(prefix="propdesk-bench-") as tmp:
        path = str(Path(tmp) / "bench.db")
        started = time.perf_counter()
        minute_count, year_count = asyncio.run(_seed(f"sqlite+aiosqlite:///{path}"))
        seed_seconds = time.perf_counter() - started
        session = Catalogue.load()[YEAR_SYMBOL].session
        year = _read(path, YEAR_SYMBOL)
        # The trading day that opens on the year's last evening is stamped after it
        daily = aggregate(year, session, Resolution.parse("1D")).between(*YEAR)
        arrays = str(Path(tmp) / "arrays.npz")
        _save(arrays, _read(path, MINUTE_SYMBOL), daily)
        app_env = {
            "PROPDESK_DATABASE_URL": f"sqlite+aiosqlite:///{path}",
            "PROPDESK_FEED": "none",
            "PROPDESK_BACKFILL_DAYS": "0",
            "PROPDESK_LOG_LEVEL": "WARNING",
        }
        bare_env = {"BENCH_HISTORY_ARRAYS": arrays, "PYTHONPATH": str(ROOT)}

        with (
            httpx.Client(timeout=60) as client,
            server("propdesk.app:create_app", "/api/v1/health", app_env, tmp) as app,
            server("bench.bench_history:make_bare_app", "/health", bare_env, tmp) as bare,
        ):
            began = time.perf_counter()
            ours = _get(client, app + HISTORY, MINUTES_QUERY)
            cold_first = time.perf_counter() - began
            reloads = []
            for _ in range(COLD_RELOADS):
                _rewrite_history(path, MINUTE_SYMBOL)
                began = time.perf_counter()
                _get(client, app + HISTORY, MINUTES_QUERY)
                reloads.append(time.perf_counter() - began)
            ceiling_body = _get(client, bare + "/minutes")
            minutes_app, minutes_bare = _interleaved(
                lambda: _get(client, app + HISTORY, MINUTES_QUERY),
                lambda: _get(client, bare + "/minutes"),
            )
            daily_body = _get(client, app + HISTORY, DAILY_QUERY)
            daily_ceiling_body = _get(client, bare + "/daily")
            daily_app, daily_bare = _interleaved(
                lambda: _get(client, app + HISTORY, DAILY_QUERY),
                lambda: _get(client, bare + "/daily"),
            )

    aggregate_seconds = median_seconds(
        lambda: aggregate(year, session, Resolution.parse("1D")), repeat=REPEAT
    )
    encode_result = median_seconds(lambda: _udf(daily), repeat=REPEAT)
    encode_input = median_seconds(lambda: _udf(year), repeat=5)

    value, ceiling = _ms(minutes_app), _ms(minutes_bare)
    return [
        Result(
            name=f"/history {MINUTE_BARS:,} 1-min bars, warm cache (HTTP)",
            unit="ms",
            value=value,
            ceiling_name="bare FastAPI + orjson, same arrays in memory",
            ceiling=ceiling,
            higher_is_better=False,
            target="≤ 3× ceiling",
            met=value <= 3 * ceiling,
            extra={
                "cold_first_response_after_start_ms": _ms(cold_first),
                "cold_reload_after_history_rewrite_ms": _ms(statistics.median(reloads)),
                "cold_reload_samples_ms": [_ms(r) for r in reloads],
                "response_bytes": len(ours),
                "same_body_as_ceiling": ours == ceiling_body,
                "repeat": REPEAT,
                "seed_seconds": round(seed_seconds, 1),
            },
        ),
        Result(
            name=f"1D over a year of 1-min bars ({year_count:,}), aggregation in process",
            unit="ms",
            value=_ms(aggregate_seconds),
            ceiling_name="orjson encode of the result arrays",
            ceiling=_ms(encode_result),
            higher_is_better=False,
            extra={
                "daily_bars": len(daily),
                "orjson_encode_of_the_minute_input_ms": _ms(encode_input),
                "minute_bars_in_the_other_series": minute_count,
            },
        ),
        Result(
            name="/history 1D over a year of 1-min bars, warm cache (HTTP)",
            unit="ms",
            value=_ms(daily_app),
            ceiling_name="bare FastAPI serving the pre-aggregated bars",
            ceiling=_ms(daily_bare),
            higher_is_better=False,
            extra={
                "response_bytes": len(daily_body),
                "same_body_as_ceiling": daily_body == daily_ceiling_body,
            },
        ),
    ]
