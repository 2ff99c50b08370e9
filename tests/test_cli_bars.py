"""`propdesk bars import`: the command end to end, against the test database."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from propdesk.cli import app
from propdesk.marketdata.csv_import import BarBatch, ParsedBars
from propdesk.store.db import open_database
from propdesk.store.repositories.bars import BarRow, read_bars, series_state

TRADINGVIEW = (
    "time,open,high,low,close,Volume\n"
    "1704205800,4700.25,4701.5,4699.75,4701,1234\n"
    "1704205860,4701,4702.25,4700.5,4702,987\n"
)
EXPECTED = [
    (1_704_205_800, 4700.25, 4701.5, 4699.75, 4701.0, 1234.0),
    (1_704_205_860, 4701.0, 4702.25, 4700.5, 4702.0, 987.0),
]


def run(database_url: str, *arguments: str) -> Result:
    env = {"PROPDESK_DATABASE_URL": database_url, "PROPDESK_LOG_LEVEL": "WARNING"}
    return CliRunner().invoke(app, ["bars", "import", *arguments], env=env)


def stored(database_url: str, symbol: str = "ES") -> list[BarRow]:
    async def read() -> list[BarRow]:
        database = await open_database(database_url)
        try:
            async with database.connect() as connection:
                return await read_bars(connection, symbol, -(2**62), 2**62)
        finally:
            await database.dispose()

    return asyncio.run(read())


def revision(database_url: str, symbol: str = "ES") -> int | None:
    async def read() -> int | None:
        database = await open_database(database_url)
        try:
            async with database.connect() as connection:
                state = await series_state(connection, symbol)
        finally:
            await database.dispose()
        return None if state is None else state.revision

    return asyncio.run(read())


@pytest.fixture
def csv_file(tmp_path: Path) -> Path:
    path = tmp_path / "ES_1m.csv"
    path.write_text(TRADINGVIEW)
    return path


def test_import_when_valid_file_then_bars_stored_and_summary_printed(
    database_url: str, csv_file: Path
) -> None:
    # Act
    result = run(database_url, str(csv_file), "--symbol", "es")

    # Assert
    assert result.exit_code == 0, result.output
    assert "imported 2 1m bars of ES (2024-01-02 14:30 UTC … 2024-01-02 14:31 UTC)" in (
        result.stdout
    )
    assert "columns: time=time, open=open" in result.stdout
    assert stored(database_url) == EXPECTED


def test_import_when_same_file_again_then_nothing_changes(
    database_url: str, csv_file: Path
) -> None:
    # Arrange
    assert run(database_url, str(csv_file), "--symbol", "ES").exit_code == 0

    # Act
    result = run(database_url, str(csv_file), "--symbol", "ES")

    # Assert
    assert result.exit_code == 0, result.output
    assert stored(database_url) == EXPECTED
    assert revision(database_url) == 2  # history rewritten: running servers reload it


def test_import_when_bad_rows_then_listed_by_line_exit_1_and_nothing_stored(
    database_url: str, tmp_path: Path
) -> None:
    # Arrange
    path = tmp_path / "bad.csv"
    path.write_text(
        TRADINGVIEW + "1704205920,4702,4701,4703,4702,5\n1704205980,4702,x,4701,4702,5\n"
    )

    # Act
    result = run(database_url, str(path), "--symbol", "ES")

    # Assert
    assert result.exit_code == 1
    assert "2 bad rows; nothing was imported" in result.stderr
    assert "line 4: high 4701.0 is below open 4702.0" in result.stderr
    assert "line 5: high 'x' is not a number" in result.stderr
    assert stored(database_url) == []
    assert revision(database_url) is None


def test_import_when_unknown_symbol_then_usage_error_and_nothing_stored(
    database_url: str, csv_file: Path
) -> None:
    # Act
    result = run(database_url, str(csv_file), "--symbol", "NOPE")

    # Assert
    assert result.exit_code == 2
    assert "unknown symbol 'NOPE'" in result.stderr
    assert stored(database_url, "NOPE") == []


def test_import_when_unknown_zone_then_usage_error(database_url: str, csv_file: Path) -> None:
    # Act
    result = run(database_url, str(csv_file), "--symbol", "ES", "--tz", "Chicago")

    # Assert
    assert result.exit_code == 2
    assert "unknown time zone 'Chicago'" in result.stderr


def test_import_when_file_missing_then_usage_error(database_url: str, tmp_path: Path) -> None:
    # Act
    result = run(database_url, str(tmp_path / "absent.csv"), "--symbol", "ES")

    # Assert
    assert result.exit_code == 2
    assert "does not exist" in result.stderr


def test_import_when_header_unreadable_then_exit_1_with_reason(
    database_url: str, tmp_path: Path
) -> None:
    # Arrange
    path = tmp_path / "no_header.csv"
    path.write_text("1704205800,4700.25,4701.5,4699.75,4701,1234\n")

    # Act
    result = run(database_url, str(path), "--symbol", "ES")

    # Assert
    assert result.exit_code == 1
    assert "the first line is data, not a header" in result.stderr
    assert stored(database_url) == []


def test_import_when_daily_yahoo_file_then_stored_at_session_open_and_said(
    database_url: str, tmp_path: Path
) -> None:
    # Arrange
    path = tmp_path / "SPY.csv"
    path.write_text(
        "Date,Open,High,Low,Close,Adj Close,Volume\n"
        "2024-01-02,472.16,473.67,470.49,472.65,468.79,123623700\n"
    )

    # Act
    result = run(database_url, str(path), "--symbol", "SPY", "--timeframe", "1d")

    # Assert
    assert result.exit_code == 0, result.output
    assert stored(database_url, "SPY") == [
        (1_704_205_800, 472.16, 473.67, 470.49, 472.65, 123_623_700.0)
    ]
    assert "stored as one 1-minute bar at its session's open" in result.stdout
    assert "columns not imported: Adj Close" in result.stdout


def test_import_when_no_volume_column_then_says_volume_is_zero(
    database_url: str, tmp_path: Path
) -> None:
    # Arrange
    path = tmp_path / "no_volume.csv"
    path.write_text("Date,Time,Open,High,Low,Close\n2024-01-02,09:30,1,2,0.5,1.5\n")

    # Act
    result = run(database_url, str(path), "--symbol", "AAPL", "--tz", "America/New_York")

    # Assert
    assert result.exit_code == 0, result.output
    assert "no volume column: volumes are stored as 0" in result.stdout
    assert stored(database_url, "AAPL") == [(1_704_205_800, 1.0, 2.0, 0.5, 1.5, 0.0)]


def test_import_when_write_fails_part_way_then_nothing_is_stored(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Arrange: the first batch is written, then the import dies
    path = tmp_path / "three.csv"
    path.write_text(TRADINGVIEW + "1704205920,4702,4703,4701,4702,5\n")
    batches = ParsedBars.batches

    def failing(self: ParsedBars, size: int = 50_000) -> Iterator[BarBatch]:
        yield next(batches(self, size=1))
        raise RuntimeError("disk unplugged")

    monkeypatch.setattr(ParsedBars, "batches", failing)

    # Act
    result = run(database_url, str(path), "--symbol", "ES")

    # Assert
    assert isinstance(result.exception, RuntimeError)
    assert stored(database_url) == []
