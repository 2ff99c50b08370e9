"""Trading through the real engine for the journal's tests: BTCUSD (it trades around the
clock) with a commission, so that fees and their splits count, and the stored trips read back."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select

from propdesk.bus.base import Topics
from propdesk.domain.bars import Tick
from propdesk.domain.commands import SubmitOrder
from propdesk.domain.journal import RoundTrip
from propdesk.domain.orders import Order, OrderSide, OrderStatus, OrderType, TimeInForce
from propdesk.domain.results import CommandResult
from propdesk.marketdata import catalogue
from propdesk.services import Services
from propdesk.store.db import Database
from propdesk.store.models import LedgerRow
from propdesk.store.repositories.trading_rows import TRIPS, trip_from_row

SYMBOL = "BTCUSD"
COMMISSION = Decimal("1.37")
"""Per coin, each side: a BTCUSD fill of 0.3 pays 0.411."""


def instruments_with_commission(directory: Path) -> Path:
    """The default catalogue, BTCUSD charging COMMISSION (the real one charges nothing)."""
    source = Path(catalogue.__file__).parent / "data" / "instruments.json"
    data = json.loads(source.read_text())
    for row in data["instruments"]:
        if row["symbol"] == SYMBOL:
            row["commission"] = str(COMMISSION)
    path = directory / "instruments.json"
    path.write_text(json.dumps(data))
    return path


async def open_account(client: httpx.AsyncClient, headers: dict[str, str]) -> str:
    """A custom account wide enough for any test's trading: no rule gets in the way."""
    response = await client.post(
        "/api/v1/accounts",
        json={"name": f"journal-{uuid.uuid4().hex[:6]}", "starting_balance": 1_000_000,
              "rule_set": {"name": "custom"}},
        headers=headers,
    )  # fmt: skip
    assert response.status_code == 201, response.text
    account_id: str = response.json()["id"]
    return account_id


async def quote(services: Services, bid: str, ask: str | None = None) -> None:
    """Publish a BTCUSD tick and wait until the engine has taken it."""
    before = services.engine.stats.ticks
    low = Decimal(bid)
    high = Decimal(ask) if ask is not None else low + Decimal("0.01")
    await services.bus.publish(Topics.TICKS, Tick(SYMBOL, time.time(), low, low, high, Decimal(1)))
    for _ in range(400):
        if services.engine.stats.ticks > before:
            return
        await asyncio.sleep(0.005)
    raise AssertionError("the engine did not take the tick")


def submit(account_id: str, side: str, qty: str, **more: Any) -> SubmitOrder:
    """A market order unless `type` says otherwise; good till canceled."""
    return SubmitOrder(
        account_id,
        SYMBOL,
        OrderSide(side),
        Decimal(qty),
        more.pop("type", OrderType.market),
        TimeInForce.gtc,
        **more,
    )


async def send(services: Services, command: Any) -> Order | None:
    result: CommandResult = await services.engine.send(command)
    assert result.rejected is None, result.rejected
    order = result.order
    assert order is None or order.status is not OrderStatus.rejected, order.reject_reason
    return order


async def stored_trips(database: Database, account_id: str | None = None) -> list[RoundTrip]:
    """The `trips` rows as the engine (or a rebuild) wrote them, by id."""
    statement = select(TRIPS).order_by(TRIPS.c.id)
    if account_id is not None:
        statement = statement.where(TRIPS.c.account_id == uuid.UUID(account_id))
    async with database.session() as session:
        return [trip_from_row(row) for row in await session.execute(statement)]


async def ledger_net(database: Database, account_id: str) -> Decimal:
    """The stored ledger's realized P&L less its commissions."""
    async with database.session() as session:
        ledger = await session.get(LedgerRow, uuid.UUID(account_id))
    assert ledger is not None
    net: Decimal = ledger.realized_pnl - ledger.commissions
    return net
