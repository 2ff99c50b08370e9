"""`propdesk backtest`: the command end to end over bars stored in the test database, which
it leaves as it found them."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import Result
from sqlalchemy import func, select
from typer.testing import CliRunner

from propdesk.cli import app
from propdesk.marketdata.catalogue import Catalogue
from propdesk.marketdata.simulator import session_minutes, simulate_minute_bars
from propdesk.store.db import open_database
from propdesk.store.models import ExecutionRow, OrderRow, RiskEventRow, TripRow
from propdesk.store.repositories.bars import upsert_bar_columns

START = 1_735_689_600  # 2025-01-01 00:00 UTC, a Wednesday
DAYS = 5


def run(database_url: str, *arguments: str) -> Result:
    env = {"PROPDESK_DATABASE_URL": database_url, "PROPDESK_LOG_LEVEL": "WARNING"}
    return CliRunner().invoke(app, ["backtest", *arguments], env=env)


def _rows(database_url: str) -> dict[str, int]:
    async def count() -> dict[str, int]:
        database = await open_database(database_url)
        try:
            async with database.session() as session:
                return {
                    model.__tablename__: int(
                        await session.scalar(select(func.count()).select_from(model)) or 0
                    )
                    for model in (OrderRow, ExecutionRow, TripRow, RiskEventRow)
                }
        finally:
            await database.dispose()

    return asyncio.run(count())


@pytest.fixture
def stored(database_url: str) -> str:
    """Five days of simulated MNQ minutes in the database."""
    instrument = Catalogue.load()["MNQ"]
    minutes = session_minutes(instrument.session, START, START + DAYS * 86_400)
    bars = simulate_minute_bars(instrument, 7, minutes, start_price=21_000.0)

    async def write() -> None:
        database = await open_database(database_url)
        try:
            async with database.connect() as connection:
                batch = (
                    bars.ts.tolist(),
                    bars.open.tolist(),
                    bars.high.tolist(),
                    bars.low.tolist(),
                    bars.close.tolist(),
                    bars.volume.tolist(),
                )
                await upsert_bar_columns(connection, "MNQ", [batch], rewrites_history=True)
        finally:
            await database.dispose()

    asyncio.run(write())
    assert len(bars) > 3_000
    return database_url


ARGUMENTS = ("--strategy", "ma_cross", "--symbol", "mnq", "--from", "2025-01-01")


def test_backtest_when_bars_are_stored_then_figures_printed_a_report_written_nothing_stored(
    stored: str, tmp_path: Path
) -> None:
    out = tmp_path / "out.json"

    result = run(
        stored,
        *ARGUMENTS,
        "--to",
        "2025-01-05",
        "--rule-set",
        "topstep-50k",
        "--params",
        '{"fast_period": 5, "slow_period": 20}',
        "--report",
        str(out),
    )

    assert result.exit_code == 0, result.output
    assert "ma_cross on MNQ at 5" in result.stdout
    assert "one-minute bars replayed" in result.stdout
    assert "closed trades" in result.stdout
    report: dict[str, Any] = json.loads(out.read_text())
    assert (report["strategy"], report["symbol"], report["resolution"]) == ("ma_cross", "MNQ", "5")
    assert (report["params"]["fast_period"], report["params"]["average"]) == (5, "sma")
    assert (report["rule_set"], report["starting_balance"], report["qty"]) == (
        "topstep-50k",
        50_000,
        1,
    )
    assert report["from"].startswith("2025-01-01")
    assert report["to"].startswith("2025-01-05")
    assert report["signals"]["total"] > 0
    metrics, trades = report["metrics"], report["trades"]
    assert metrics["total_trades"] == len(trades) > 0
    assert metrics["net_pnl"] == pytest.approx(sum(t["net_pnl"] for t in trades))
    assert all(t["fees"] == pytest.approx(1.24 * t["qty"]) for t in trades)  # $0.62 a side
    assert report["bars"]["minute"] > 5 * report["bars"]["resolution"] * 0.9
    assert _rows(stored) == {"orders": 0, "executions": 0, "trips": 0, "risk_events": 0}


def test_backtest_when_run_twice_then_the_same_report(stored: str, tmp_path: Path) -> None:
    reports = []
    for name in ("a.json", "b.json"):
        out = tmp_path / name
        result = run(stored, *ARGUMENTS, "--to", "2025-01-05", "--report", str(out))
        assert result.exit_code == 0, result.output
        document = json.loads(out.read_text())
        del document["elapsed_s"]
        reports.append(document)

    assert reports[0] == reports[1]


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (("--strategy", "martingale"), "--strategy"),
        (("--symbol", "DOGE"), "--symbol"),
        (("--params", '{"fast_period": 40}'), "--params"),
        (("--params", '{"speed": 1}'), "--params"),
        (("--resolution", "7"), "--resolution"),
        (("--rule-set", "ftmo"), "--rule-set"),
        (("--qty", "1.5"), "--qty"),
        (("--qty", "-1"), "--qty"),
        (("--to", "2024-12-31"), "--to"),
    ],
)
def test_backtest_when_an_option_is_wrong_then_exit_2_naming_it(
    stored: str, change: tuple[str, str], named: str
) -> None:
    options = dict(zip(ARGUMENTS[::2], ARGUMENTS[1::2], strict=True))
    options["--to"] = "2025-01-05"
    options[change[0]] = change[1]

    result = run(stored, *np.array(list(options.items())).ravel().tolist())

    assert result.exit_code == 2, result.output
    assert named in result.output


def test_backtest_when_no_bars_are_stored_then_exit_1_saying_so(database_url: str) -> None:
    assert set(_rows(database_url).values()) == {0}  # migrated, and empty

    result = run(database_url, *ARGUMENTS, "--to", "2025-01-05")

    assert result.exit_code == 1
    assert "no stored one-minute bars of MNQ" in result.output
