"""The broker's journal: fills become round trips labelled by their orders, a bracket's stop
leg is the trip's initial stop (its 1R), quotes give MAE and MFE, a reset ends what is open,
and a restore carries on the numbering.

MNQ: $2 a point, $0.62 a side, quotes one tick (0.25) either side of the print.
"""

from __future__ import annotations

from decimal import Decimal

from propdesk.domain.broker import Broker
from propdesk.domain.events import TripChanged
from propdesk.domain.journal import RiskSource
from propdesk.domain.orders import OrderSide, sequential_ids

from .builders import ACCOUNT, INSTRUMENTS, NOW, bracket, buy, make_broker, of, sell, tick


def trips(events: list[object]) -> list[object]:
    return [e.trip for e in of(events, TripChanged)]  # type: ignore[arg-type]


def test_bracket_when_its_stop_leg_fills_then_one_trip_of_minus_one_r() -> None:
    # Arrange: buy 2 at the ask 20,000.25, stop 19,990, target 20,050; strategy and setup
    broker = make_broker()
    broker.on_tick(tick("20000"))
    entry = bracket(
        OrderSide.buy, 2, take_profit="20050", stop="19990", strategy="orb", tag="pullback"
    )
    opened = broker.apply(entry, NOW + 1)
    # Act: the bid falls through the stop
    broker.on_tick(tick("19995", at=NOW + 2))
    closed = broker.on_tick(tick("19989.75", at=NOW + 3))
    # Assert: risk = (20,000.25 − 19,990) × 2 × $2 = 41; the stop sells at the bid 19,989.50
    [trip] = trips(opened)
    assert (trip.strategy, trip.setup, trip.risk_source) == ("orb", "pullback", RiskSource.stop)  # type: ignore[attr-defined]
    assert trip.risk == Decimal(41)  # type: ignore[attr-defined]
    [done] = trips(closed)
    assert done.closed_at == NOW + 3  # type: ignore[attr-defined]
    # gross (19,989.50 − 20,000.25) × 2 × 2 = −43; fees 4 × 0.62 = 2.48
    assert (done.gross_pnl, done.fees) == (Decimal("-43.00"), Decimal("2.48"))  # type: ignore[attr-defined]
    assert done.net_pnl / done.risk == Decimal("-45.48") / 41  # type: ignore[attr-defined]
    # MAE from the bid 19,994.75 at NOW+2 and 19,989.50: 10.75 points, $43.00 on 2
    assert done.mae_price == Decimal("10.75")  # type: ignore[attr-defined]
    assert done.mfe_price == 0  # type: ignore[attr-defined]


def test_stop_placed_after_entry_within_the_window_then_the_trips_initial_stop() -> None:
    broker = make_broker()
    broker.on_tick(tick("20000"))
    broker.apply(sell(1), NOW + 1)  # short at the bid 19,999.75
    placed = broker.apply(buy(1, "stop", stop_price="20010"), NOW + 30)
    late = broker.apply(buy(1, "stop", stop_price="20020"), NOW + 40)  # only the first counts
    [trip] = trips(placed)
    assert (trip.initial_stop, trip.risk) == (Decimal(20010), Decimal("20.50"))  # type: ignore[attr-defined]
    assert trips(late) == []


def test_reset_when_a_trip_is_open_then_it_ends_as_it_stands() -> None:
    broker = make_broker()
    broker.on_tick(tick("20000"))
    broker.apply(buy(1), NOW + 1)
    events = broker.reset_account(ACCOUNT, Decimal(50_000), NOW + 2)
    [trip] = trips(events)
    assert trip.closed_at == NOW + 2  # type: ignore[attr-defined]
    assert broker.snapshot().trips == ()


def test_restore_when_a_trip_is_open_then_it_carries_on_and_numbers_after_the_closed() -> None:
    broker = make_broker()
    broker.on_tick(tick("20000"))
    broker.apply(buy(1), NOW + 1)
    broker.apply(sell(1), NOW + 2)  # trip 1 closed
    broker.apply(buy(2), NOW + 3)  # trip 2 open
    again = Broker.restore(broker.snapshot(), INSTRUMENTS, ids=sequential_ids("r-"))
    scaled = again.apply(sell(1), NOW + 4)
    closed = again.apply(sell(1), NOW + 5)
    [trip] = trips(scaled)
    assert (trip.seq, trip.qty) == (2, Decimal(1))  # type: ignore[attr-defined]
    [done] = trips(closed)
    assert (done.seq, done.exit_qty, done.closed_at) == (2, Decimal(2), NOW + 5)  # type: ignore[attr-defined]
    reopened = trips(again.apply(buy(1), NOW + 6))
    assert [t.seq for t in reopened] == [3]  # type: ignore[attr-defined]


def test_order_with_a_regime_then_its_trip_carries_it_for_metrics_by_regime() -> None:
    broker = make_broker()
    broker.on_tick(tick("20000"))
    [trip] = trips(broker.apply(buy(1, strategy="ma_cross", regime="trend_up"), NOW + 1))
    assert (trip.strategy, trip.regime) == ("ma_cross", "trend_up")  # type: ignore[attr-defined]
