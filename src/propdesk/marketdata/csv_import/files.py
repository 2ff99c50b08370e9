"""Files: the text of a bar file in its encoding, counted as it is read, then parsed."""

from __future__ import annotations

import codecs
import io
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo

from propdesk.domain.instruments import SessionSchedule
from propdesk.marketdata.csv_import.model import ParsedBars, RejectedRows, Timeframe
from propdesk.marketdata.csv_import.parse import parse_bars


class _CountingReader(io.RawIOBase):
    """Reports the bytes read, so that a progress bar can follow a file being parsed."""

    def __init__(self, raw: IO[bytes], on_bytes: Callable[[int], None]) -> None:
        self._raw = raw
        self._on_bytes = on_bytes

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        count = self._raw.readinto(buffer)  # type: ignore[attr-defined]
        if count:
            self._on_bytes(count)
        return int(count or 0)

    def close(self) -> None:
        self._raw.close()
        super().close()


def open_text(path: Path, on_bytes: Callable[[int], None] | None = None) -> IO[str]:
    """The file as text lines: UTF-8 (BOM or not) or UTF-16 with its BOM."""
    raw = path.open("rb", buffering=0)
    head = raw.read(2)
    raw.seek(0)
    utf16 = head in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
    counted: Any = raw if on_bytes is None else _CountingReader(raw, on_bytes)
    return io.TextIOWrapper(
        io.BufferedReader(counted, 1 << 20),
        encoding="utf-16" if utf16 else "utf-8-sig",
        newline="",
    )


def parse_file(
    path: Path,
    *,
    session: SessionSchedule,
    timeframe: Timeframe = Timeframe.minute,
    tz: str | ZoneInfo = "UTC",
    on_bytes: Callable[[int], None] | None = None,
) -> ParsedBars | RejectedRows:
    """`parse_bars` over a file; OSError when it cannot be opened."""
    with open_text(path, on_bytes) as text:
        return parse_bars(text, session=session, timeframe=timeframe, tz=tz)
