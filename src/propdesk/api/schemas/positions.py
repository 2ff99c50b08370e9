"""Open positions, valued at the current quote, and the results of closing them."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from propdesk.api.errors import Problem
from propdesk.api.schemas.orders import OrderRead
from propdesk.wire.numbers import Number


class PositionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    symbol: str
    qty: Number = Field(description="Signed: positive long, negative short.")
    side: Literal["long", "short"]
    avg_entry_price: Number
    cost_basis: Number = Field(description="Money: entry cost × point value (signed as `qty`).")
    market_value: Number | None = Field(
        description="Money at `current_price` (signed as `qty`); null before the first quote."
    )
    current_price: Number | None = Field(
        description="The mark: the bid for a long, the ask for a short (what closing would get)."
    )
    unrealized_pl: Number
    unrealized_plpc: Number = Field(description="Unrealized P&L over the cost basis (0.01 = 1%).")
    realized_pl: Number = Field(description="Realized in this symbol over the account's life.")
    point_value: Number = Field(description="Money per point per contract (MNQ: 2).")
    opened_at: datetime | None


class ClosedPositionRead(BaseModel):
    """One result of closing all positions, as Alpaca answers it."""

    symbol: str
    status: int = Field(description="200: the closing order was placed; else the error's status.")
    body: OrderRead | Problem = Field(description="The closing order, or the problem.")
