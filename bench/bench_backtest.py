"""The backtest: one year of one-minute MNQ bars (the simulator's, about 360,000) through
`ma_cross` at five minutes, beside its ceiling measured in the same run.

- Backtest: `run_backtest` as `propdesk backtest` runs it once the bars are read: the
  aggregation to five minutes, every minute replayed to the paper broker as ticks, the
  regime classifier and the strategy on each five-minute bar, each signal traded as a
  bracket, the round trips collected; then `compute_metrics` over them. No rules, so that it
  trades all year (a topstep-50k account stops trading once it fails: that run is reported
  beside it, as extra).
- Ceiling: a bare loop over the same five-minute bars doing only what the strategy does,
  `on_bar` (the bars built once, before it is timed).
- Reading the year back from a SQLite store (`read_bar_columns`, what the command does
  first) is timed apart and reported as extra.

Which runs first alternates; medians of 3 runs.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from bench.harness import Result
from propdesk.analytics import compute_metrics
from propdesk.backtest.run import BacktestConfig, BacktestResult, run_backtest, session_start_of
from propdesk.domain.bars import Bar, Resolution
from propdesk.domain.risk import PRESETS
from propdesk.domain.strategies import strategy
from propdesk.marketdata.aggregate import BarColumns, aggregate
from propdesk.marketdata.catalogue import Catalogue
from propdesk.marketdata.simulator import session_minutes, simulate_minute_bars

START = 1_735_689_600  # 2025-01-01 00:00 UTC
DAYS = 365
ROUNDS = 3
SECONDS_TARGET = 60.0
INSTRUMENT = Catalogue.load()["MNQ"]


def year_of_minutes() -> BarColumns:
    minutes = session_minutes(INSTRUMENT.session, START, START + DAYS * 86_400)
    bars = simulate_minute_bars(INSTRUMENT, 7, minutes, start_price=21_000.0)
    return BarColumns(bars.ts, bars.open, bars.high, bars.low, bars.close, bars.volume)


def _bars(minute: BarColumns) -> list[Bar]:
    five = aggregate(minute, INSTRUMENT.session, Resolution.parse("5"))
    return [
        Bar("MNQ", ts, o, h, low, c, v)
        for ts, o, h, low, c, v in zip(
            five.ts.tolist(),
            five.open.tolist(),
            five.high.tolist(),
            five.low.tolist(),
            five.close.tolist(),
            five.volume.tolist(),
            strict=True,
        )
    ]


def _bare_loop(bars: list[Bar]) -> int:
    trader = strategy("ma_cross")
    trader.on_start(
        "MNQ", "5", INSTRUMENT.tick_size, session_start=session_start_of(INSTRUMENT.session)
    )
    on_bar = trader.on_bar
    return sum(1 for bar in bars if on_bar(bar, None) is not None)


def _seconds(action: Callable[[], object]) -> float:
    began = time.perf_counter()
    action()
    return time.perf_counter() - began


async def _read_back(minute: BarColumns) -> float:
    from propdesk.store.db import open_database
    from propdesk.store.repositories.bars import read_bar_columns, upsert_bar_columns

    with tempfile.TemporaryDirectory() as folder:
        database = await open_database(f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}")
        try:
            async with database.connect() as connection:
                batch = (
                    minute.ts.tolist(),
                    minute.open.tolist(),
                    minute.high.tolist(),
                    minute.low.tolist(),
                    minute.close.tolist(),
                    minute.volume.tolist(),
                )
                await upsert_bar_columns(connection, "MNQ", [batch], rewrites_history=True)
            began = time.perf_counter()
            async with database.connect() as connection:
                columns = await read_bar_columns(connection, "MNQ", START)
            seconds = time.perf_counter() - began
        finally:
            await database.dispose()
    if len(columns[0]) != len(minute):
        raise RuntimeError("the store gave back another number of bars")
    return seconds


def run() -> list[Result]:
    minute = year_of_minutes()
    bars = _bars(minute)
    config = BacktestConfig("ma_cross", "5")
    results: list[BacktestResult] = []

    def backtest() -> None:
        result = run_backtest(minute, INSTRUMENT, config)
        compute_metrics(result.trips, starting_balance=config.starting_balance)
        results[:] = [result]

    ours, bare = [], []
    for round_ in range(ROUNDS):
        pair: tuple[tuple[list[float], Callable[[], object]], ...] = (
            (ours, backtest),
            (bare, lambda: _bare_loop(bars)),
        )
        for samples, action in pair if round_ % 2 == 0 else pair[::-1]:
            samples.append(_seconds(action))
    [result] = results
    if result.bars != len(bars):
        raise RuntimeError("the backtest aggregated another number of bars than the ceiling")
    preset = PRESETS["topstep-50k"]
    combine = BacktestConfig(
        "ma_cross", "5", rules=preset.rule_set, starting_balance=preset.starting_balance
    )
    combined = run_backtest(minute, INSTRUMENT, combine)
    metrics = compute_metrics(result.trips, starting_balance=config.starting_balance)
    mine, ceiling = statistics.median(ours), statistics.median(bare)
    ticks_per_bar_note = "4 ticks a minute at most, plus each working stop crossed"
    return [
        Result(
            "backtest: a year of MNQ minutes, ma_cross at 5",
            "s",
            mine,
            "bare loop: the strategy's on_bar over the same five-minute bars",
            ceiling,
            higher_is_better=False,
            target=f"< {SECONDS_TARGET:g} s",
            met=mine < SECONDS_TARGET,
            extra={
                "minute_bars": len(minute),
                "five_minute_bars": len(bars),
                "us_per_minute_bar": round(mine / len(minute) * 1e6, 2),
                "ticks": ticks_per_bar_note,
                "signals": result.signals,
                "placed": result.placed,
                "closed_trades": len(result.trips),
                "net_pnl": round(metrics.net_pnl, 2),
                "topstep_50k_seconds": round(combined.elapsed_s, 3),
                "topstep_50k_placed": combined.placed,
                "topstep_50k_skipped": dict(combined.skipped),
                "read_back_from_sqlite_s": round(asyncio.run(_read_back(minute)), 3),
                "starting_balance": float(Decimal(config.starting_balance)),
            },
        )
    ]
