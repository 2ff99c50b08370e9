"""The regime of each symbol at each classified resolution: one `RegimeClassifier` per
(symbol, resolution), fed the closed bars, its latest reading kept for REST, and each change
of regime recorded.

The rule (propdesk.domain.regime.RegimeClassifier): after each bar, **volatile** when the ATR's
percentile rank among its last `atr_percentile_window` values reaches `volatile_percentile`;
otherwise **trend_up** / **trend_down** when ADX ≥ `trend_adx` (by +DI against −DI), **range**
when ADX < `range_adx`, and in between the directional state of the bar before. A classifier
reads nothing until it has seen `RegimeParams.warm_up` bars (113 with the defaults), which is
why each one starts from the stored history (`PROPDESK_SIGNALS_WARM_UP_BARS`, 500 bars).

The history of a (symbol, resolution) is append-only: a reading is recorded when its regime
differs from the newest recorded change and its bar is newer, so a restart that replays
history the server has seen before never writes the same change twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from propdesk.domain.bars import Bar
from propdesk.domain.regime import RegimeClassifier, RegimeParams, RegimeReading
from propdesk.store.db import Database
from propdesk.store.repositories.signals import latest_regime_changes

REGIME_RULE = """After each closed bar, with ADX, +DI and −DI Wilder's over `adx_period` bars (14)
and the ATR Wilder's over `atr_period` bars (14):

1. **volatile** when the ATR's percentile rank among its last `atr_percentile_window` values
   (100; the current one included, ties count half) is ≥ `volatile_percentile` (0.9);
2. otherwise the **directional state**, which every bar updates whether or not it is volatile:
   ADX ≥ `trend_adx` (25) and +DI > −DI → **trend_up**, +DI < −DI → **trend_down**;
   ADX < `range_adx` (20) → **range**; anything between (the hysteresis band, or a strong ADX
   with +DI = −DI) keeps the directional state of the bar before (**range** at the start).

The band keeps the last *directional* state, so a volatile burst does not linger as volatile
once the ATR calms. A classifier reads nothing until it has seen `RegimeParams.warm_up` bars
(113 with these defaults: the ATR's 14 plus its percentile window of 100, less one)."""
"""The classifier's rule with the default figures (`PROPDESK_REGIME_PARAMS` changes them),
as the API documents it."""

Key = tuple[str, str]
"""(symbol in its catalogue spelling, resolution in UDF notation)"""


@dataclass(frozen=True, slots=True)
class RegimeStep:
    """A reading of one bar, and what it means for the history."""

    symbol: str
    resolution: str
    reading: RegimeReading
    since: int
    """The ts of the bar the reading's regime began at."""
    begins: bool
    """The bar begins a new regime: it is recorded in the history."""


@dataclass(frozen=True, slots=True)
class RegimeStatus:
    """What REST answers: the latest reading, or how far the classifier is from one."""

    reading: RegimeReading | None
    since: int | None
    bars_seen: int
    """Bars the classifier has read since it started (or restarted)."""
    warm_up: int
    """Bars it needs before its first reading (`RegimeParams.warm_up`)."""

    @property
    def bars_missing(self) -> int:
        return 0 if self.reading is not None else max(1, self.warm_up - self.bars_seen)


class RegimeTracker:
    """The classifier of one symbol at one resolution, with its place in the history."""

    def __init__(
        self, symbol: str, resolution: str, params: RegimeParams, recorded: RegimeReading | None
    ) -> None:
        self.symbol = symbol
        self.resolution = resolution
        self.params = params
        self.recorded = recorded
        """The newest change in the history."""
        self.reset()

    def reset(self) -> None:
        """Start afresh (before replaying history from elsewhere); the history stays."""
        self._classifier = RegimeClassifier(self.params)
        self.bars_seen = 0
        self.reading: RegimeReading | None = None
        self._run_start: int | None = None

    def update(self, bar: Bar) -> RegimeStep | None:
        self.bars_seen += 1
        reading = self._classifier.update(bar)
        if reading is None:
            return None
        self.reading = reading
        if reading.changed:
            self._run_start = reading.ts
        recorded = self.recorded
        begins = recorded is None or (
            reading.ts > recorded.ts and reading.regime is not recorded.regime
        )
        if begins:
            self.recorded = recorded = reading
        return RegimeStep(self.symbol, self.resolution, reading, self.since or reading.ts, begins)

    @property
    def since(self) -> int | None:
        reading, recorded = self.reading, self.recorded
        if reading is None:
            return None
        if recorded is not None and recorded.regime is reading.regime and recorded.ts <= reading.ts:
            return recorded.ts
        return self._run_start

    @property
    def status(self) -> RegimeStatus:
        return RegimeStatus(self.reading, self.since, self.bars_seen, self.params.warm_up)


class RegimeBook:
    """Every tracker of this process, by (symbol, resolution)."""

    def __init__(self, params: RegimeParams) -> None:
        self.params = params
        self._trackers: dict[Key, RegimeTracker] = {}
        self._recorded: dict[Key, RegimeReading] = {}

    async def load(self, database: Database) -> None:
        """Read the newest recorded change of each (symbol, resolution)."""
        async with database.connect() as connection:
            changes = await latest_regime_changes(connection)
        self._recorded = {key: change.reading for key, change in changes.items()}
        for key, tracker in self._trackers.items():
            tracker.recorded = self._recorded.get(key)

    def tracker(self, symbol: str, resolution: str) -> RegimeTracker:
        key = (symbol, resolution)
        tracker = self._trackers.get(key)
        if tracker is None:
            tracker = RegimeTracker(symbol, resolution, self.params, self._recorded.get(key))
            self._trackers[key] = tracker
        return tracker

    def classified(self) -> Iterable[Key]:
        return self._trackers.keys()

    def status(self, symbol: str, resolution: str) -> RegimeStatus | None:
        """None when this (symbol, resolution) is not classified."""
        tracker = self._trackers.get((symbol, resolution))
        return None if tracker is None else tracker.status

    def current(self, symbol: str, resolution: str) -> RegimeReading | None:
        """The latest reading (`system.regimes.RegimeReadings`); None while warming up or
        when this (symbol, resolution) is not classified."""
        tracker = self._trackers.get((symbol, resolution))
        return None if tracker is None else tracker.reading
