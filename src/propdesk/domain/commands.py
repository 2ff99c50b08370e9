"""What a trader (or a risk tripwire) asks the broker to do; the time comes with `apply`."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from propdesk.domain.orders import OrderClass, OrderId, OrderSide, OrderType, TimeInForce


@dataclass(frozen=True, slots=True)
class TakeProfit:
    limit_price: Decimal


@dataclass(frozen=True, slots=True)
class StopLoss:
    """A stop (`stop_price`), a stop-limit (plus `limit_price`) or a trailing stop (a trail)."""

    stop_price: Decimal | None = None
    limit_price: Decimal | None = None
    trail_price: Decimal | None = None
    trail_percent: Decimal | None = None

    @property
    def type(self) -> OrderType:
        if self.trail_price is not None or self.trail_percent is not None:
            return OrderType.trailing_stop
        return OrderType.stop if self.limit_price is None else OrderType.stop_limit


@dataclass(frozen=True, slots=True)
class SubmitOrder:
    """Place an order. For `oco`, `type` is limit and the legs are `take_profit`/`stop_loss`."""

    account_id: str
    symbol: str
    side: OrderSide
    qty: Decimal
    type: OrderType = OrderType.market
    time_in_force: TimeInForce = TimeInForce.day
    limit_price: Decimal | None = None
    stop_price: Decimal | None = None
    trail_price: Decimal | None = None
    trail_percent: Decimal | None = None
    client_order_id: str | None = None
    """Unique per account; the broker generates one when absent."""
    order_class: OrderClass = OrderClass.simple
    take_profit: TakeProfit | None = None
    stop_loss: StopLoss | None = None
    strategy: str | None = None
    """What places it (a strategy plug-in, the trader's name for a system): 1–64 printable
    characters, or None. Its orders, legs included, carry it."""
    tag: str | None = None
    """The setup it is placed on, as `strategy`."""
    regime: str | None = None
    """The market regime it is placed in (auto-trading gives its signal's), as `strategy`."""


@dataclass(frozen=True, slots=True)
class ModifyOrder:
    """Change an open order in place; `None` leaves a field as it is."""

    account_id: str
    order_id: OrderId
    qty: Decimal | None = None
    limit_price: Decimal | None = None
    stop_price: Decimal | None = None
    trail_price: Decimal | None = None
    trail_percent: Decimal | None = None
    time_in_force: TimeInForce | None = None


@dataclass(frozen=True, slots=True)
class CancelOrder:
    account_id: str
    order_id: OrderId


@dataclass(frozen=True, slots=True)
class CancelAllOrders:
    account_id: str
    symbol: str | None = None


@dataclass(frozen=True, slots=True)
class ClosePosition:
    """Close `qty` of the position at market (all of it when None).

    Closing all of it also cancels the symbol's open orders, so no exit leg reopens it.
    """

    account_id: str
    symbol: str
    qty: Decimal | None = None


@dataclass(frozen=True, slots=True)
class CloseAllPositions:
    """Cancel every open order of the account, then close every position at market."""

    account_id: str


Command = (
    SubmitOrder | ModifyOrder | CancelOrder | CancelAllOrders | ClosePosition | CloseAllPositions
)
