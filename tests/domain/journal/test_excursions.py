"""MAE and MFE of the open trip, from marks and fill prices, in price points and in money."""

from __future__ import annotations

from propdesk.domain.journal import Journal
from propdesk.domain.orders import ZERO

from ..builders import NOW, d
from .builders import MNQ_POINT, fill


def _long(qty: object = 2, price: object = 100) -> Journal:
    journal = Journal()
    journal.apply_fill(fill("buy", qty, price), MNQ_POINT)
    return journal


def test_mark_when_the_price_goes_against_a_long_then_mae_in_points_and_money() -> None:
    journal = _long()

    trip = journal.mark("acct", "MNQ", d(99), NOW + 1)

    # 1 point × 2 held × $2
    assert trip is not None
    assert (trip.mae_price, trip.mae, trip.mfe_price, trip.mfe) == (d(1), d(4), ZERO, ZERO)
    assert trip.updated_at == NOW + 1


def test_mark_when_the_price_goes_for_a_long_then_mfe() -> None:
    journal = _long()

    trip = journal.mark("acct", "MNQ", d("103.5"), NOW + 1)

    assert trip is not None
    assert (trip.mfe_price, trip.mfe, trip.mae_price) == (d("3.5"), d(14), ZERO)


def test_mark_when_no_extreme_is_beaten_then_none() -> None:
    journal = _long()
    journal.mark("acct", "MNQ", d(99), NOW + 1)
    journal.mark("acct", "MNQ", d(103), NOW + 2)

    assert journal.mark("acct", "MNQ", d(101), NOW + 3) is None
    assert journal.mark("acct", "MNQ", d(99), NOW + 4) is None
    assert journal.mark("acct", "MNQ", d(100), NOW + 5) is None
    assert journal.mark("acct", "ES", d(100), NOW + 5) is None  # no trip there
    trip = journal.mark("acct", "MNQ", d("98.75"), NOW + 6)
    assert trip is not None
    assert (trip.mae_price, trip.mfe_price) == (d("1.25"), d(3))


def test_mark_when_short_then_a_rise_is_adverse() -> None:
    journal = Journal()
    journal.apply_fill(fill("sell", 1, 100), MNQ_POINT)

    trip = journal.mark("acct", "MNQ", d(102), NOW + 1)

    assert trip is not None
    assert (trip.mae_price, trip.mae, trip.mfe) == (d(2), d(4), ZERO)


def test_mark_when_scaled_in_then_money_counts_the_quantity_held_at_that_mark() -> None:
    journal = _long(qty=1, price=100)
    journal.mark("acct", "MNQ", d(98), NOW + 1)  # 2 points × 1 × $2 = 4
    # The fill at 99 marks the trip first: 1 point × 1 × $2 = 2, no new maximum.
    journal.apply_fill(fill("buy", 3, 99), MNQ_POINT)

    trip = journal.mark("acct", "MNQ", d("98.5"), NOW + 2)

    # average entry (100 + 3 × 99) / 4 = 99.25: 0.75 points × 4 held × $2 = 6 > 4, while
    # 0.75 points < 2: the money maximum and the price maximum come from different marks
    assert trip is not None
    assert (trip.mae_price, trip.mae) == (d(2), d(6))


def test_apply_fill_when_an_exit_fills_beyond_the_extremes_then_its_price_counts() -> None:
    journal = _long()

    (trip,) = journal.apply_fill(fill("sell", 2, 105), MNQ_POINT)

    # the exit's price marked the 2 contracts before they were sold
    assert (trip.mfe_price, trip.mfe, trip.is_open) == (d(5), d(20), False)


def test_apply_fill_when_scaled_out_then_later_marks_count_fewer_contracts() -> None:
    journal = _long(qty=2, price=100)
    journal.apply_fill(fill("sell", 1, 100), MNQ_POINT)

    trip = journal.mark("acct", "MNQ", d(97), NOW + 1)

    # 3 points × 1 held × $2
    assert trip is not None
    assert (trip.mae_price, trip.mae) == (d(3), d(6))


def test_apply_fill_when_a_reversal_then_the_new_trip_starts_without_excursions() -> None:
    journal = _long(qty=1, price=100)
    journal.mark("acct", "MNQ", d(95), NOW + 1)

    closed, opened = journal.apply_fill(fill("sell", 2, 96), MNQ_POINT)

    assert (closed.mae_price, opened.mae_price, opened.mfe_price) == (d(5), ZERO, ZERO)
    trip = journal.mark("acct", "MNQ", d(97), NOW + 2)
    assert trip is not None
    assert (trip.id, trip.mae_price, trip.mae) == ("acct:MNQ:2", d(1), d(2))


def test_mark_when_the_trip_is_closed_then_nothing_changes() -> None:
    journal = _long()
    (closed,) = journal.apply_fill(fill("sell", 2, 100), MNQ_POINT)

    assert journal.mark("acct", "MNQ", d(50), NOW + 1) is None
    assert journal.trips() == [closed]
