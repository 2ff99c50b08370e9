"""The journal in the engine, read back from the stored rows: whatever the orders did, the
trips' net P&L is the ledger's realized P&L less its commissions, and the open trip is the
position."""

from __future__ import annotations

import random
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest

from propdesk.config import Settings
from propdesk.domain.commands import StopLoss, TakeProfit
from propdesk.domain.orders import OrderClass, OrderSide, OrderType
from propdesk.services import Services

from .journal_trading import (
    SYMBOL,
    instruments_with_commission,
    ledger_net,
    open_account,
    quote,
    send,
    stored_trips,
    submit,
)

if TYPE_CHECKING:
    from conftest import MakeUser

TICK = Decimal("0.01")


@pytest.fixture
def settings(make_settings: Callable[..., Settings], tmp_path: Path) -> Settings:
    return make_settings(instruments_file=instruments_with_commission(tmp_path))


async def _trade_at_random(services: Services, account: str, rng: random.Random) -> None:
    """Quotes walking at random, and at each one market orders of random sizes (scale-ins,
    partial exits, reversals; a quarter of them to flat or through it), limits that rest and
    fill on later quotes, and brackets."""
    price = Decimal(100)
    for _ in range(60):
        price = max(price + Decimal(rng.randint(-150, 150)) * TICK, Decimal(50))
        await quote(services, str(price))
        side = rng.choice(("buy", "sell"))
        qty = str(Decimal(rng.randint(1, 5)) / 10)
        kind = rng.random()
        held = sum((p.qty for p in services.engine.positions(account)), Decimal(0))
        if held and kind < 0.25:  # flat, or through flat: a trip ends
            more = rng.choice((Decimal(0), Decimal(rng.randint(1, 3)) / 10))
            await send(
                services, submit(account, "sell" if held > 0 else "buy", str(abs(held) + more))
            )
        elif kind < 0.6:
            await send(services, submit(account, side, qty, strategy=rng.choice(("a", "b"))))
        elif kind < 0.85:
            away = Decimal(rng.randint(5, 80)) * TICK
            limit = price - away if side == "buy" else price + away
            await send(
                services, submit(account, side, qty, type=OrderType.limit, limit_price=limit)
            )
        else:
            stop_offset = Decimal(rng.randint(50, 300)) * TICK
            up = side == "buy"
            command = submit(
                account,
                side,
                qty,
                order_class=OrderClass.bracket,
                take_profit=TakeProfit(price + stop_offset * 2 if up else price - stop_offset * 2),
                stop_loss=StopLoss(stop_price=price - stop_offset if up else price + stop_offset),
                tag="bracket",
            )
            await send(services, command)


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_trips_when_orders_came_at_random_then_their_net_is_the_ledgers(
    services: Services, client: httpx.AsyncClient, make_user: MakeUser, seed: int
) -> None:
    # Arrange
    account = await open_account(client, (await make_user()).headers)

    # Act
    await _trade_at_random(services, account, random.Random(seed))

    # Assert: from the stored rows alone
    trips = await stored_trips(services.database, account)
    assert len(trips) > 5  # the walk did trade
    net = sum((trip.net_pnl for trip in trips), Decimal(0))
    assert net == await ledger_net(services.database, account)
    [position] = services.engine.positions(account) or [None]
    open_trips = [trip for trip in trips if trip.is_open]
    if position is None or not position.qty:
        assert open_trips == []
    else:
        [held] = open_trips
        assert held.qty == abs(position.qty)
        assert held.side is (OrderSide.buy if position.qty > 0 else OrderSide.sell)
        assert held.open_cost == abs(position.cost)
    for trip in trips:
        assert trip.entry_qty - trip.exit_qty == trip.qty
        assert (trip.qty == 0) is (not trip.is_open)
    assert sorted(trip.seq for trip in trips) == list(range(1, len(trips) + 1))
    assert {trip.symbol for trip in trips} == {SYMBOL}
