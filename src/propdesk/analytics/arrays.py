"""Closed round trips as columns of NumPy arrays: built once, then every figure is vectorised."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType
from typing import TypeAlias

import numpy as np
from numpy.typing import ArrayLike, NDArray

from propdesk.domain.journal import RoundTrip
from propdesk.domain.ledger import DayBoundary

TradingDay: TypeAlias = Callable[[float], date]
"""The trading day a UNIX-second timestamp belongs to (`DayBoundary.trading_day`)."""

LABELS = ("symbol", "strategy", "setup", "regime")
"""The text labels of a trip that `TripArrays` keeps as group keys."""


def default_trading_day() -> TradingDay:
    """The ledger's: the CME day, rolling at 17:00 in Chicago."""
    return DayBoundary().trading_day


@dataclass(frozen=True, slots=True, eq=False)
class Labels:
    """One text label as integer codes: `names[codes[i]]` is trip i's (None when unset; an
    empty label is no label)."""

    codes: NDArray[np.int32]
    names: tuple[str | None, ...]

    @classmethod
    def of(cls, values: Iterable[str | None]) -> Labels:
        index: dict[str | None, int] = {}
        codes = np.fromiter(
            (index.setdefault(value or None, len(index)) for value in values), dtype=np.int32
        )
        return cls(codes, tuple(index))


@dataclass(frozen=True, slots=True, eq=False)
class TripArrays:
    """Closed trips, one row each, ordered by close time (ties keep the order given).

    `net_pnl` is money; `r` the R multiple, NaN for a trip without R; `day` the trading day
    of the close as `date.toordinal()`. All are float64 except `day` (int64): the analytics
    are for display and for judging a method, not for accounting, which stays in Decimal.
    """

    opened_at: NDArray[np.float64]
    closed_at: NDArray[np.float64]
    net_pnl: NDArray[np.float64]
    r: NDArray[np.float64]
    day: NDArray[np.int64]
    labels: Mapping[str, Labels]

    def __len__(self) -> int:
        return len(self.closed_at)

    @classmethod
    def from_trips(
        cls, trips: Iterable[RoundTrip], *, trading_day: TradingDay | None = None
    ) -> TripArrays:
        """The closed ones among `trips`; open trips are left out."""
        closed: list[RoundTrip] = []
        closes: list[float] = []
        for trip in trips:
            if trip.closed_at is not None:
                closed.append(trip)
                closes.append(trip.closed_at)
        day_of = trading_day or default_trading_day()
        closed_at = np.array(closes, dtype=np.float64)
        return cls.from_columns(
            opened_at=np.fromiter((t.opened_at for t in closed), np.float64, len(closed)),
            closed_at=closed_at,
            net_pnl=np.fromiter((float(t.net_pnl) for t in closed), np.float64, len(closed)),
            r=np.fromiter((_float_or_nan(t) for t in closed), np.float64, len(closed)),
            day=np.fromiter((day_of(ts).toordinal() for ts in closes), np.int64, len(closed)),
            labels={name: [getattr(t, name) for t in closed] for name in LABELS},
        )

    @classmethod
    def from_columns(
        cls,
        *,
        opened_at: ArrayLike,
        closed_at: ArrayLike,
        net_pnl: ArrayLike,
        r: ArrayLike | None = None,
        day: ArrayLike | None = None,
        trading_day: TradingDay | None = None,
        labels: Mapping[str, Sequence[str | None] | Labels] | None = None,
    ) -> TripArrays:
        """Rows from columns of equal length, sorted by `closed_at` if they are not yet.

        `r` defaults to no R for every trip; `day`, when not given, is computed from
        `closed_at` with `trading_day` (by default the ledger's CME day).
        """
        closed = np.asarray(closed_at, dtype=np.float64)
        n = len(closed)
        columns = {
            "opened_at": np.asarray(opened_at, dtype=np.float64),
            "net_pnl": np.asarray(net_pnl, dtype=np.float64),
            "r": np.full(n, np.nan) if r is None else np.asarray(r, dtype=np.float64),
        }
        if day is None:
            day_of = trading_day or default_trading_day()
            days = np.fromiter((day_of(ts).toordinal() for ts in closed.tolist()), np.int64, n)
        else:
            days = np.asarray(day, dtype=np.int64)
        keyed = {
            name: value if isinstance(value, Labels) else Labels.of(value)
            for name, value in (labels or {}).items()
        }
        shapes = {name: column.shape for name, column in columns.items()}
        shapes["day"] = days.shape
        shapes.update({f"labels[{name!r}]": value.codes.shape for name, value in keyed.items()})
        for name, shape in shapes.items():
            if shape != (n,):
                raise ValueError(f"{name} has shape {shape}, closed_at ({n},)")
        if not np.all(np.isfinite(closed)) or not np.all(np.isfinite(columns["net_pnl"])):
            raise ValueError("closed_at and net_pnl must be finite")
        arrays = cls(
            columns["opened_at"],
            closed,
            columns["net_pnl"],
            columns["r"],
            days,
            MappingProxyType(keyed),
        )
        if n > 1 and not np.all(closed[1:] >= closed[:-1]):
            return arrays.take(np.argsort(closed, kind="stable"))
        return arrays

    def take(self, index: slice | NDArray[np.intp]) -> TripArrays:
        """The rows at `index` (a slice, or positions in ascending close order)."""
        return TripArrays(
            self.opened_at[index],
            self.closed_at[index],
            self.net_pnl[index],
            self.r[index],
            self.day[index],
            MappingProxyType(
                {
                    name: Labels(value.codes[index], value.names)
                    for name, value in self.labels.items()
                }
            ),
        )


def as_arrays(
    trips: TripArrays | Iterable[RoundTrip], trading_day: TradingDay | None = None
) -> TripArrays:
    return (
        trips
        if isinstance(trips, TripArrays)
        else TripArrays.from_trips(trips, trading_day=trading_day)
    )


def _float_or_nan(trip: RoundTrip) -> float:
    r = trip.r_multiple
    return float("nan") if r is None else float(r)
