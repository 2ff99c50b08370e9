"""Through the broker, the chunked marks (`journaling`, `journal.marks`) give every trip the
MAE and MFE a journal marked at every single quote would: random orders of two accounts,
random quotes, compared trip by trip."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from propdesk.domain.events import OrderFilled, TripChanged
from propdesk.domain.journal import Journal, RoundTrip
from propdesk.domain.orders import OrderSide

from ..builders import NOW, buy, make_broker, sell, tick

ACCOUNTS = ("acct", "other")
TICK = Decimal("0.25")

steps = st.lists(
    st.one_of(
        st.tuples(st.just("quote"), st.integers(79_900, 80_100), st.integers(1, 3)),
        st.tuples(
            st.just("order"),
            st.sampled_from(ACCOUNTS),
            st.sampled_from(OrderSide),
            st.integers(1, 3),
        ),
    ),
    max_size=60,
)


def excursions(trips: dict[str, RoundTrip]) -> dict[str, tuple[Decimal, ...]]:
    return {i: (t.mae_price, t.mfe_price, t.mae, t.mfe) for i, t in trips.items()}


@settings(max_examples=200, deadline=None)
@given(steps=steps)
def test_marks_when_random_orders_and_quotes_then_as_if_every_quote_marked_every_trip(
    steps: list[tuple[object, ...]],
) -> None:
    broker = make_broker(balance=Decimal(10_000_000))
    broker.open_account("other", Decimal(10_000_000), NOW)
    reference = Journal()
    seen: dict[str, RoundTrip] = {}
    broker.on_tick(tick("20000", at=NOW))
    for n, step in enumerate(steps, start=1):
        at = NOW + n
        if step[0] == "quote":
            _, steps_, spread = step
            bid = Decimal(steps_) * TICK  # type: ignore[operator]
            ask = bid + spread * TICK  # type: ignore[operator]
            broker.on_tick(tick(bid, bid, ask, at=at))
            for account in ACCOUNTS:
                trip = reference.open_trip(account, "MNQ")
                if trip is not None:
                    mark = bid if trip.side is OrderSide.buy else ask
                    reference.mark(account, "MNQ", mark, at)
            continue
        _, account, side, qty = step
        order = (buy if side is OrderSide.buy else sell)(qty, account_id=account)
        events = broker.apply(order, at)
        for event in events:
            if isinstance(event, OrderFilled):
                reference.apply_fill(event.fill, Decimal(2))
            elif isinstance(event, TripChanged):
                seen[event.trip.id] = event.trip
    seen.update({t.id: t for t in broker.snapshot().trips})
    expected = {t.id: t for t in reference.trips()}
    assert excursions(seen) == excursions(expected)
