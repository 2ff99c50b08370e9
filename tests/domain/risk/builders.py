"""Small builders for the risk tests: rule sets, states, valuations and orders."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from itertools import count
from typing import Any

from propdesk.domain.instruments import AssetClass
from propdesk.domain.ledger import AccountSnapshot, Ledger
from propdesk.domain.orders import (
    ZERO,
    Order,
    OrderId,
    OrderSide,
    OrderStatus,
    OrderType,
    TimeInForce,
)
from propdesk.domain.positions import Position
from propdesk.domain.risk import PRESETS, RiskState

from ..builders import ACCOUNT, ES, MNQ, NOW, d

TOPSTEP_50K = PRESETS["topstep-50k"].rule_set
"""Daily loss 1,000; max loss 2,000 end-of-day trailing, locking at 50,000; 5 contracts."""
START = Decimal(50_000)
DAY = date(2025, 1, 15)
"""A Wednesday, in ISO week 2025-W03; NOW (builders) falls in it."""
AAPL = replace(ES, symbol="AAPL", asset_class=AssetClass.stock, micro=False)
INSTRUMENTS = {"MNQ": MNQ, "ES": ES, "AAPL": AAPL}

_ids = count(1)


def a_state(**overrides: Any) -> RiskState:
    return replace(RiskState.new(ACCOUNT, START, DAY, NOW), **overrides)


def valuation(
    *positions: tuple[str, object],
    balance: object = START,
    realized_today: object = 0,
    unrealized: object = 0,
) -> AccountSnapshot:
    """An account at `balance` (realized P&L over the start), `unrealized` open P&L, holding
    `positions` as (symbol, signed qty)."""
    realized = d(balance) - START
    ledger = Ledger(
        ACCOUNT, START, DAY, realized_pnl=realized, realized_pnl_today=d(realized_today)
    )
    held = tuple(Position(ACCOUNT, symbol, d(qty)) for symbol, qty in positions)
    return AccountSnapshot(ledger, d(unrealized), ZERO, held)


def an_order(
    side: OrderSide, qty: object, symbol: str = "MNQ", status: OrderStatus = OrderStatus.new
) -> Order:
    number = next(_ids)
    return Order(
        id=OrderId(f"order-{number}"),
        account_id=ACCOUNT,
        client_order_id=f"client-{number}",
        symbol=symbol,
        side=side,
        type=OrderType.limit,
        qty=d(qty),
        time_in_force=TimeInForce.gtc,
        status=status,
        created_at=NOW,
        updated_at=NOW,
        seq=number,
        limit_price=Decimal(100),
    )


def buy(qty: object, symbol: str = "MNQ", **fields: Any) -> Order:
    return an_order(OrderSide.buy, qty, symbol, **fields)


def sell(qty: object, symbol: str = "MNQ", **fields: Any) -> Order:
    return an_order(OrderSide.sell, qty, symbol, **fields)
