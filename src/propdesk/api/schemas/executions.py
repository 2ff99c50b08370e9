"""Executions (fills): part or all of an order, at one price."""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel, Field

from propdesk.domain.orders import Fill, Liquidity, OrderSide
from propdesk.wire.numbers import Number


class ExecutionRead(BaseModel):
    id: str
    order_id: str
    symbol: str
    side: OrderSide
    qty: Number
    price: Number
    commission: Number
    liquidity: Liquidity = Field(
        description="`taker`: took the quote; `maker`: a resting limit filled at its price."
    )
    transacted_at: datetime

    @classmethod
    def of(cls, fill: Fill) -> ExecutionRead:
        return cls(
            id=fill.id,
            order_id=fill.order_id,
            symbol=fill.symbol,
            side=fill.side,
            qty=fill.qty,
            price=fill.price,
            commission=fill.commission,
            liquidity=fill.liquidity,
            transacted_at=datetime.fromtimestamp(fill.ts, UTC),
        )
