"""Kill -9 with a round trip open: after the restart the trip carries on from its stored row,
scales out and closes to the figures of its fills, and the next trip takes the next number.

The server is a real uvicorn process on the test's database, the simulator quoting BTCUSD
(around the clock) with a commission, so that fees count.
"""

from __future__ import annotations

import os
import signal
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from propdesk.domain.journal import RoundTrip
from propdesk.domain.orders import OrderSide
from propdesk.store.db import Database
from propdesk.store.models import ExecutionRow

from .journal_trading import COMMISSION, SYMBOL, instruments_with_commission, ledger_net
from .journal_trading import stored_trips as read_trips
from .test_durability import PASSWORD, _free_port, _server, _sign_in

pytestmark = pytest.mark.slow


async def _market(http: httpx.AsyncClient, path: str, side: str, qty: float) -> str:
    placed = await http.post(
        path, json={"symbol": SYMBOL, "side": side, "type": "market", "qty": qty}
    )
    assert placed.status_code == 201, placed.text
    assert placed.json()["status"] == "filled", placed.json()
    order_id: str = placed.json()["id"]
    return order_id


async def _stored(database_url: str, account: str) -> tuple[dict[int, RoundTrip], list[Any]]:
    """The account's trips by number, and its executions in the order they happened."""
    database = Database(database_url)
    try:
        trips = {trip.seq: trip for trip in await read_trips(database, account)}
        async with database.session() as session:
            fills = list(
                await session.scalars(
                    select(ExecutionRow)
                    .where(ExecutionRow.account_id == uuid.UUID(account))
                    .order_by(ExecutionRow.ts, ExecutionRow.id)
                )
            )
        return trips, fills
    finally:
        await database.dispose()


async def _net(database_url: str, account: str) -> Decimal:
    database = Database(database_url)
    try:
        return await ledger_net(database, account)
    finally:
        await database.dispose()


async def test_server_when_killed_with_a_trip_open_then_the_trip_carries_on_after_restart(
    database_url: str, tmp_path: Path
) -> None:
    # Arrange: trip 1 closed, trip 2 open (two entries), then kill -9 right after the last ack
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {"PROPDESK_INSTRUMENTS_FILE": str(instruments_with_commission(tmp_path))}
    with _server(database_url, tmp_path, port, feed="simulator", more_env=env) as process:
        async with httpx.AsyncClient(base_url=base, timeout=10) as http:
            http.headers.update(await _sign_in(http, "journaler"))
            opened = await http.post(
                "/api/v1/accounts",
                json={"name": "journal", "starting_balance": 1_000_000,
                      "rule_set": {"name": "custom"}},
            )  # fmt: skip
            assert opened.status_code == 201, opened.text
            account = opened.json()["id"]
            path = f"/api/v1/accounts/{account}/orders"
            await _market(http, path, "buy", 0.1)
            await _market(http, path, "sell", 0.1)
            entries = [await _market(http, path, "buy", 0.2) for _ in range(2)]
            os.kill(process.pid, signal.SIGKILL)  # no shutdown, no flush
    killed, _ = await _stored(database_url, account)

    # Act: the restarted server scales the trip out, closes it, and opens the next
    with _server(database_url, tmp_path, port, feed="simulator", more_env=env):
        async with httpx.AsyncClient(base_url=base, timeout=10) as http:
            credentials = {"username": "journaler", "password": PASSWORD}
            token = (await http.post("/api/v1/auth/token", data=credentials)).json()
            http.headers["Authorization"] = f"Bearer {token['access_token']}"
            scale_out = await _market(http, path, "sell", 0.2)
            scaled, _ = await _stored(database_url, account)
            close = await _market(http, path, "sell", 0.2)
            await _market(http, path, "buy", 0.1)
            trips, fills = await _stored(database_url, account)
            net = await _net(database_url, account)

    # Assert: the trip as it was stored at the kill
    assert sorted(killed) == [1, 2]
    assert killed[1].closed_at is not None
    assert killed[2].is_open
    assert (killed[2].qty, killed[2].entry_qty, killed[2].order_ids) == (
        Decimal("0.4"), Decimal("0.4"), tuple(entries)
    )  # fmt: skip
    # its fills, before and after the restart
    e1, e2, x1, x2 = fills[2:6]
    assert [f.order_id for f in (e1, e2, x1, x2)] == [*entries, scale_out, close]
    cost = e1.qty * e1.price + e2.qty * e2.price
    # scaled out by half: half the cost goes, the other half stays open
    half = scaled[2]
    assert half.is_open
    assert (half.qty, half.exit_qty, half.open_cost) == (Decimal("0.2"), Decimal("0.2"), cost / 2)
    assert half.gross_pnl == x1.qty * x1.price - cost / 2
    assert half.fees == (e1.commission + e2.commission + x1.commission)
    # closed: its cash flows, all four fills' commissions
    done = trips[2]
    assert done.closed_at is not None
    assert done.qty == 0
    assert done.side is OrderSide.buy
    assert done.gross_pnl == x1.qty * x1.price + x2.qty * x2.price - cost
    assert done.fees == COMMISSION * Decimal("0.8")
    assert done.fill_ids == tuple(f.id for f in (e1, e2, x1, x2))
    assert done.avg_exit_price == (x1.price + x2.price) / 2
    assert done.mae >= 0
    assert done.mfe >= 0
    # the numbering carries on past the closed trips, and the money agrees with the ledger
    assert sorted(trips) == [1, 2, 3]
    assert trips[3].id == f"{account}:{SYMBOL}:3"
    assert trips[3].is_open
    assert sum((trip.net_pnl for trip in trips.values()), Decimal(0)) == net
