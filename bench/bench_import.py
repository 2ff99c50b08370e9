"""`propdesk bars import` of 1,000,000 one-minute rows beside bare stdlib csv + sqlite3.

The import is the real command (parse, validate, one-transaction upsert into a fresh SQLite
file, progress bar included); the ceiling reads the same file with `csv.reader`, converts each
row with `datetime.fromisoformat` and `float`, and upserts it with `sqlite3.executemany` into
the same table shape (WAL, synchronous=NORMAL), without any validation. One run of each: the
import alone takes seconds, so the noise of a shared machine matters less than in short cases.
"""

from __future__ import annotations

import csv
import re
import sqlite3
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
from typer.testing import CliRunner

from bench.harness import Result
from propdesk.cli import app

ROWS = 1_000_000
TARGET_SECONDS = 60.0
SYMBOL = "BTCUSD"
START = datetime(2024, 1, 1, tzinfo=UTC)


def write_csv(path: Path, rows: int = ROWS) -> None:
    """A TradingView-style export: `time,open,high,low,close,Volume`, one row per minute."""
    rng = np.random.default_rng(7)
    close = 15_000 + np.cumsum(rng.integers(-8, 9, rows)) * 0.25
    open_ = np.concatenate(([15_000.0], close[:-1]))
    high = np.maximum(open_, close) + rng.integers(0, 5, rows) * 0.25
    low = np.minimum(open_, close) - rng.integers(0, 5, rows) * 0.25
    volume = rng.integers(1, 500, rows)
    days = [f"{START + timedelta(days=d):%Y-%m-%d}" for d in range(rows // 1440 + 1)]
    clocks = [f"{m // 60:02d}:{m % 60:02d}:00" for m in range(1440)]
    with path.open("w") as out:
        out.write("time,open,high,low,close,Volume\n")
        for start in range(0, rows, 100_000):
            out.writelines(
                f"{days[i // 1440]} {clocks[i % 1440]},{o},{h},{lo},{c},{v}\n"
                for i, o, h, lo, c, v in zip(
                    range(start, min(rows, start + 100_000)),
                    open_[start : start + 100_000].tolist(),
                    high[start : start + 100_000].tolist(),
                    low[start : start + 100_000].tolist(),
                    close[start : start + 100_000].tolist(),
                    volume[start : start + 100_000].tolist(),
                    strict=False,
                )
            )


def import_seconds(csv_path: Path, database: Path) -> tuple[float, dict[str, float]]:
    url = f"sqlite+aiosqlite:///{database}"
    env = {"PROPDESK_DATABASE_URL": url, "PROPDESK_LOG_LEVEL": "WARNING"}
    started = time.perf_counter()
    result = CliRunner().invoke(app, ["bars", "import", str(csv_path), "--symbol", SYMBOL], env=env)
    elapsed = time.perf_counter() - started
    if result.exit_code != 0:
        raise RuntimeError(f"import failed: {result.output}")
    with sqlite3.connect(database) as connection:
        (count,) = connection.execute("SELECT count(*) FROM bars_1m").fetchone()
    if count != ROWS:
        raise RuntimeError(f"imported {count} rows, expected {ROWS}")
    phases = re.search(r"parsing ([\d.]+) s, writing ([\d.]+) s", result.stdout)
    split = {"parse_s": float(phases[1]), "write_s": float(phases[2])} if phases else {}
    return elapsed, split


_TABLE = (
    "CREATE TABLE bars_1m (symbol VARCHAR(32) NOT NULL, ts BIGINT NOT NULL, open FLOAT NOT NULL,"
    " high FLOAT NOT NULL, low FLOAT NOT NULL, close FLOAT NOT NULL, volume FLOAT NOT NULL,"
    " PRIMARY KEY (symbol, ts)) WITHOUT ROWID"
)
_UPSERT = (
    "INSERT INTO bars_1m VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (symbol, ts) DO UPDATE SET "
    "open = excluded.open, high = excluded.high, low = excluded.low, close = excluded.close, "
    "volume = excluded.volume"
)


def ceiling_seconds(csv_path: Path, database: Path) -> float:
    started = time.perf_counter()
    connection = sqlite3.connect(database)
    try:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=NORMAL")
        connection.execute(_TABLE)
        with csv_path.open(newline="") as text:
            reader = csv.reader(text)
            next(reader)
            rows = [
                (
                    SYMBOL,
                    int(datetime.fromisoformat(r[0]).replace(tzinfo=UTC).timestamp()),
                    float(r[1]),
                    float(r[2]),
                    float(r[3]),
                    float(r[4]),
                    float(r[5]),
                )
                for r in reader
            ]
        with connection:
            connection.executemany(_UPSERT, rows)
    finally:
        connection.close()
    return time.perf_counter() - started


def run() -> list[Result]:
    with tempfile.TemporaryDirectory(prefix="propdesk-bench-import-") as scratch:
        folder = Path(scratch)
        csv_path = folder / "bars_1m.csv"
        write_csv(csv_path)
        ceiling = ceiling_seconds(csv_path, folder / "ceiling.db")
        seconds, split = import_seconds(csv_path, folder / "import.db")
    extra = {"rows": ROWS, **split, "ceiling_s": round(ceiling, 2)}
    return [
        Result(
            name="bars import: 1M 1m CSV rows into SQLite",
            unit="s",
            value=seconds,
            ceiling_name="stdlib csv + sqlite3",
            ceiling=ceiling,
            higher_is_better=False,
            target=f"< {TARGET_SECONDS:.0f} s",
            met=seconds < TARGET_SECONDS,
            extra=extra,
        ),
        Result(
            name="bars import: throughput",
            unit="rows/s",
            value=ROWS / seconds,
            ceiling_name="stdlib csv + sqlite3",
            ceiling=ROWS / ceiling,
            extra=extra,
        ),
    ]
