"""Properties of the broker over random command and tick sequences (hypothesis).

A small interpreter turns drawn steps into commands and ticks around a random walk, then the
invariants are checked against sums taken independently from the events.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from propdesk.domain.broker import Broker, BrokerSettings
from propdesk.domain.commands import (
    CancelAllOrders,
    CancelOrder,
    ClosePosition,
    Command,
    ModifyOrder,
    StopLoss,
    SubmitOrder,
    TakeProfit,
)
from propdesk.domain.events import Event, OrderEvent, OrderFilled
from propdesk.domain.ledger import symbol_margin
from propdesk.domain.matching import FillModel
from propdesk.domain.orders import (
    IdFactory,
    Order,
    OrderClass,
    OrderId,
    OrderSide,
    OrderStatus,
    OrderType,
    TimeInForce,
    sequential_ids,
)

from .builders import INSTRUMENTS, NOW, tick

ACCOUNTS = ("acct", "other")
START = Decimal(200_000)
TICK = Decimal("0.25")
BASE = {"MNQ": Decimal(20000), "ES": Decimal(6000)}

ticks = st.tuples(
    st.just("tick"),
    st.sampled_from(sorted(BASE)),
    st.integers(-3, 3),  # move of the mid, in ticks
    st.integers(0, 2),  # half spread
    st.integers(-2, 2),  # last, relative to the mid (clamped into the spread)
)
submits = st.tuples(
    st.just("submit"),
    st.fixed_dictionaries(
        {
            "account": st.sampled_from(ACCOUNTS),
            "symbol": st.sampled_from(sorted(BASE)),
            "side": st.sampled_from(OrderSide),
            "qty": st.integers(1, 4),
            "kind": st.sampled_from(OrderType),
            "tif": st.sampled_from(
                [TimeInForce.day, TimeInForce.gtc] * 2 + [TimeInForce.ioc, TimeInForce.fok]
            ),
            "cls": st.sampled_from(OrderClass),
            "a": st.integers(-8, 8),
            "b": st.integers(-8, 8),
            "c": st.integers(-8, 8),
            "client_id": st.sampled_from([None, None, None, "dup-1", "dup-2"]),
        }
    ),
)
others = st.one_of(
    st.tuples(st.just("cancel"), st.integers(0, 60)),
    st.tuples(st.just("modify"), st.integers(0, 60), st.integers(-6, 6)),
    st.tuples(st.just("close"), st.sampled_from(ACCOUNTS), st.sampled_from(sorted(BASE))),
    st.tuples(st.just("cancel_all"), st.sampled_from(ACCOUNTS)),
)
steps_strategy = st.lists(
    st.one_of(ticks, ticks, ticks, ticks, submits, submits, submits, others),
    min_size=20,
    max_size=100,
)
models = st.builds(
    FillModel,
    fill_on_touch=st.booleans(),
    slippage_ticks=st.integers(0, 2),
    top_of_book_size=st.sampled_from([None, None, Decimal(1), Decimal(2), Decimal(3)]),
)


def new_broker(model: FillModel, ids: IdFactory | None = None) -> Broker:
    broker = Broker(
        INSTRUMENTS, ids=ids or sequential_ids(), settings=BrokerSettings(fill_model=model)
    )
    for account in ACCOUNTS:
        broker.open_account(account, START, NOW)
    for symbol, price in BASE.items():
        broker.on_tick(tick(price, symbol=symbol))
    return broker


class Interpreter:
    """Feeds drawn steps to a broker; the market state lives here, not in the broker."""

    def __init__(self, broker: Broker) -> None:
        self.broker = broker
        self.mid = dict(BASE)
        self.clock = NOW
        self.order_ids: list[tuple[str, OrderId]] = []
        self.events: list[Event] = []

    def run(self, steps: list[tuple[Any, ...]]) -> list[Event]:
        start = len(self.events)
        for step in steps:
            self.clock += 1
            produced = self.step(step)
            for event in produced:
                if isinstance(event, OrderEvent) and event.order.seq > len(self.order_ids):
                    self.order_ids.append((event.order.account_id, event.order.id))
            self.events.extend(produced)
        return self.events[start:]

    def step(self, step: tuple[Any, ...]) -> list[Event]:
        kind = step[0]
        if kind == "tick":
            _, symbol, move, half, offset = step
            self.mid[symbol] += move * TICK
            mid = self.mid[symbol]
            last = mid + max(-half, min(half, offset)) * TICK
            quote = tick(last, mid - half * TICK, mid + half * TICK, symbol=symbol, at=self.clock)
            return self.broker.on_tick(quote)
        return self.broker.apply(self.command(step), self.clock)

    def command(self, step: tuple[Any, ...]) -> Command:
        kind = step[0]
        if kind == "submit":
            return self.submission(step[1])
        if kind in ("cancel", "modify") and self.order_ids:
            # mostly orders still open, sometimes any order (done ones must be refused)
            open_ids = [
                (o.account_id, o.id)
                for account in ACCOUNTS
                for o in self.broker.orders(account, open_only=True)
            ]
            pool = self.order_ids if step[1] % 5 == 4 or not open_ids else open_ids
            account, order_id = pool[step[1] % len(pool)]
            if kind == "cancel":
                return CancelOrder(account, order_id)
            return self.modification(account, order_id, step[2])
        if kind == "close":
            return ClosePosition(step[1], step[2])
        return CancelAllOrders(step[1] if kind == "cancel_all" else ACCOUNTS[0])

    def modification(self, account: str, order_id: OrderId, delta: int) -> ModifyOrder:
        order = self.broker.order(order_id)
        assert order is not None
        if order.type is OrderType.limit and order.limit_price is not None:
            return ModifyOrder(account, order_id, limit_price=order.limit_price + delta * TICK)
        if order.type in (OrderType.stop, OrderType.stop_limit) and order.stop_price is not None:
            return ModifyOrder(account, order_id, stop_price=order.stop_price + delta * TICK)
        return ModifyOrder(account, order_id, qty=order.qty + abs(delta))

    def submission(self, spec: dict[str, Any]) -> SubmitOrder:
        side, kind, cls = spec["side"], spec["kind"], spec["cls"]
        if cls is OrderClass.oco:
            kind = OrderType.limit  # what an OCO is made of; other types are tested elsewhere
        price = self.mid[spec["symbol"]]
        a, b, c = (spec[k] * TICK for k in "abc")
        fields: dict[str, Any] = {}
        if kind in (OrderType.limit, OrderType.stop_limit):
            fields["limit_price"] = price + a + (b if kind is OrderType.stop_limit else 0)
        if kind in (OrderType.stop, OrderType.stop_limit):
            fields["stop_price"] = price + a
        if kind is OrderType.trailing_stop:
            fields["trail_price"] = abs(a) + TICK
        if cls is not OrderClass.simple:
            # a long's exits: profit above, stop below (a bracket's side is the entry's,
            # an OCO's the exit's); mostly valid, sometimes not, as traders send them
            up = side.sign if cls is OrderClass.bracket else -side.sign
            entry = fields.get("stop_price", fields.get("limit_price", price))
            if cls is OrderClass.oco:
                entry = price
            fields["take_profit"] = TakeProfit(entry + up * (abs(b) + TICK))
            fields["stop_loss"] = StopLoss(stop_price=entry - up * (abs(c) + TICK))
            if cls is OrderClass.oco:
                fields.pop("limit_price", None)
        return SubmitOrder(
            account_id=spec["account"],
            symbol=spec["symbol"],
            side=side,
            qty=Decimal(spec["qty"]),
            type=kind,
            time_in_force=spec["tif"],
            client_order_id=spec["client_id"],
            order_class=cls,
            **fields,
        )


def fills_of(events: list[Event]) -> list[OrderFilled]:
    return [e for e in events if isinstance(e, OrderFilled)]


def check_invariants(broker: Broker, events: list[Event], unlimited_size: bool) -> None:
    filled = fills_of(events)
    signed: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    per_order: dict[str, Decimal] = defaultdict(Decimal)
    commissions: dict[str, Decimal] = defaultdict(Decimal)
    for event in filled:
        fill = event.fill
        signed[fill.account_id, fill.symbol] += fill.qty * fill.side.sign
        per_order[fill.order_id] += fill.qty
        commissions[fill.account_id] += fill.commission
        # a limit never fills beyond its limit price
        limit = event.order.limit_price
        if event.order.type in (OrderType.limit, OrderType.stop_limit) and limit is not None:
            assert fill.price <= limit if fill.side is OrderSide.buy else fill.price >= limit
    for account in ACCOUNTS:
        positions = {p.symbol: p for p in broker.snapshot().positions if p.account_id == account}
        for symbol in BASE:
            held = positions[symbol].qty if symbol in positions else Decimal(0)
            assert held == signed[account, symbol]  # position = signed sum of fills
        snapshot = broker.account(account)
        assert snapshot is not None
        realized = sum((p.realized_pnl for p in positions.values()), Decimal(0))
        assert snapshot.balance == START + realized - commissions[account]
        assert snapshot.margin_used == margin_from_scratch(broker, account)
    orders = {o.id: o for o in broker.snapshot().orders}
    for order in orders.values():
        assert 0 <= order.filled_qty <= order.qty or order.status is OrderStatus.rejected
        assert order.filled_qty == per_order[order.id]
        assert (order.status is OrderStatus.filled) == (
            order.filled_qty == order.qty and order.status is not OrderStatus.rejected
        )
        check_pair(order, orders, unlimited_size)
    for symbol in BASE:  # the index holds exactly the working orders
        indexed = set(broker._books[symbol].ids()) if symbol in broker._books else set()
        assert indexed == {o.id for o in orders.values() if o.symbol == symbol and o.is_working}


def check_pair(order: Order, orders: dict[OrderId, Order], unlimited_size: bool) -> None:
    if order.leg is None or order.sibling_id is None or order.leg.value != "take_profit":
        return
    sibling = orders[order.sibling_id]
    exited = order.filled_qty + sibling.filled_qty
    if order.parent_id is not None:
        assert exited <= orders[order.parent_id].filled_qty  # never more than the entry got
    else:
        assert exited <= order.qty + sibling.filled_qty  # an OCO never over-closes
    if unlimited_size:  # one tick fills a leg whole: the other never fills
        assert order.filled_qty == 0 or sibling.filled_qty == 0


def margin_from_scratch(broker: Broker, account: str) -> Decimal:
    exposure: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    counted: set[OrderId] = set()
    for order in broker.orders(account, open_only=True):
        if not order.is_working or order.id in counted:
            continue
        sibling = broker.order(order.sibling_id) if order.sibling_id else None
        qty = order.open_qty
        if sibling is not None and sibling.is_working:
            counted.add(sibling.id)  # a pair can only ever fill one side's worth
            qty = max(qty, sibling.open_qty)
        exposure[order.symbol][0 if order.side is OrderSide.buy else 1] += qty
    total = Decimal(0)
    for symbol in BASE:
        position = broker.position(account, symbol)
        held = position.qty if position else Decimal(0)
        buy, sell = exposure[symbol]
        total += symbol_margin(INSTRUMENTS[symbol].margin, held, buy, sell)
    return total


pytestmark = pytest.mark.slow

SETTINGS: Callable[[Any], Any] = settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@SETTINGS
@given(steps=steps_strategy, model=models)
def test_any_sequence_when_applied_then_positions_balances_and_pairs_stay_consistent(
    steps: list[tuple[Any, ...]], model: FillModel
) -> None:
    interpreter = Interpreter(new_broker(model))
    events = interpreter.run(steps)
    check_invariants(interpreter.broker, events, unlimited_size=model.top_of_book_size is None)


@SETTINGS
@given(steps=steps_strategy, model=models)
def test_any_sequence_when_applied_twice_then_the_same_events_and_state(
    steps: list[tuple[Any, ...]], model: FillModel
) -> None:
    first = Interpreter(new_broker(model))
    second = Interpreter(new_broker(model))
    assert first.run(steps) == second.run(steps)
    assert first.broker.snapshot() == second.broker.snapshot()


@SETTINGS
@given(steps=steps_strategy, model=models, cut=st.floats(0, 1))
def test_any_sequence_when_restored_midway_then_ends_where_it_would_have(
    steps: list[tuple[Any, ...]], model: FillModel, cut: float
) -> None:
    # Arrange: one broker runs everything; another stops at the cut and is rebuilt
    at = int(len(steps) * cut)
    straight = Interpreter(new_broker(model))
    straight.run(steps[:at])
    expected_tail = straight.run(steps[at:])
    ids = sequential_ids()
    stopped = Interpreter(new_broker(model, ids))
    stopped.run(steps[:at])
    # Act
    resumed = Interpreter(
        Broker.restore(
            stopped.broker.snapshot(),
            INSTRUMENTS,
            ids=ids,
            settings=BrokerSettings(fill_model=model),
        )
    )
    resumed.mid, resumed.clock, resumed.order_ids = stopped.mid, stopped.clock, stopped.order_ids
    tail = resumed.run(steps[at:])
    # Assert
    assert tail == expected_tail
    assert resumed.broker.snapshot() == straight.broker.snapshot()
