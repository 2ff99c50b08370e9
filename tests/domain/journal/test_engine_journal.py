"""The engine's journal: closed trips given once and forgotten, numbering carried across a
restore from the open trips only, and marks taken as a range (`Journal.mark_range`, what the
broker's chunked marks give; that they equal marking every quote is
`test_broker_marks.py`'s property)."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import strategies as st

from propdesk.domain.journal import Journal
from propdesk.domain.orders import OrderSide

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


def test_restore_when_open_trips_only_then_numbered_after_the_closed_ones_and_watched() -> None:
    journal = Journal(retain_closed=False)
    [closed] = journal.apply_fill(fill("buy", 1, 100), Decimal(2))
    journal.apply_fill(fill("sell", 1, 101), Decimal(2))
    assert journal.trips() == []  # given once, then forgotten
    again = Journal.restore([], last_seq={(closed.account_id, "MNQ"): 1}, retain_closed=False)
    [trip] = again.apply_fill(fill("buy", 1, 100), Decimal(2))
    assert trip.seq == 2
    again.mark_range(trip.account_id, "MNQ", Decimal(98), Decimal(98))
    marked = again.open_trip(trip.account_id, "MNQ")
    assert marked is not None
    assert (marked.mae_price, marked.mae) == (Decimal(2), Decimal(4))
