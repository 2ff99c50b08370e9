"""Validation of the parsed columns as a whole: prices, stamps, repeats, notes."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import numpy.typing as npt

from propdesk.marketdata.aggregate import BarColumns
from propdesk.marketdata.csv_import.header import _Layout
from propdesk.marketdata.csv_import.model import (
    MAX_REPORTED_ERRORS,
    ParsedBars,
    RejectedRows,
    RowError,
    Timeframe,
)
from propdesk.marketdata.csv_import.rows import _Columns
from propdesk.marketdata.csv_import.times import _Clock


def _validate(
    columns: _Columns, layout: _Layout, clock: _Clock, timeframe: Timeframe
) -> ParsedBars | RejectedRows:
    ts = columns.numpy("ts").copy()
    prices = [columns.numpy(name) for name in ("open", "high", "low", "close", "volume")]
    o, h, low, c, v = prices
    line = columns.numpy("line")
    notes: list[str] = []
    if clock.ambiguous:
        _resolve_repeated_hour(ts, clock.ambiguous)
    if layout.tick_volume is not None and len(v) and not v.any():
        ticks = columns.numpy("tick_volume")
        if np.isfinite(ticks).all() and ticks.any():
            v = prices[4] = ticks
            notes.append(
                f"{layout.headers[layout.volume or 0]} is 0 on every row: "
                f"volume read from {layout.headers[layout.tick_volume]}"
            )
    step = {Timeframe.minute: 60, Timeframe.hour: 3600, Timeframe.day: 1}[timeframe]
    with np.errstate(invalid="ignore"):
        wrong = ~np.logical_and.reduce(
            [np.isfinite(p) for p in prices]
            + [h >= np.maximum(np.maximum(o, c), low), low <= np.minimum(o, c), v >= 0]
            + [ts % step == 0]
        )
    order = np.argsort(ts, kind="stable")
    repeats = np.flatnonzero(ts[order][1:] == ts[order][:-1])
    earlier, later = order[repeats], order[repeats + 1]
    same = np.logical_and.reduce([p[earlier] == p[later] for p in prices])
    conflicts = dict(zip(later[~same].tolist(), earlier[~same].tolist(), strict=True))
    flagged = np.union1d(np.flatnonzero(wrong), np.array(list(conflicts), np.int64))
    errors, bad = columns.errors, columns.bad_rows
    if bad or len(flagged):
        for index in flagged[:MAX_REPORTED_ERRORS].tolist():
            problems = _problems(index, ts, prices, step, timeframe)
            if index in conflicts:
                what = "trading day" if timeframe is Timeframe.day else "time"
                problems.append(
                    f"same {what} as line {line[conflicts[index]]} with different values"
                )
            errors.append(RowError(int(line[index]), "; ".join(problems)))
        errors.sort(key=lambda e: e.line)
        return RejectedRows(tuple(errors[:MAX_REPORTED_ERRORS]), bad + len(flagged))
    keep = np.ones(len(ts), bool)
    keep[later] = False
    if len(later):
        notes.append(f"{len(later)} rows repeat an earlier row exactly and were skipped")
    if layout.volume is None:
        notes.append("no volume column: volumes are stored as 0")
    used = {layout.time, layout.clock, layout.open, layout.high, layout.low, layout.close}
    used |= {layout.volume, layout.tick_volume}
    ignored = [h for i, h in enumerate(layout.headers) if i not in used and h]
    if ignored:
        notes.append(f"columns not imported: {', '.join(ignored)}")
    kept = order[keep[order]]
    bars = BarColumns(ts[kept], *(np.ascontiguousarray(p[kept]) for p in prices))
    return ParsedBars(bars, timeframe, layout.columns(), len(ts), tuple(notes))


def _resolve_repeated_hour(ts: npt.NDArray[np.int64], ambiguous: dict[int, int]) -> None:
    """When clocks go back, a naive time names two instants: in a file in time order, a
    reading that would step back in time is the second one."""
    for index in np.flatnonzero(np.isin(ts, list(ambiguous))).tolist():
        second = ambiguous[int(ts[index])]
        if index and ts[index] <= ts[index - 1] < second:
            ts[index] = second


def _problems(
    index: int,
    ts: npt.NDArray[np.int64],
    prices: list[npt.NDArray[np.float64]],
    step: int,
    timeframe: Timeframe,
) -> list[str]:
    o, h, low, c, v = (float(p[index]) for p in prices)
    problems = [
        f"{name} is {value}"
        for name, value in zip(
            ("open", "high", "low", "close", "volume"), (o, h, low, c, v), strict=True
        )
        if not np.isfinite(value)
    ]
    for name, value in (("open", o), ("close", c), ("low", low)):
        if h < value:
            problems.append(f"high {h} is below {name} {value}")
    for name, value in (("open", o), ("close", c)):
        if low > value:
            problems.append(f"low {low} is above {name} {value}")
    if v < 0:
        problems.append(f"volume {v} is negative")
    stamp = int(ts[index])
    if stamp % step:
        unit = "minute" if timeframe is Timeframe.minute else "hour"
        problems.append(
            f"{datetime.fromtimestamp(stamp, UTC):%Y-%m-%dT%H:%M:%SZ} is not on a whole {unit}"
            f" ({timeframe.value} bars start on one)"
        )
    return problems
