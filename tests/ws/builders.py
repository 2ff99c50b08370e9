"""Small builders for the WebSocket tests: domain orders, fills, positions, ledgers."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from propdesk.bus.base import Subscription
from propdesk.bus.memory import MemoryBus
from propdesk.domain.bars import Bar, BarEvent, Tick
from propdesk.domain.journal import Journal, RoundTrip
from propdesk.domain.ledger import AccountSnapshot, Ledger
from propdesk.domain.orders import (
    Fill,
    FillId,
    Liquidity,
    Order,
    OrderId,
    OrderSide,
    OrderStatus,
    OrderType,
    TimeInForce,
)
from propdesk.domain.positions import Position
from propdesk.domain.risk.report import RiskReport

T = 1_773_154_800.0
"""Tuesday 10 March 2026, 15:00 UTC (10:00 in Chicago): the CME session is open."""


def order(account_id: str, number: int = 1, **changes: object) -> Order:
    base = Order(
        id=OrderId(f"o-{number}"),
        account_id=account_id,
        client_order_id=f"c-{number}",
        symbol="MNQ",
        side=OrderSide.buy,
        type=OrderType.limit,
        qty=Decimal(2),
        time_in_force=TimeInForce.gtc,
        status=OrderStatus.new,
        created_at=T,
        updated_at=T,
        seq=number,
        limit_price=Decimal("21000.25"),
    )
    return base.evolve(**changes)


def fill(placed: Order, qty: str = "1") -> Fill:
    return Fill(
        id=FillId(f"f-{placed.id}"),
        order_id=placed.id,
        account_id=placed.account_id,
        symbol=placed.symbol,
        side=placed.side,
        qty=Decimal(qty),
        price=Decimal("21000.25"),
        commission=Decimal("0.62"),
        liquidity=Liquidity.maker,
        ts=T + 1,
    )


def position(account_id: str, qty: str = "1") -> Position:
    return Position(
        account_id,
        "MNQ",
        qty=Decimal(qty),
        cost=abs(Decimal(qty)) * Decimal("21000.25"),
        opened_at=T,
        updated_at=T + 1,
    )


def ledger(account_id: str, realized: str = "0") -> Ledger:
    return Ledger(
        account_id,
        Decimal(50_000),
        date(2026, 3, 10),
        realized_pnl=Decimal(realized),
        realized_pnl_today=Decimal(realized),
        updated_at=T,
    )


def trip(placed: Order, qty: str = "1") -> RoundTrip:
    """The round trip that `fill(placed, qty)` opens (MNQ: $2 a point)."""
    [opened] = Journal().apply_fill(fill(placed, qty), Decimal(2), strategy="orb")
    return opened


@dataclass
class FakeReader:
    """The engine's state as a test wants it."""

    orders: dict[str, list[Order]] = field(default_factory=dict)
    positions_of: dict[str, list[Position]] = field(default_factory=dict)
    accounts: dict[str, AccountSnapshot] = field(default_factory=dict)
    trips: dict[str, list[RoundTrip]] = field(default_factory=dict)
    events: MemoryBus = field(default_factory=MemoryBus)
    """Where a test publishes the committed events of `Topics.account(…)`."""

    def subscribe(self, topic: str, *, maxsize: int = 10_000) -> Subscription:
        return self.events.subscribe(topic, maxsize=maxsize)

    def open_orders(self, account_id: str) -> list[Order]:
        return self.orders.get(account_id, [])

    def positions(self, account_id: str) -> list[Position]:
        return self.positions_of.get(account_id, [])

    def account(self, account_id: str) -> AccountSnapshot | None:
        return self.accounts.get(account_id)

    def risk_report(self, account_id: str) -> RiskReport | None:
        return None

    def open_trips(self, account_id: str) -> list[RoundTrip]:
        return self.trips.get(account_id, [])


def bar_event(minute: float, close: float, *, closed: bool = False, volume: float = 1) -> BarEvent:
    ts = int(minute) // 60 * 60
    return BarEvent(Bar("MNQ", ts, close, close + 1, close - 1, close, volume), closed)


def tick(price: str, at: float = T, size: str = "1", symbol: str = "MNQ") -> Tick:
    last = Decimal(price)
    return Tick(symbol, at, last, last - Decimal("0.25"), last + Decimal("0.25"), Decimal(size))


async def until(condition: Callable[[], object], within: float = 3.0) -> None:
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.002)
