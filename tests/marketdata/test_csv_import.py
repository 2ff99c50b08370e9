"""CSV import: the common export layouts read back exactly; bad rows are named, never stored."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from propdesk.domain.bars import Resolution
from propdesk.marketdata.aggregate import BarColumns, aggregate
from propdesk.marketdata.catalogue import Catalogue
from propdesk.marketdata.csv_import import (
    MAX_REPORTED_ERRORS,
    CsvFormatError,
    ParsedBars,
    RejectedRows,
    Timeframe,
    parse_bars,
    parse_file,
)
from propdesk.store.db import open_database
from propdesk.store.repositories.bars import (
    BarRow,
    read_bars,
    series_state,
    upsert_bar_columns,
)

CATALOGUE = Catalogue.load()
JAN_2_1430Z = 1_704_205_800  # 2024-01-02 14:30 UTC = 09:30 New York
EVERYTHING = (-(2**62), 2**62)


def parse(
    text: str, symbol: str = "ES", timeframe: Timeframe = Timeframe.minute, tz: str = "UTC"
) -> ParsedBars | RejectedRows:
    return parse_bars(
        text.split("\n"), session=CATALOGUE[symbol].session, timeframe=timeframe, tz=tz
    )


def parsed(text: str, **options: str | Timeframe) -> ParsedBars:
    result = parse(text, **options)  # type: ignore[arg-type]
    assert isinstance(result, ParsedBars), result
    return result


def rejected(text: str, **options: str | Timeframe) -> RejectedRows:
    result = parse(text, **options)  # type: ignore[arg-type]
    assert isinstance(result, RejectedRows), result
    return result


def rows(result: ParsedBars) -> list[BarRow]:
    return [row for batch in result.batches(size=2) for row in zip(*batch, strict=True)]


async def store(database_url: str, symbol: str, result: ParsedBars) -> list[BarRow]:
    """Write as `propdesk bars import` does, then read everything back."""
    database = await open_database(database_url)
    try:
        async with database.connect() as connection:
            await upsert_bar_columns(
                connection, symbol, result.batches(size=2), rewrites_history=True
            )
        async with database.connect() as connection:
            return await read_bars(connection, symbol, *EVERYTHING)
    finally:
        await database.dispose()


# --- layouts ------------------------------------------------------------------------------------

LAYOUTS = {
    "tradingview unix seconds": (
        "time,open,high,low,close,Volume\n"
        "1704205800,4700.25,4701.5,4699.75,4701,1234\n"
        "1704205860,4701,4702.25,4700.5,4702,987\n",
        {},
    ),
    "tradingview iso with offset": (
        "time,open,high,low,close,Volume\n"
        "2024-01-02T09:30:00-05:00,4700.25,4701.5,4699.75,4701,1234\n"
        "2024-01-02T14:31:00Z,4701,4702.25,4700.5,4702,987\n",
        {"tz": "Asia/Tokyo"},  # offsets in the data win over the zone of naive times
    ),
    "date and time columns, us dates, in new york": (
        "Date,Time,Open,High,Low,Close,Volume\n"
        "01/02/2024,09:30,4700.25,4701.5,4699.75,4701,1234\n"
        "01/02/2024,9:31 AM,4701,4702.25,4700.5,4702,987\n",
        {"tz": "America/New_York"},
    ),
    "metatrader tab separated": (
        "<DATE>\t<TIME>\t<OPEN>\t<HIGH>\t<LOW>\t<CLOSE>\t<TICKVOL>\t<VOL>\t<SPREAD>\n"
        "2024.01.02\t14:30:00\t4700.25\t4701.5\t4699.75\t4701\t55\t1234\t1\n"
        "2024.01.02\t14:31:00\t4701\t4702.25\t4700.5\t4702\t44\t987\t1\n",
        {},
    ),
    "binance milliseconds": (
        "open_time,open,high,low,close,volume,close_time,quote_volume,count\n"
        "1704205800000,4700.25,4701.5,4699.75,4701,1234,1704205859999,5.8e6,10\n"
        "1704205860000,4701,4702.25,4700.5,4702,987,1704205919999,4.6e6,12\n",
        {"tz": "Asia/Tokyo"},  # UNIX times are UTC whatever the zone
    ),
    "semicolons, yyyymmdd hhmmss in one column": (
        "DateTime;Open;High;Low;Close;Volume\n"
        "20240102 143000;4700.25;4701.5;4699.75;4701;1234\n"
        "20240102 143100;4701;4702.25;4700.5;4702;987\n",
        {},
    ),
    "bom, any order and case, blank trailing lines": (
        "\ufeffVOLUME,close,Low,HIGH,Open,Date Time\n"
        "1234,4701,4699.75,4701.5,4700.25,2024-01-02 14:30\n"
        "987,4702,4700.5,4702.25,4701,2024-01-02 14:31\n"
        "\n"
        "\n",
        {},
    ),
    "yfinance intraday": (
        "Datetime,Open,High,Low,Close,Adj Close,Volume\n"
        "2024-01-02 09:30:00-05:00,4700.25,4701.5,4699.75,4701,4701,1234\n"
        "2024-01-02 09:31:00-05:00,4701,4702.25,4700.5,4702,4702,987\n",
        {},
    ),
    "dukascopy day-first dates with milliseconds": (
        "Gmt time,Open,High,Low,Close,Volume\n"
        "02.01.2024 14:30:00.000,4700.25,4701.5,4699.75,4701,1234\n"
        "02.01.2024 14:31:00.000,4701,4702.25,4700.5,4702,987\n",
        {},
    ),
    "cryptodatadownload: a link above the header, newest first": (
        "https://www.CryptoDataDownload.com\n"
        "unix,date,symbol,open,high,low,close,Volume BTC,Volume USDT,tradecount\n"
        "1704205860000,2024-01-02 14:31:00,BTC/USDT,4701,4702.25,4700.5,4702,987,4.6e6,12\n"
        "1704205800000,2024-01-02 14:30:00,BTC/USDT,4700.25,4701.5,4699.75,4701,1234,5.8e6,10\n",
        {},
    ),
    "decimal commas with semicolons": (
        "Date;Time;Open;High;Low;Close;Volume\n"
        "2024-01-02;15:30:00;4700,25;4701,5;4699,75;4701;1234\n"
        "2024-01-02;15:31:00;4701;4702,25;4700,5;4702;987\n",
        {"tz": "Europe/Berlin"},
    ),
}
EXPECTED = [
    (JAN_2_1430Z, 4700.25, 4701.5, 4699.75, 4701.0, 1234.0),
    (JAN_2_1430Z + 60, 4701.0, 4702.25, 4700.5, 4702.0, 987.0),
]


@pytest.mark.parametrize("layout", list(LAYOUTS))
async def test_import_when_common_layout_then_reads_back_exactly(
    database_url: str, layout: str
) -> None:
    # Arrange
    text, options = LAYOUTS[layout]

    # Act
    stored = await store(database_url, "ES", parsed(text, **options))

    # Assert
    assert stored == EXPECTED


async def test_import_when_yahoo_daily_then_each_day_is_served_back_by_the_daily_resolution(
    database_url: str,
) -> None:
    # Arrange
    text = (
        "Date,Open,High,Low,Close,Adj Close,Volume\n"
        "2024-01-02,472.16,473.67,470.49,472.65,468.79,123623700\n"
        "2024-01-03,470.43,471.19,468.17,468.79,464.96,103585900\n"
    )
    session = CATALOGUE["SPY"].session

    # Act
    stored = await store(database_url, "SPY", parsed(text, symbol="SPY", timeframe=Timeframe.day))
    daily = aggregate(
        BarColumns(*(np.array(column) for column in zip(*stored, strict=True))),
        session,
        Resolution.parse("1D"),
    )

    # Assert: stamped at each session's open (09:30 New York), served at 00:00 UTC of the day
    assert [row[0] for row in stored] == [1_704_205_800, 1_704_292_200]
    assert daily.ts.tolist() == [1_704_153_600, 1_704_240_000]
    assert daily.close.tolist() == [472.65, 468.79]
    assert daily.volume.tolist() == [123_623_700.0, 103_585_900.0]


async def test_import_when_daily_futures_then_stamped_at_the_evening_session_open(
    database_url: str,
) -> None:
    # Arrange: ES trades 17:00–16:00 Chicago, so 2 January opens at 17:00 on 1 January
    text = "time,open,high,low,close\n1704153600,4750,4760,4740,4755\n"

    # Act
    stored = await store(database_url, "ES", parsed(text, timeframe=Timeframe.day))

    # Assert
    assert stored == [(1_704_150_000, 4750.0, 4760.0, 4740.0, 4755.0, 0.0)]


async def test_import_when_hourly_then_one_bar_at_each_hours_open(database_url: str) -> None:
    # Arrange
    text = (
        "Datetime,Open,High,Low,Close,Volume\n"
        "2024-01-02 14:00:00+00:00,1,2,0.5,1.5,10\n"
        "2024-01-02 15:00:00+00:00,1.5,2.5,1,2,20\n"
    )

    # Act
    stored = await store(database_url, "ES", parsed(text, timeframe=Timeframe.hour))

    # Assert
    assert stored == [
        (1_704_204_000, 1.0, 2.0, 0.5, 1.5, 10.0),
        (1_704_207_600, 1.5, 2.5, 1.0, 2.0, 20.0),
    ]


async def test_import_when_same_file_twice_then_bars_and_extent_unchanged(
    database_url: str,
) -> None:
    # Arrange
    result = parsed(LAYOUTS["tradingview unix seconds"][0])
    first = await store(database_url, "ES", result)

    # Act
    second = await store(database_url, "ES", result)

    # Assert
    assert second == first == EXPECTED
    database = await open_database(database_url)
    try:
        async with database.connect() as connection:
            state = await series_state(connection, "ES")
    finally:
        await database.dispose()
    assert state is not None
    assert (state.first_ts, state.last_ts) == (JAN_2_1430Z, JAN_2_1430Z + 60)
    assert state.revision == 2  # a rewrite of history, so that caches reload


async def test_import_when_a_bar_changed_then_it_is_overwritten(database_url: str) -> None:
    # Arrange
    await store(database_url, "ES", parsed(LAYOUTS["tradingview unix seconds"][0]))
    corrected = "time,open,high,low,close,Volume\n1704205860,4701,4703,4700.5,4703,1000\n"

    # Act
    stored = await store(database_url, "ES", parsed(corrected))

    # Assert
    assert stored == [EXPECTED[0], (JAN_2_1430Z + 60, 4701.0, 4703.0, 4700.5, 4703.0, 1000.0)]


def test_parse_when_file_is_utf16_with_bom_then_reads_it(tmp_path: Path) -> None:
    # Arrange: MetaTrader 5 writes its exports this way
    path = tmp_path / "mt5.csv"
    path.write_text(LAYOUTS["metatrader tab separated"][0], encoding="utf-16")

    # Act
    result = parse_file(path, session=CATALOGUE["ES"].session)

    # Assert
    assert isinstance(result, ParsedBars)
    assert rows(result) == EXPECTED


def test_parse_when_file_has_crlf_lines_then_reads_them(tmp_path: Path) -> None:
    # Arrange
    path = tmp_path / "windows.csv"
    path.write_bytes(LAYOUTS["tradingview unix seconds"][0].replace("\n", "\r\n").encode())
    progress: list[int] = []

    # Act
    result = parse_file(path, session=CATALOGUE["ES"].session, on_bytes=progress.append)

    # Assert
    assert isinstance(result, ParsedBars)
    assert rows(result) == EXPECTED
    assert sum(progress) == path.stat().st_size


def test_parse_when_no_volume_column_then_volume_zero_and_said() -> None:
    # Act
    result = parsed("date,open,high,low,close\n2024-01-02 14:30,1,2,0.5,1.5\n")

    # Assert
    assert rows(result) == [(JAN_2_1430Z, 1.0, 2.0, 0.5, 1.5, 0.0)]
    assert any("no volume column" in note for note in result.notes)


def test_parse_when_volume_all_zero_and_tick_volume_present_then_uses_tick_volume() -> None:
    # Arrange: MetaTrader's forex exports carry real volume 0 and tick volume
    text = (
        "<DATE>,<TIME>,<OPEN>,<HIGH>,<LOW>,<CLOSE>,<TICKVOL>,<VOL>\n"
        "2024.01.02,14:30,1.1,1.2,1.0,1.15,42,0\n"
    )

    # Act
    result = parsed(text)

    # Assert
    assert rows(result)[0][5] == 42.0
    assert any("<TICKVOL>" in note for note in result.notes)


def test_parse_when_rows_out_of_order_and_exact_repeats_then_sorted_and_deduplicated() -> None:
    # Arrange
    text = (
        "time,open,high,low,close,volume\n"
        "1704205860,4701,4702.25,4700.5,4702,987\n"
        "1704205800,4700.25,4701.5,4699.75,4701,1234\n"
        "1704205860,4701,4702.25,4700.5,4702,987\n"
    )

    # Act
    result = parsed(text)

    # Assert
    assert rows(result) == EXPECTED
    assert result.rows_read == 3
    assert any("1 rows repeat" in note for note in result.notes)


def test_parse_when_naive_times_repeat_as_clocks_go_back_then_second_is_the_later_hour() -> None:
    # Arrange: New York falls back at 02:00 EDT on 3 November 2024; 01:00 happens twice
    text = (
        "Date,Time,Open,High,Low,Close\n"
        "2024-11-03,00:00,1,1,1,1\n"
        "2024-11-03,01:00,2,2,2,2\n"
        "2024-11-03,01:00,3,3,3,3\n"
        "2024-11-03,02:00,4,4,4,4\n"
    )

    # Act
    result = parsed(text, symbol="BTCUSD", timeframe=Timeframe.hour, tz="America/New_York")

    # Assert: 04:00, 05:00 (EDT), 06:00 (EST), 07:00 UTC
    assert [row[0] for row in rows(result)] == [1_730_606_400 + h * 3600 for h in range(4)]


# --- bad rows -----------------------------------------------------------------------------------

HEADER = "time,open,high,low,close,volume\n"


@pytest.mark.parametrize(
    ("bad_row", "timeframe", "message"),
    [
        ("2024-13-45 15:00,1,2,0.5,1.5,10", Timeframe.minute, "cannot read the date '2024-13-45'"),
        ("2024-01-02 15:00,1.5,1,2,1.5,10", Timeframe.minute, "high 1.0 is below low 2.0"),
        ("2024-01-02 15:00,1,2,1.2,1.5,10", Timeframe.minute, "low 1.2 is above open 1.0"),
        ("2024-01-02 15:00,1,2,0.5,NaN,10", Timeframe.minute, "close is nan"),
        ("2024-01-02 15:00,1,inf,0.5,1.5,10", Timeframe.minute, "high is inf"),
        ("2024-01-02 15:00,1,2,0.5,1.5,-5", Timeframe.minute, "volume -5.0 is negative"),
        ("2024-01-02 15:00,1,two,0.5,1.5,10", Timeframe.minute, "high 'two' is not a number"),
        ("2024-01-02 15:00,1,2,0.5,1.5,", Timeframe.minute, "volume '' is not a number"),
        ("2024-01-02 15:00:30,1,2,0.5,1.5,10", Timeframe.minute, "not on a whole minute"),
        ("2024-01-02 15:30,1,2,0.5,1.5,10", Timeframe.hour, "not on a whole hour"),
        ("2024-01-02 15:00,1,2", Timeframe.minute, "3 fields where the header has 6"),
        ("2024-01-02 14:00,1,2,0.5,1.4,10", Timeframe.hour, "same time as line 2 with different"),
    ],
)
def test_parse_when_a_row_is_bad_then_reports_its_line_and_returns_no_bars(
    bad_row: str, timeframe: Timeframe, message: str
) -> None:
    # Arrange: the row under test is on line 3, between two good rows
    text = (
        HEADER
        + "2024-01-02 14:00,1,2,0.5,1.5,10\n"
        + bad_row
        + "\n2024-01-02 16:00,1,2,0.5,1.5,10\n"
    )

    # Act
    result = rejected(text, timeframe=timeframe)

    # Assert
    assert result.total == 1
    assert [error.line for error in result.errors] == [3]
    assert message in result.errors[0].message


def test_parse_when_many_bad_rows_then_first_ones_by_line_and_the_total() -> None:
    # Arrange: unreadable rows and rows failing the OHLC checks, interleaved
    lines = [HEADER.strip()]
    for minute in range(50):
        high = "x" if minute % 2 else "0.1"
        lines.append(f"2024-01-02 14:{minute:02d},1,{high},0.5,1.5,10")

    # Act
    result = rejected("\n".join(lines))

    # Assert
    assert result.total == 50
    assert [error.line for error in result.errors] == list(range(2, 2 + MAX_REPORTED_ERRORS))


def test_parse_when_daily_row_on_a_weekend_then_rejected() -> None:
    # Act
    result = rejected("Date,Open,High,Low,Close\n2024-01-06,1,2,0.5,1.5\n", timeframe=Timeframe.day)

    # Assert
    assert result.errors[0].line == 2
    assert "Saturday, not a trading day" in result.errors[0].message


def test_parse_when_daily_row_not_at_midnight_then_rejected() -> None:
    # Act
    result = rejected(
        "Date,Open,High,Low,Close\n2024-01-02 17:00,1,2,0.5,1.5\n", timeframe=Timeframe.day
    )

    # Assert
    assert "stamped 00:00" in result.errors[0].message


def test_parse_when_naive_time_in_daylight_saving_gap_then_rejected() -> None:
    # Act: New York skips 02:00–03:00 on 10 March 2024
    result = rejected(HEADER + "2024-03-10 02:30,1,2,0.5,1.5,10\n", tz="America/New_York")

    # Assert
    assert "does not exist in America/New_York" in result.errors[0].message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "the file is empty"),
        ("\n\n", "the file is empty"),
        ("2024-01-02,1,2,0.5,1.5,10\n", "the first line is data, not a header"),
        ("time,open,high,low,volume\n", "no close column"),
        ("open,high,low,close\n", "no date/time column"),
        ("time open high low close\n", "cannot tell the columns apart"),
        (HEADER + "\n\n", "no data rows"),
        (HEADER + '"2024-01-02\n14:30",1,2,0.5,1.5,10\n', "a quoted value spans lines"),
    ],
)
def test_parse_when_not_a_bar_file_then_format_error(text: str, expected: str) -> None:
    # Act / Assert
    with pytest.raises(CsvFormatError, match=expected):
        parse(text)


def test_parse_when_file_is_not_text_then_format_error(tmp_path: Path) -> None:
    # Arrange: Latin-1 bytes are not UTF-8
    path = tmp_path / "latin1.csv"
    path.write_bytes(b"Date,Open,High,Low,Close\n\xe9t\xe9,1,2,0.5,1.5\n")

    # Act / Assert
    with pytest.raises(CsvFormatError, match="not UTF-8 text"):
        parse_file(path, session=CATALOGUE["ES"].session)


def test_parse_when_unknown_zone_then_value_error() -> None:
    # Act / Assert
    with pytest.raises(ValueError, match="unknown time zone 'Mars/Olympus'"):
        parse(HEADER + "2024-01-02 14:00,1,2,0.5,1.5,10\n", tz="Mars/Olympus")
