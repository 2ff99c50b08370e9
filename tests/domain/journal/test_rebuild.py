"""Annotations, and the journal rebuilt from executions or restored from its trips."""

from __future__ import annotations

from decimal import Decimal

import pytest

from propdesk.domain.journal import Journal, TripContext, TripNotFound
from propdesk.domain.orders import Fill

from ..builders import NOW, d
from .builders import MNQ_POINT, fill


def test_annotate_when_open_then_the_fields_given_change_and_the_rest_stay() -> None:
    journal = Journal()
    journal.apply_fill(fill("buy", 1, 100), MNQ_POINT, setup="breakout", tags=("a",))

    trip = journal.annotate("acct:MNQ:1", notes="chased it", screenshot_url="https://x/1.png")

    assert (trip.notes, trip.screenshot_url, trip.setup, trip.tags) == (
        "chased it",
        "https://x/1.png",
        "breakout",
        ("a",),
    )
    assert journal.open_trip("acct", "MNQ") == trip


def test_annotate_when_closed_then_replaced_and_kept() -> None:
    journal = Journal()
    journal.apply_fill(fill("buy", 1, 100), MNQ_POINT, setup="breakout")
    journal.apply_fill(fill("sell", 1, 101), MNQ_POINT)

    trip = journal.annotate("acct:MNQ:1", tags=("b", "a", "b"), setup="", ts=NOW + 9)

    assert (trip.tags, trip.setup, trip.updated_at) == (("b", "a"), None, NOW + 9)
    assert journal.trip("acct:MNQ:1") == trip
    assert journal.trips() == [trip]


def test_annotate_when_the_trip_is_unknown_then_trip_not_found() -> None:
    with pytest.raises(TripNotFound):
        Journal().annotate("acct:MNQ:1", notes="x")


Execution = tuple[Fill, Decimal, TripContext | None]


def _executions() -> list[Execution]:
    return [
        (fill("buy", 2, 100, commission="1.24"), MNQ_POINT, TripContext(stop=d(98), setup="s")),
        (fill("buy", 1, 101, commission="0.62"), MNQ_POINT, None),
        (fill("sell", 4, 103, commission="2.48", at=NOW + 30), MNQ_POINT, TripContext(tags=("r",))),
        (fill("buy", 1, 102, commission="0.62", at=NOW + 60), MNQ_POINT, None),
        (fill("sell", 1, 5000, symbol="ES"), d(50), TripContext(strategy="mean")),
    ]


def _apply_each(journal: Journal, executions: list[Execution]) -> None:
    for execution, point_value, context in executions:
        given = context or TripContext()
        journal.apply_fill(
            execution,
            point_value,
            stop=given.stop,
            strategy=given.strategy,
            setup=given.setup,
            regime=given.regime,
            tags=given.tags,
        )


def test_rebuild_when_the_same_executions_then_the_same_trips_as_fill_by_fill() -> None:
    executions = _executions()
    live = Journal(default_risk=lambda account: d(100))
    _apply_each(live, executions)

    rebuilt = Journal.rebuild(executions, default_risk=lambda account: d(100))

    assert rebuilt.trips() == live.trips()
    assert [t.id for t in rebuilt.trips()] == ["acct:MNQ:1", "acct:MNQ:2", "acct:ES:1"]
    first, reversed_, _ = rebuilt.trips()
    # the reversal's commission 2.48: 3/4 → 1.86 to the first trip, 0.62 to the second
    assert (first.fees, reversed_.fees) == (d("3.72"), d("1.24"))
    assert (first.setup, first.tags) == ("s", ())  # a fill's context labels the trip it leaves open
    assert reversed_.tags == ("r",)


def test_restore_when_trips_are_loaded_then_the_journal_carries_on_as_before() -> None:
    executions = _executions()
    before_restart = Journal.rebuild(executions[:2])
    before_restart.mark("acct", "MNQ", d(97), NOW + 1)
    uninterrupted = Journal.rebuild(executions[:2])
    uninterrupted.mark("acct", "MNQ", d(97), NOW + 1)

    restored = Journal.restore(before_restart.trips())
    _apply_each(restored, executions[2:])
    _apply_each(uninterrupted, executions[2:])

    assert restored.trips() == uninterrupted.trips()
    assert [t.id for t in restored.trips()] == ["acct:MNQ:1", "acct:MNQ:2", "acct:ES:1"]
    # 100.333… average entry, marked at 97
    assert restored.trips()[0].mae_price == d("3.333333333333333333333333333")


def test_replay_when_a_rebuild_carries_on_then_the_same_trips_as_one_rebuild() -> None:
    executions = _executions()

    whole = Journal.rebuild(executions)
    carried = Journal.rebuild(executions[:2])
    carried.replay(executions[2:])

    assert carried.trips() == whole.trips()
    assert carried.last_seq() == whole.last_seq()


def test_replay_when_an_account_was_abandoned_between_then_its_next_fill_opens_a_new_trip() -> None:
    journal = Journal.rebuild([(fill("buy", 2, 100), MNQ_POINT, None)])
    [ended] = journal.abandon("acct", NOW + 5)

    journal.replay([(fill("sell", 1, 99, at=NOW + 9), MNQ_POINT, None)])

    [reset, short] = journal.trips()
    assert (reset, reset.closed_at, reset.qty) == (ended, NOW + 5, 2)
    assert (short.seq, short.side, short.is_open) == (2, "sell", True)
