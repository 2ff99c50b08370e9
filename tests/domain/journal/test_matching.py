"""Round trips from fills, worked by hand: scale in, scale out, reversals, partial fills, fees."""

from __future__ import annotations

from propdesk.domain.journal import Journal
from propdesk.domain.orders import ZERO, OrderSide

from ..builders import NOW, d
from .builders import MNQ_POINT, fill


def test_apply_fill_when_flat_then_opens_a_long_trip() -> None:
    journal = Journal()

    (trip,) = journal.apply_fill(fill("buy", 2, "20000.25", commission="1.24"), MNQ_POINT)

    assert (trip.id, trip.seq, trip.side, trip.is_open) == ("acct:MNQ:1", 1, OrderSide.buy, True)
    assert (trip.qty, trip.entry_qty, trip.max_qty, trip.exit_qty) == (d(2), d(2), d(2), ZERO)
    assert trip.avg_entry_price == d("20000.25")
    assert trip.avg_exit_price is None
    assert (trip.gross_pnl, trip.fees, trip.net_pnl) == (ZERO, d("1.24"), d("-1.24"))
    assert (trip.opened_at, trip.closed_at, trip.duration) == (NOW, None, None)
    assert journal.open_trip("acct", "MNQ") == trip


def test_apply_fill_when_the_position_goes_flat_then_the_trip_closes_with_its_pnl() -> None:
    journal = Journal()
    entry = fill("buy", 1, 20000, commission="0.62")
    journal.apply_fill(entry, MNQ_POINT)

    (trip,) = journal.apply_fill(fill("sell", 1, 20010, commission="0.62", at=NOW + 90), MNQ_POINT)

    # 10 points × 1 × $2 = $20 gross; 20 − 1.24 = 18.76 net
    assert (trip.gross_pnl, trip.fees, trip.net_pnl) == (d(20), d("1.24"), d("18.76"))
    assert (trip.closed_at, trip.duration, trip.is_open) == (NOW + 90, 90, False)
    assert (trip.qty, trip.open_cost, trip.avg_exit_price) == (ZERO, ZERO, d(20010))
    assert journal.open_trip("acct", "MNQ") is None
    assert journal.trips() == [trip]


def test_apply_fill_when_short_and_covered_lower_then_a_gain() -> None:
    journal = Journal()
    journal.apply_fill(fill("sell", 1, 100), MNQ_POINT)

    (trip,) = journal.apply_fill(fill("buy", 1, 90), MNQ_POINT)

    # (100 − 90) × 1 × $2
    assert (trip.side, trip.gross_pnl) == (OrderSide.sell, d(20))


def test_apply_fill_when_scaling_in_then_the_average_entry_is_exact() -> None:
    journal = Journal()
    journal.apply_fill(fill("buy", 1, 100), MNQ_POINT)
    (added,) = journal.apply_fill(fill("buy", 2, 103), MNQ_POINT)

    # (1 × 100 + 2 × 103) / 3 = 306 / 3 = 102
    assert (added.entry_qty, added.max_qty, added.avg_entry_price) == (d(3), d(3), d(102))

    (trip,) = journal.apply_fill(fill("sell", 3, 105), MNQ_POINT)

    # (3 × 105 − 306) × $2 = 18
    assert trip.gross_pnl == d(18)
    assert not trip.is_open


def test_apply_fill_when_scaling_out_then_realized_as_the_ledger_does() -> None:
    journal = Journal()
    journal.apply_fill(fill("buy", 1, 100), MNQ_POINT)
    journal.apply_fill(fill("buy", 2, "100.25"), MNQ_POINT)

    (part,) = journal.apply_fill(fill("sell", 1, 101), MNQ_POINT)

    # average cost: 1 of 3 takes 300.50 / 3 = 100.1666666667 (rounded to 1e-10, like the
    # ledger); (101 − 100.1666666667) × $2. FIFO would say (101 − 100) × $2 = 2 here.
    assert part.gross_pnl == d("1.6666666666")
    assert (part.qty, part.max_qty, part.exit_qty) == (d(2), d(3), d(1))
    assert part.open_cost == d("200.3333333333")

    (trip,) = journal.apply_fill(fill("sell", 2, 101), MNQ_POINT)

    # the trip's cash flows: (3 × 101 − 300.50) × $2 = 5, which FIFO gives too:
    # (101 − 100) × 1 × $2 + (101 − 100.25) × 2 × $2 = 2 + 3
    assert trip.gross_pnl == d(5)
    assert trip.avg_exit_price == d(101)


