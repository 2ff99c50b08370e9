"""CSV import of OHLCV bars: the common export layouts, validated, as one-minute base bars.

Layouts: a header row naming a date-time column (or separate date and time columns) and Open,
High, Low, Close and optionally Volume, matched by known aliases in any case and order:
TradingView (`time,open,…`), Yahoo Finance (`Date,…,Adj Close,Volume`), MetaTrader
(`<DATE>,<TIME>,<OPEN>,…,<TICKVOL>,<VOL>`), NinjaTrader/Kibot-style `Date,Time,…`, Binance
(`open_time` in UNIX milliseconds) and their like; comma, semicolon, tab or pipe delimited
(sniffed from the header), UTF-8 with or without a BOM, or UTF-16 with one.

Times: UNIX seconds, milliseconds, microseconds or nanoseconds (told apart by magnitude); dates
`YYYY-MM-DD`, `YYYY/MM/DD`, `YYYY.MM.DD`, `YYYYMMDD`, `MM/DD/YYYY` (US) and `DD.MM.YYYY`;
times `HH:MM[:SS[.fff]]` or `HHMM[SS]`, joined to the date by `T` or a space, optionally with
`Z` or an offset. A UNIX time or a time with an offset is absolute; a naive time is read in the
zone given (default UTC). Stored times are UTC.

Storage: every bar is stored as a one-minute base bar, so
- `1m` rows are stored at their minute;
- `1h` rows as one bar at the hour's open: resolutions of 60 minutes and more serve them back;
- `1D` rows as one bar at the start of their trading day's session (`session.bounds(day)[0]`),
  so that the daily aggregation, which groups by trading day, serves back exactly that row.
  The trading day is the row's date in the given zone, so a daily row must be stamped 00:00
  there (UNIX and offset times are 00:00 UTC by default, as TradingView and UDF stamp days).

`parse_bars` reads and validates text lines, before anything is written, into either the bars
or the bad rows; the database write and the command line are kept apart from it.
"""

from propdesk.marketdata.csv_import.files import open_text, parse_file
from propdesk.marketdata.csv_import.model import (
    MAX_REPORTED_ERRORS,
    BarBatch,
    CsvFormatError,
    ParsedBars,
    RejectedRows,
    RowError,
    Timeframe,
)
from propdesk.marketdata.csv_import.parse import parse_bars
from propdesk.marketdata.csv_import.times import time_zone

__all__ = [
    "MAX_REPORTED_ERRORS",
    "BarBatch",
    "CsvFormatError",
    "ParsedBars",
    "RejectedRows",
    "RowError",
    "Timeframe",
    "open_text",
    "parse_bars",
    "parse_file",
    "time_zone",
]
