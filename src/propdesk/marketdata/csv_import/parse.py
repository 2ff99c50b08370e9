"""`parse_bars`: the header found, the rows read chunk by chunk, then validated."""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from typing import Any
from zoneinfo import ZoneInfo

from propdesk.domain.instruments import SessionSchedule
from propdesk.marketdata.csv_import.header import _Layout, _layout
from propdesk.marketdata.csv_import.model import (
    CsvFormatError,
    ParsedBars,
    RejectedRows,
    Timeframe,
)
from propdesk.marketdata.csv_import.rows import _add_chunk, _add_rows, _Columns, _decimal_comma
from propdesk.marketdata.csv_import.times import _Clock, _stamper, time_zone
from propdesk.marketdata.csv_import.validate import _validate


def parse_bars(
    lines: Iterable[str],
    *,
    session: SessionSchedule,
    timeframe: Timeframe = Timeframe.minute,
    tz: str | ZoneInfo = "UTC",
) -> ParsedBars | RejectedRows:
    """Read CSV text lines into the bars to store, or the rows that forbid storing any.

    Raises CsvFormatError when the file is not bars at all (no header, missing columns, no
    rows) and ValueError for an unknown zone. `session` stamps daily rows.
    """
    zone = tz if isinstance(tz, ZoneInfo) else time_zone(tz)
    source = iter(lines)
    skipped, reader = 0, None
    try:
        layout, skipped = _find_header(source)
        reader = csv.reader(source, delimiter=layout.delimiter)
        return _parse_rows(reader, skipped, layout, _Clock(zone), timeframe, session)
    except csv.Error as error:
        line = skipped + (reader.line_num if reader is not None else 0)
        raise CsvFormatError(f"line {max(line, 1)}: {error}") from None
    except UnicodeDecodeError:
        # Text is decoded in blocks ahead of the rows: the bad bytes are at or after this line.
        line = skipped + (reader.line_num if reader is not None else 0) + 1
        raise CsvFormatError(
            f"not UTF-8 text (nor UTF-16 with a BOM), from about line {line}"
        ) from None


_PREAMBLE_LINES = 3


def _find_header(source: Iterator[str]) -> tuple[_Layout, int]:
    """The header's layout and its line number. Some exports put a title or a link above it
    (CryptoDataDownload), so a few non-blank lines may precede it."""
    problem: CsvFormatError | None = None
    tried = 0
    for number, line in enumerate(source, start=1):
        text = line.lstrip("\ufeff")
        if not text.strip():
            continue
        try:
            return _layout(text), number
        except CsvFormatError as error:
            problem = problem or error
            tried += 1
            if tried > _PREAMBLE_LINES:
                break
    raise problem or CsvFormatError("the file is empty")


_CHUNK = 32_768


def _parse_rows(
    reader: Any,
    skipped: int,
    layout: _Layout,
    clock: _Clock,
    timeframe: Timeframe,
    session: SessionSchedule,
) -> ParsedBars | RejectedRows:
    chunk = list(islice(reader, _CHUNK))
    first = next((row for row in chunk if any(field.strip() for field in row)), None)
    if first is None:
        raise CsvFormatError("no data rows after the header")
    sample = first[layout.time] if len(first) > layout.time else ""
    stamp = _stamper(layout, clock, timeframe, session, sample)
    number: Callable[[str], float] = float
    sample_open = first[layout.open] if len(first) > layout.open else ""
    if layout.delimiter != "," and re.fullmatch(r"\s*-?\d+,\d+\s*", sample_open):
        number = _decimal_comma
    columns = _Columns()
    read = 0
    while chunk:
        if reader.line_num - read != len(chunk):
            raise CsvFormatError(
                f"a quoted value spans lines before line {skipped + reader.line_num}: "
                "a bar file has one row per line"
            )
        first_line = skipped + read + 1
        if not _add_chunk(columns, chunk, first_line, layout, number, stamp):
            _add_rows(columns, chunk, first_line, layout, number, stamp)
        read = reader.line_num
        chunk = list(islice(reader, _CHUNK))
    return _validate(columns, layout, clock, timeframe)