def test_apply_fill_when_scaled_out_at_two_prices_then_the_average_exit_is_exact() -> None:
    journal = Journal()
    journal.apply_fill(fill("buy", 3, 100), MNQ_POINT)
    journal.apply_fill(fill("sell", 1, 102), MNQ_POINT)

    (trip,) = journal.apply_fill(fill("sell", 2, 99), MNQ_POINT)

    # exits (102 + 2 × 99) / 3 = 100; gross (2 − 2) × $2 = 0
    assert (trip.avg_exit_price, trip.gross_pnl, trip.exit_qty) == (d(100), ZERO, d(3))


def test_apply_fill_when_a_fill_crosses_zero_then_it_closes_one_trip_and_opens_the_next() -> None:
    journal = Journal()
    journal.apply_fill(fill("buy", 2, 100, commission="1.24"), MNQ_POINT)

    closed, opened = journal.apply_fill(
        fill("sell", 5, 110, commission="3.10", at=NOW + 5), MNQ_POINT
    )

    # the 3.10 commission split by quantity: 2/5 → 1.24 closes, 3/5 → 1.86 opens
    assert (closed.id, closed.is_open, closed.gross_pnl) == ("acct:MNQ:1", False, d(40))
    assert closed.fees == d("2.48")
    assert (opened.id, opened.side, opened.qty, opened.avg_entry_price) == (
        "acct:MNQ:2",
        OrderSide.sell,
        d(3),
        d(110),
    )
    assert (opened.fees, opened.opened_at, opened.gross_pnl) == (d("1.86"), NOW + 5, ZERO)
    assert closed.fill_ids[-1] == opened.fill_ids[0]
    assert journal.trips() == [closed, opened]


def test_apply_fill_when_a_reversal_commission_does_not_divide_then_the_parts_still_sum() -> None:
    journal = Journal()
    journal.apply_fill(fill("buy", 1, 100), MNQ_POINT)

    closed, opened = journal.apply_fill(fill("sell", 3, 100, commission=1), MNQ_POINT)

    # 1/3 rounds to 0.3333333333; the opening part takes the remainder
    assert (closed.fees, opened.fees) == (d("0.3333333333"), d("0.6666666667"))
    assert closed.fees + opened.fees == d(1)


def test_apply_fill_when_an_order_fills_in_parts_then_each_fill_counts_and_the_order_once() -> None:
    journal = Journal()
    journal.apply_fill(fill("buy", 1, 100, commission="0.62", order="entry"), MNQ_POINT)
    journal.apply_fill(fill("buy", 1, 101, commission="0.62", order="entry"), MNQ_POINT)
    journal.apply_fill(fill("sell", 1, 102, commission="0.62", order="exit"), MNQ_POINT)

    (trip,) = journal.apply_fill(fill("sell", 1, 103, commission="0.62", order="exit"), MNQ_POINT)

    assert trip.order_ids == ("entry", "exit")
    assert len(trip.fill_ids) == 4
    # (102 + 103 − 100 − 101) × $2 = 8; four commissions of 0.62
    assert (trip.gross_pnl, trip.fees, trip.net_pnl) == (d(8), d("2.48"), d("5.52"))


def test_apply_fill_when_accounts_and_symbols_differ_then_their_trips_are_apart() -> None:
    journal = Journal()
    journal.apply_fill(fill("buy", 1, 100), MNQ_POINT)
    journal.apply_fill(fill("sell", 1, 5000, symbol="ES"), d(50))
    journal.apply_fill(fill("sell", 1, 100, account="other"), MNQ_POINT)

    (closed,) = journal.apply_fill(fill("sell", 1, 101), MNQ_POINT)
    (again,) = journal.apply_fill(fill("buy", 1, 101), MNQ_POINT)

    assert (closed.id, closed.gross_pnl) == ("acct:MNQ:1", d(2))
    assert again.id == "acct:MNQ:2"
    assert [t.id for t in journal.trips("acct")] == ["acct:MNQ:1", "acct:ES:1", "acct:MNQ:2"]
    assert [t.id for t in journal.trips("other")] == ["other:MNQ:1"]


def test_apply_fill_when_labelled_then_the_first_label_sticks_and_tags_add_up() -> None:
    journal = Journal()
    journal.apply_fill(fill("buy", 1, 100), MNQ_POINT, strategy="orb", tags=("a",))

    (trip,) = journal.apply_fill(
        fill("buy", 1, 100), MNQ_POINT, strategy="other", setup="pullback", tags=("a", "b")
    )

    assert (trip.strategy, trip.setup, trip.regime, trip.tags) == (
        "orb",
        "pullback",
        None,
        ("a", "b"),
    )
