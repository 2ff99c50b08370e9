"""1R of a trip: from its initial stop, or the account's default, or none; R multiples."""

from __future__ import annotations

from decimal import Decimal

from propdesk.domain.journal import Journal, RiskSource

from ..builders import NOW, d
from .builders import MNQ_POINT, fill


def test_r_when_the_entry_carried_a_stop_then_stop_distance_times_qty_times_point_value() -> None:
    journal = Journal(default_risk=lambda account: d(500))
    (opened,) = journal.apply_fill(fill("buy", 2, 100), MNQ_POINT, stop=d(98))

    # (100 − 98) × 2 × $2 = 8
    assert (opened.risk, opened.risk_source, opened.initial_stop) == (d(8), RiskSource.stop, d(98))

    (trip,) = journal.apply_fill(fill("sell", 2, 104, commission="1.24"), MNQ_POINT)

    # net (4 × 2 × $2) − 1.24 = 14.76; 14.76 / 8
    assert trip.r_multiple == d("1.845")


def test_r_when_short_then_the_stop_is_above_the_entry() -> None:
    journal = Journal()
    journal.apply_fill(fill("sell", 1, 100), MNQ_POINT, stop=d(101))

    (trip,) = journal.apply_fill(fill("buy", 1, 102), MNQ_POINT)

    # risk (101 − 100) × $2 = 2; net −4 → −2 R
    assert (trip.risk, trip.r_multiple) == (d(2), d(-2))


def test_r_when_scaled_in_then_the_risk_counts_every_contract_entered() -> None:
    journal = Journal()
    journal.apply_fill(fill("buy", 1, 100), MNQ_POINT, stop=d(98))

    (trip,) = journal.apply_fill(fill("buy", 1, 99), MNQ_POINT)

    # (100 − 98) + (99 − 98) = 3 points at the stop × $2 = 6 = (99.5 − 98) × 2 × $2
    assert trip.risk == d(6)


def test_r_when_scale_ins_leave_nothing_at_the_stop_then_the_default() -> None:
    journal = Journal(default_risk=lambda account: d(100))
    journal.apply_fill(fill("buy", 1, 100), MNQ_POINT, stop=d(99))

    (trip,) = journal.apply_fill(fill("buy", 1, 98), MNQ_POINT)

    # average 99 = the stop: no risk left to measure from it
    assert (trip.risk, trip.risk_source, trip.initial_stop) == (d(100), RiskSource.default, d(99))


def test_r_when_no_stop_then_the_accounts_default_one_r() -> None:
    journal = Journal(default_risk=lambda account: d(250) if account == "acct" else None)
    journal.apply_fill(fill("buy", 1, 100), MNQ_POINT)

    (trip,) = journal.apply_fill(fill("sell", 1, 90), MNQ_POINT)
    (other,) = journal.apply_fill(fill("buy", 1, 100, account="other"), MNQ_POINT)

    # −20 / 250
    assert (trip.risk, trip.risk_source, trip.r_multiple) == (d(250), "default", d("-0.08"))
    assert (other.risk, other.risk_source, other.r_multiple) == (None, None, None)


def test_r_when_no_stop_and_no_default_then_none() -> None:
    journal = Journal(default_risk=lambda account: Decimal(0))

    (trip,) = journal.apply_fill(fill("buy", 1, 100), MNQ_POINT)

    assert (trip.risk, trip.risk_source, trip.r_multiple) == (None, None, None)


def test_set_stop_when_within_the_window_then_the_initial_stop() -> None:
    journal = Journal(stop_window=60)
    journal.apply_fill(fill("buy", 1, 100), MNQ_POINT)

    trip = journal.set_stop("acct", "MNQ", d(95), NOW + 60)

    assert trip is not None
    assert (trip.initial_stop, trip.risk, trip.updated_at) == (d(95), d(10), NOW + 60)


def test_set_stop_when_late_then_it_does_not_count() -> None:
    journal = Journal(stop_window=60)
    journal.apply_fill(fill("buy", 1, 100), MNQ_POINT)

    assert journal.set_stop("acct", "MNQ", d(95), NOW + 60.5) is None
    assert journal.set_stop("acct", "ES", d(95), NOW) is None  # no trip there


def test_set_stop_when_a_stop_is_known_then_the_first_one_stays() -> None:
    journal = Journal()
    journal.apply_fill(fill("buy", 1, 100), MNQ_POINT, stop=d(98))

    assert journal.set_stop("acct", "MNQ", d(99), NOW + 1) is None
    trip = journal.open_trip("acct", "MNQ")
    assert trip is not None
    assert trip.initial_stop == d(98)


def test_set_stop_when_on_the_winning_side_then_it_is_no_initial_stop() -> None:
    journal = Journal()
    journal.apply_fill(fill("buy", 1, 100), MNQ_POINT)

    assert journal.set_stop("acct", "MNQ", d(101), NOW + 1) is None
    assert journal.set_stop("acct", "MNQ", d(100), NOW + 1) is None
    assert journal.set_stop("acct", "MNQ", d(99), NOW + 1) is not None


def test_r_when_a_reversal_carries_a_stop_then_the_new_trip_takes_it() -> None:
    journal = Journal()
    journal.apply_fill(fill("buy", 1, 100), MNQ_POINT, stop=d(90))

    closed, opened = journal.apply_fill(fill("sell", 2, 95), MNQ_POINT, stop=d(97))

    assert (closed.initial_stop, closed.risk) == (d(90), d(20))
    assert (opened.initial_stop, opened.risk) == (d(97), d(4))
