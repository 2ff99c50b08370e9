"""The broker under random order flow and prices, with a contract cap and a daily loss
limit: the position never exceeds the cap (working orders included, micros weighted), and
after a lock no order adds exposure until the day rolls."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from propdesk.domain.broker import Broker, BrokerSettings
from propdesk.domain.events import OrderFilled
from propdesk.domain.orders import OrderSide, sequential_ids
from propdesk.domain.risk import RuleSet

from ..builders import ACCOUNT, INSTRUMENTS, NOW, buy, sell, tick

CAP = 2  # contracts: 20 MNQ
RULES = RuleSet("capped", daily_loss_limit=Decimal(300), max_contracts=CAP)

steps = st.lists(
    st.one_of(
        st.tuples(st.just("tick"), st.integers(-30, 30)),
        st.tuples(
            st.just("order"),
            st.sampled_from(OrderSide),
            st.integers(1, 12),
            st.sampled_from(["market", "limit"]),
            st.integers(-8, 8),
        ),
    ),
    min_size=10,
    max_size=80,
)


@settings(max_examples=80, deadline=None)
@given(steps=steps)
def test_any_flow_when_capped_and_limited_then_never_past_the_cap_nor_adding_after_a_lock(
    steps: list[tuple[object, ...]],
) -> None:
    broker = Broker(INSTRUMENTS, ids=sequential_ids(), settings=BrokerSettings())
    broker.open_account(ACCOUNT, Decimal(1_000_000), NOW, RULES)
    price = Decimal(20000)
    broker.on_tick(tick(price))
    at = NOW
    for step in steps:
        at += 1
        risk = broker.risk(ACCOUNT)
        assert risk is not None
        locked_before = risk.lock is not None
        held_before = abs(sum((p.qty for p in broker.positions(ACCOUNT)), Decimal(0)))
        if step[0] == "tick":
            price += Decimal(int(step[1])) / 4  # type: ignore[call-overload]
            events = broker.on_tick(tick(price, at=at))
        else:
            _, side, qty, kind, offset = step
            order = buy if side is OrderSide.buy else sell
            fields = {"limit_price": price + Decimal(offset) / 4} if kind == "limit" else {}  # type: ignore[operator]
            events = broker.apply(order(qty, kind, **fields), at)  # type: ignore[arg-type]
        held = abs(sum((p.qty for p in broker.positions(ACCOUNT)), Decimal(0)))
        # MNQ is a micro: 10 count as one contract
        assert held * Decimal("0.1") <= CAP
        if locked_before:
            # locked (the same trading day: NOW + a few minutes): nothing adds exposure
            fills = [e for e in events if isinstance(e, OrderFilled)]
            assert held <= held_before or not fills
