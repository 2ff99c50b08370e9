"""An order as the server answers it, over REST and the WebSocket alike (Alpaca's names)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field

from propdesk.domain.orders import (
    LegRole,
    Order,
    OrderClass,
    OrderSide,
    OrderStatus,
    OrderType,
    TimeInForce,
)
from propdesk.wire.numbers import Number


class OrderBase(BaseModel):
    """An order as it is now. REST's `OrderRead` adds the legs it nests; the WebSocket's
    `OrderPayload` is this, so both carry the same fields with the same types."""

    # Built by the server from domain values; frozen, as the WebSocket shares one payload
    # among every subscriber.
    model_config = ConfigDict(frozen=True)

    id: str
    client_order_id: str
    strategy: str | None = Field(
        description="What placed it, as submitted (a bracket's or an OCO's legs carry their "
        "entry's)."
    )
    tag: str | None = Field(description="The setup it was placed on, as submitted (as `strategy`).")
    regime: str | None = Field(
        description="The market regime it was placed in, as submitted (auto-trading gives its "
        "signal's); the journal's trip takes it."
    )
    account_id: uuid.UUID
    symbol: str
    side: OrderSide
    type: OrderType
    qty: Number
    filled_qty: Number
    filled_avg_price: Number | None
    limit_price: Number | None
    stop_price: Number | None = Field(
        description="Trailing stops: the stop their water mark implies now."
    )
    trail_price: Number | None
    trail_percent: Number | None
    hwm: Number | None = Field(
        description="Trailing stops: the high (sells) or low (buys) water mark of the price."
    )
    time_in_force: TimeInForce
    order_class: OrderClass
    status: OrderStatus
    reject_reason: str | None = Field(description="Why the broker rejected it (`rejected`).")
    leg: LegRole | None = Field(description="Which exit a bracket or OCO leg is.")
    parent_id: str | None = Field(description="A bracket leg's entry.")
    sibling_id: str | None = Field(description="The other leg of a bracket or OCO pair.")
    created_at: datetime
    updated_at: datetime
    submitted_at: datetime
    filled_at: datetime | None = Field(description="The last fill.")
    canceled_at: datetime | None
    expired_at: datetime | None
    expires_at: datetime | None = Field(description="Day orders: the close of their session.")

    @classmethod
    def of(cls, order: Order) -> Self:
        return cls(**order_fields(order))


def order_fields(order: Order) -> dict[str, Any]:
    """OrderBase's fields from the domain order, in the model's order (the order it dumps
    them): the one mapping, which REST's hot path also dumps straight to JSON."""
    created = datetime.fromtimestamp(order.created_at, UTC)
    return {
        "id": order.id,
        "client_order_id": order.client_order_id,
        "strategy": order.strategy,
        "tag": order.tag,
        "regime": order.regime,
        # Left a string: the model validates it to a UUID, JSON takes it as it is (the store
        # keeps account ids canonical).
        "account_id": order.account_id,
        "symbol": order.symbol,
        "side": order.side,
        "type": order.type,
        "qty": order.qty,
        "filled_qty": order.filled_qty,
        "filled_avg_price": order.filled_avg_price,
        "limit_price": order.limit_price,
        "stop_price": order.stop_price,
        "trail_price": order.trail_price,
        "trail_percent": order.trail_percent,
        "hwm": order.water_mark,
        "time_in_force": order.time_in_force,
        "order_class": order.order_class,
        "status": order.status,
        "reject_reason": order.reject_reason,
        "leg": order.leg,
        "parent_id": order.parent_id,
        "sibling_id": order.sibling_id,
        "created_at": created,
        "updated_at": datetime.fromtimestamp(order.updated_at, UTC),
        # Alpaca's field; here an order is submitted as it is created.
        "submitted_at": created,
        "filled_at": _at(order.filled_at),
        "canceled_at": _at(order.canceled_at),
        "expired_at": _at(order.expired_at),
        "expires_at": _at(order.expires_at),
    }


def _at(ts: float | None) -> datetime | None:
    return None if ts is None else datetime.fromtimestamp(ts, UTC)
