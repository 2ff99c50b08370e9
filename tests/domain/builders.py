"""Small builders for the domain tests: two instruments, quotes, commands and a fixed clock."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, time
from decimal import Decimal
from typing import Any, TypeVar

from propdesk.domain.bars import Tick
from propdesk.domain.broker import Broker, BrokerSettings, PreTradeCheck
from propdesk.domain.commands import StopLoss, SubmitOrder, TakeProfit
from propdesk.domain.events import Event, OrderFilled
from propdesk.domain.instruments import AssetClass, Instrument, SessionSchedule
from propdesk.domain.matching import FillModel
from propdesk.domain.orders import (
    Fill,
    Order,
    OrderClass,
    OrderSide,
    OrderType,
    TimeInForce,
    sequential_ids,
)

CME = SessionSchedule("America/Chicago", time(17), time(16))

MNQ = Instrument(
    symbol="MNQ",
    description="Micro E-mini Nasdaq-100",
    asset_class=AssetClass.futures,
    exchange="CME",
    currency="USD",
    tick_size=Decimal("0.25"),
    point_value=Decimal(2),
    lot_step=Decimal(1),
    margin=Decimal(2400),
    commission=Decimal("0.62"),
    session=CME,
    reference_price=Decimal(20000),
    annual_volatility=0.2,
    micro=True,
)
ES = Instrument(
    symbol="ES",
    description="E-mini S&P 500",
    asset_class=AssetClass.futures,
    exchange="CME",
    currency="USD",
    tick_size=Decimal("0.25"),
    point_value=Decimal(50),
    lot_step=Decimal(1),
    margin=Decimal(16500),
    commission=Decimal("2.25"),
    session=CME,
    reference_price=Decimal(6000),
    annual_volatility=0.16,
)
INSTRUMENTS = {"MNQ": MNQ, "ES": ES}

NOW = datetime(2025, 1, 15, 15, 0, tzinfo=UTC).timestamp()
"""Wednesday 15 January 2025, 09:00 in Chicago: the CME session is open."""
SESSION_CLOSE = NOW + 7 * 3600
"""16:00 in Chicago that day, when Wednesday's session closes."""
ACCOUNT = "acct"
BALANCE = Decimal(50_000)

E = TypeVar("E")


def d(value: object) -> Decimal:
    return Decimal(str(value))


def tick(
    last: object,
    bid: object | None = None,
    ask: object | None = None,
    *,
    symbol: str = "MNQ",
    at: float = NOW,
) -> Tick:
    """A print at `last`; the quote defaults to one tick (0.25) either side of it."""
    price = d(last)
    return Tick(
        symbol,
        at,
        price,
        d(bid) if bid is not None else price - Decimal("0.25"),
        d(ask) if ask is not None else price + Decimal("0.25"),
        Decimal(1),
    )


def make_broker(
    *,
    balance: Decimal = BALANCE,
    checks: Sequence[PreTradeCheck] = (),
    queue_outside_session: bool = False,
    **fill_model: Any,
) -> Broker:
    """A broker with one account, `acct`, opened at NOW; keyword arguments shape its fills."""
    settings = BrokerSettings(
        fill_model=FillModel(**fill_model), queue_outside_session=queue_outside_session
    )
    broker = Broker(INSTRUMENTS, ids=sequential_ids(), settings=settings, checks=checks)
    broker.open_account(ACCOUNT, balance, NOW)
    return broker


_PRICES = ("limit_price", "stop_price", "trail_price", "trail_percent")


def order(side: OrderSide, qty: object, kind: str = "market", **fields: Any) -> SubmitOrder:
    """A submission with numbers as plain literals: `order(buy, 2, "limit", limit_price=100)`."""
    for name in _PRICES:
        if fields.get(name) is not None:
            fields[name] = d(fields[name])
    fields.setdefault("account_id", ACCOUNT)
    fields.setdefault("symbol", "MNQ")
    if isinstance(fields.get("time_in_force"), str):
        fields["time_in_force"] = TimeInForce(fields["time_in_force"])
    return SubmitOrder(side=side, qty=d(qty), type=OrderType(kind), **fields)


def buy(qty: object, kind: str = "market", **fields: Any) -> SubmitOrder:
    return order(OrderSide.buy, qty, kind, **fields)


def sell(qty: object, kind: str = "market", **fields: Any) -> SubmitOrder:
    return order(OrderSide.sell, qty, kind, **fields)


def bracket(
    side: OrderSide,
    qty: object,
    kind: str = "market",
    *,
    take_profit: object,
    stop: object | None = None,
    stop_limit: object | None = None,
    trail: object | None = None,
    **fields: Any,
) -> SubmitOrder:
    stop_loss = StopLoss(
        stop_price=d(stop) if stop is not None else None,
        limit_price=d(stop_limit) if stop_limit is not None else None,
        trail_price=d(trail) if trail is not None else None,
    )
    return order(
        side,
        qty,
        kind,
        order_class=OrderClass.bracket,
        take_profit=TakeProfit(d(take_profit)),
        stop_loss=stop_loss,
        **fields,
    )


def of(events: Sequence[Event], kind: type[E]) -> list[E]:
    return [e for e in events if isinstance(e, kind)]


def fills(events: Sequence[Event]) -> list[Fill]:
    return [e.fill for e in of(events, OrderFilled)]


def placed(events: Sequence[Event]) -> Order:
    """The order a submission made (its first order event)."""
    return next(e.order for e in events if hasattr(e, "order"))
