"""`Journal.quote` (heaps of the trips' bounds) marks exactly as `Journal.mark` on every
open trip would: same MAE and MFE, in points and in money, under random fills and quotes."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from propdesk.domain.journal import Journal
from propdesk.domain.orders import OrderSide

from ..builders import NOW
from .builders import fill

ACCOUNTS = ("a", "b", "c")
TICK = Decimal("0.25")

steps = st.lists(
    st.one_of(
        st.tuples(
            st.just("fill"),
            st.sampled_from(ACCOUNTS),
            st.sampled_from(OrderSide),
            st.integers(1, 5),
            st.integers(3_900, 4_100),
        ),
        st.tuples(st.just("quote"), st.integers(3_880, 4_120), st.integers(1, 4)),
    ),
    max_size=80,
)


@settings(max_examples=300, deadline=None)
@given(steps=steps)
def test_quote_when_random_fills_and_quotes_then_the_same_excursions_as_marking_each_trip(
    steps: list[tuple[object, ...]],
) -> None:
    fast, slow = Journal(), Journal()
    for n, step in enumerate(steps):
        ts = NOW + n
        if step[0] == "fill":
            _, account, side, qty, price = step
            done = fill(
                str(side),
                qty,
                Decimal(price) * TICK,  # type: ignore[call-overload]
                account=str(account),
                at=ts,
            )
            fast.apply_fill(done, Decimal(2))
            slow.apply_fill(done, Decimal(2))
            continue
        _, bid_steps, spread = step
        bid = Decimal(bid_steps) * TICK  # type: ignore[operator]
        ask = bid + spread * TICK  # type: ignore[operator]
        fast.quote("MNQ", bid, ask, ts)
        for account in ACCOUNTS:
            trip = slow.open_trip(account, "MNQ")
            if trip is not None:
                slow.mark(account, "MNQ", bid if trip.side is OrderSide.buy else ask, ts)
    excursions = [(t.id, t.mae_price, t.mfe_price, t.mae, t.mfe) for t in fast.trips()]
    assert excursions == [(t.id, t.mae_price, t.mfe_price, t.mae, t.mfe) for t in slow.trips()]


def test_restore_when_open_trips_only_then_numbered_after_the_closed_ones_and_watched() -> None:
    journal = Journal(retain_closed=False)
    [closed] = journal.apply_fill(fill("buy", 1, 100), Decimal(2))
    journal.apply_fill(fill("sell", 1, 101), Decimal(2))
    assert journal.trips() == []  # given once, then forgotten
    again = Journal.restore([], last_seq={(closed.account_id, "MNQ"): 1}, retain_closed=False)
    [trip] = again.apply_fill(fill("buy", 1, 100), Decimal(2))
    assert trip.seq == 2
    again.quote("MNQ", Decimal(98), Decimal("98.25"), NOW + 5)
    marked = again.open_trip(trip.account_id, "MNQ")
    assert marked is not None
    assert (marked.mae_price, marked.mae) == (Decimal(2), Decimal(4))
