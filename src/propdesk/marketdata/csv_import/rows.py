"""Rows to columns: a fast path per chunk, and row by row to name what is wrong."""

from __future__ import annotations

from array import array
from collections.abc import Callable
from operator import itemgetter
from typing import Any

import numpy as np
import numpy.typing as npt

from propdesk.marketdata.csv_import.header import _Layout
from propdesk.marketdata.csv_import.model import MAX_REPORTED_ERRORS, RowError


class _Columns:
    """Parsed values in compact arrays: a million rows of Python floats would take ~200 MB."""

    def __init__(self) -> None:
        self.ts = array("q")
        self.open, self.high, self.low, self.close = (array("d") for _ in range(4))
        self.volume, self.tick_volume = array("d"), array("d")
        self.line = array("q")
        self.errors: list[RowError] = []
        self.bad_rows = 0

    def numpy(self, name: str) -> npt.NDArray[Any]:
        return np.frombuffer(getattr(self, name), np.int64 if name in ("ts", "line") else float)


def _decimal_comma(text: str) -> float:
    return float(text.replace(",", "."))


def _add_chunk(
    columns: _Columns,
    chunk: list[list[str]],
    first_line: int,
    layout: _Layout,
    number: Callable[[str], float],
    stamp: Callable[[list[str]], int],
) -> bool:
    """The fast path, column by column in C loops; False (and nothing added) when any value
    of the chunk is bad, or a row blank, so that `_add_rows` finds which."""
    wanted = [layout.open, layout.high, layout.low, layout.close]
    if layout.volume is not None:
        wanted.append(layout.volume)
    try:
        values = [array("d", map(number, map(itemgetter(i), chunk))) for i in wanted]
        ts = array("q", map(stamp, chunk))
        ticks = None
        if layout.tick_volume is not None:
            texts = map(itemgetter(layout.tick_volume), chunk)
            ticks = array("d", (_lenient(number, text) for text in texts))
    except (ValueError, IndexError, OverflowError):
        return False
    if layout.volume is None:
        values.append(array("d", bytes(8 * len(chunk))))
    if ticks is not None:
        columns.tick_volume.extend(ticks)
    for target, column in zip(
        (columns.open, columns.high, columns.low, columns.close, columns.volume),
        values,
        strict=True,
    ):
        target.extend(column)
    columns.ts.extend(ts)
    columns.line.extend(range(first_line, first_line + len(chunk)))
    return True


def _add_rows(
    columns: _Columns,
    chunk: list[list[str]],
    first_line: int,
    layout: _Layout,
    number: Callable[[str], float],
    stamp: Callable[[list[str]], int],
) -> None:
    """Row by row, skipping blank lines and recording what is wrong with bad rows."""
    for line, row in enumerate(chunk, start=first_line):
        try:
            prices = [number(row[i]) for i in (layout.open, layout.high, layout.low, layout.close)]
            volume = number(row[layout.volume]) if layout.volume is not None else 0.0
            ts = stamp(row)
        except (ValueError, IndexError, OverflowError):
            if any(field.strip() for field in row):
                columns.bad_rows += 1
                if len(columns.errors) < MAX_REPORTED_ERRORS:
                    columns.errors.append(RowError(line, _diagnose(row, layout, number, stamp)))
            continue
        for target, value in zip(
            (columns.open, columns.high, columns.low, columns.close, columns.volume),
            (*prices, volume),
            strict=True,
        ):
            target.append(value)
        columns.ts.append(ts)
        columns.line.append(line)
        if layout.tick_volume is not None:
            ticks = row[layout.tick_volume] if len(row) > layout.tick_volume else ""
            columns.tick_volume.append(_lenient(number, ticks))


def _lenient(number: Callable[[str], float], text: str) -> float:
    """Tick volume is only a fallback for an all-zero volume column: never a reason to reject."""
    try:
        return number(text)
    except ValueError:
        return float("nan")


def _diagnose(
    row: list[str],
    layout: _Layout,
    number: Callable[[str], float],
    stamp: Callable[[list[str]], int],
) -> str:
    needed = [layout.time, layout.open, layout.high, layout.low, layout.close]
    needed += [c for c in (layout.clock, layout.volume) if c is not None]
    if len(row) <= max(needed):
        return f"{len(row)} fields where the header has {len(layout.headers)}"
    problems = []
    for index in needed[1:]:
        if index == layout.clock:
            continue
        try:
            number(row[index])
        except ValueError:
            problems.append(f"{layout.headers[index]} {row[index]!r} is not a number")
    try:
        stamp(row)
    except (ValueError, OverflowError) as error:
        problems.insert(0, str(error))
    return "; ".join(problems) or "cannot be read"
