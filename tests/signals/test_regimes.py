"""A tracker's history is append-only: a reading is recorded when its regime differs from the
newest change and its bar is newer; `since` is where the current regime began."""

from __future__ import annotations

from propdesk.domain.regime import Regime, RegimeClassifier, RegimeParams, RegimeReading
from propdesk.signals.regimes import RegimeTracker

from .builders import REGIME_PARAMS, five_minute_bars

PARAMS = RegimeParams(**REGIME_PARAMS)  # type: ignore[arg-type]
# A steady fall then a steady rise: trend_down, then (after the band) trend_up.
BARS = five_minute_bars([110 - k for k in range(12)] + [99 + 2 * k for k in range(12)])


def _readings() -> list[RegimeReading]:
    classifier = RegimeClassifier(PARAMS)
    return [r for r in (classifier.update(b) for b in BARS) if r is not None]


def test_update_when_warming_then_no_reading_and_the_bars_missing_counted() -> None:
    tracker = RegimeTracker("MNQ", "5", PARAMS, None)

    steps = [tracker.update(bar) for bar in BARS[:2]]

    assert steps == [None, None]
    assert tracker.status.reading is None
    assert tracker.status.bars_missing == PARAMS.warm_up - 2


def test_update_when_the_regime_changes_then_only_the_changes_begin_and_since_follows() -> None:
    tracker = RegimeTracker("MNQ", "5", PARAMS, None)

    steps = [s for s in (tracker.update(bar) for bar in BARS) if s is not None]

    changes = [s.reading for s in steps if s.begins]
    expected = [r for r in _readings() if r.changed]
    assert [(r.regime, r.ts) for r in changes] == [(r.regime, r.ts) for r in expected]
    assert {Regime.TREND_DOWN, Regime.TREND_UP} <= {r.regime for r in changes}
    assert steps[-1].since == changes[-1].ts
    assert tracker.status.since == changes[-1].ts


def test_update_when_replaying_bars_the_history_has_then_nothing_begins_again() -> None:
    first = RegimeTracker("MNQ", "5", PARAMS, None)
    for bar in BARS:
        first.update(bar)
    again = RegimeTracker("MNQ", "5", PARAMS, first.recorded)

    steps = [s for s in (again.update(bar) for bar in BARS) if s is not None]

    assert not any(s.begins for s in steps)
    assert again.status.since == first.status.since


def test_update_when_the_history_ends_in_the_current_regime_then_since_is_its_change() -> None:
    readings = _readings()
    stored = RegimeReading(readings[-1].regime, 30, 30, 10, 2, 0.5, BARS[0].ts - 300, True)
    tracker = RegimeTracker("MNQ", "5", PARAMS, stored)

    for bar in BARS[-PARAMS.warm_up :]:
        step = tracker.update(bar)

    assert step is not None
    assert not step.begins
    assert step.since == stored.ts


def test_reset_when_asked_then_warming_again_with_the_history_kept() -> None:
    tracker = RegimeTracker("MNQ", "5", PARAMS, None)
    for bar in BARS:
        tracker.update(bar)
    recorded = tracker.recorded

    tracker.reset()

    assert tracker.status.reading is None
    assert tracker.status.bars_seen == 0
    assert tracker.recorded == recorded
