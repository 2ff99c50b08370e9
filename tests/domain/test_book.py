"""A price index fires best price first, oldest first within a price, whatever the order in
which orders were placed, moved and withdrawn (held to a plain sorted model)."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from propdesk.domain.book import PriceIndex
from propdesk.domain.orders import OrderId

PRICES = [Decimal(p) / 4 for p in range(396, 405)]  # 99.00 … 101.00 by a tick of 0.25

# (price, seq) to add, or an index into what was added to take it out again.
steps = st.lists(
    st.one_of(
        st.tuples(st.sampled_from(PRICES), st.integers(min_value=1, max_value=60)),
        st.integers(min_value=0, max_value=80),
    ),
    max_size=80,
)


@given(steps=steps, bound=st.sampled_from(PRICES), inclusive=st.booleans())
def test_index_when_any_history_then_fires_as_a_sorted_model(
    steps: list[tuple[Decimal, int] | int], bound: Decimal, inclusive: bool
) -> None:
    index, model, added = PriceIndex(), set[tuple[Decimal, int, OrderId]](), []
    for step in steps:
        if isinstance(step, tuple):
            price, seq = step
            entry = (price, seq, OrderId(f"o-{seq}-{price}"))
            if entry in model:
                continue
            index.add(price, (seq, entry[2]))
            model.add(entry)
            added.append(entry)
        elif added:
            price, seq, order_id = added[step % len(added)]
            index.discard(price, (seq, order_id))
            model.discard((price, seq, order_id))

    low = sorted(e for e in model if e[0] < bound or (inclusive and e[0] == bound))
    high = sorted(
        (e for e in model if e[0] > bound or (inclusive and e[0] == bound)),
        key=lambda e: (-e[0], e[1]),
    )
    assert index.fired_low(bound, inclusive=inclusive) == [e[2] for e in low]
    assert index.fired_high(bound, inclusive=inclusive) == [e[2] for e in high]
    assert index.prices == sorted({e[0] for e in model})
    assert len(index) == len(model)


def test_index_when_an_older_order_moves_into_a_level_then_it_keeps_its_priority() -> None:
    index = PriceIndex()
    index.add(Decimal(100), (5, OrderId("newer")))
    index.add(Decimal(101), (2, OrderId("older")))

    index.discard(Decimal(101), (2, OrderId("older")))
    index.add(Decimal(100), (2, OrderId("older")))  # a trailing stop's mark moved here

    assert index.fired_low(Decimal(100), inclusive=True) == ["older", "newer"]
    assert index.prices == [Decimal(100)]
