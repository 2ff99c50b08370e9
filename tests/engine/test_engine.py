"""The engine: commands become durable before they are acknowledged, and survive a restart."""

from __future__ import annotations

import asyncio
import time
from decimal import Decimal
from typing import TYPE_CHECKING

import httpx
import pytest

from propdesk.bus.base import Topics
from propdesk.domain.bars import Tick
from propdesk.domain.commands import CancelOrder, StopLoss, SubmitOrder, TakeProfit
from propdesk.domain.events import OrderAccepted, OrderFilled
from propdesk.domain.orders import OrderClass, OrderSide, OrderStatus, OrderType, TimeInForce
from propdesk.domain.results import RecordSkippedSignal, ResetAccount
from propdesk.engine.engine import Engine
from propdesk.services import Services
from propdesk.store.repositories import trading as store

if TYPE_CHECKING:
    from conftest import MakeUser


async def open_account(client: httpx.AsyncClient, headers: dict[str, str]) -> str:
    response = await client.post(
        "/api/v1/accounts",
        json={"name": "combine", "rule_set": {"name": "topstep-50k"}},
        headers=headers,
    )
    assert response.status_code == 201, response.text
    account_id: str = response.json()["id"]
    return account_id


async def quote(services: Services, symbol: str, bid: str, ask: str) -> None:
    """Publish a tick and wait until the engine has taken it."""
    before = services.engine.stats.ticks
    tick = Tick(symbol, time.time(), Decimal(bid), Decimal(bid), Decimal(ask), Decimal(1))
    await services.bus.publish(Topics.TICKS, tick)
    for _ in range(200):
        if services.engine.stats.ticks > before:
            return
        await asyncio.sleep(0.005)
    raise AssertionError("the engine did not take the tick")


def market(account_id: str, qty: str = "0.1", client_order_id: str | None = None) -> SubmitOrder:
    return SubmitOrder(
        account_id,
        "BTCUSD",
        OrderSide.buy,
        Decimal(qty),
        OrderType.market,
        TimeInForce.gtc,
        client_order_id=client_order_id,
    )


async def test_submit_when_acknowledged_then_the_order_is_in_the_store(
    services: Services, client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    account_id = await open_account(client, (await make_user()).headers)
    await quote(services, "BTCUSD", "100.00", "100.01")

    ack = await services.engine.send(market(account_id, client_order_id="a-1"))

    assert ack.order is not None
    assert ack.order.status is OrderStatus.filled
    assert any(isinstance(e, OrderFilled) for e in ack.events)
    async with services.database.session() as session:
        stored = await store.get_order_by_client_id(session, account_id, "a-1")
        fills = await store.list_executions(
            session,
            account_id,
            symbol=None,
            order_id=None,
            after=None,
            until=None,
            limit=10,
            offset=0,
        )
    assert stored == ack.order
    assert [f.price for f in fills] == [Decimal("100.01")]


async def test_submit_when_retried_then_the_original_comes_back_once(
    services: Services, client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    account_id = await open_account(client, (await make_user()).headers)
    await quote(services, "BTCUSD", "100.00", "100.01")
    command = market(account_id, client_order_id="retry-me")

    first, second = await asyncio.gather(
        services.engine.send(command), services.engine.send(command)
    )

    assert first.order is not None
    assert second.order is not None
    assert first.order.id == second.order.id
    assert [first.replayed, second.replayed] == [False, True]
    positions = services.engine.positions(account_id)
    assert [p.qty for p in positions] == [Decimal("0.1")]


async def test_events_when_committed_then_published_as_one_message_per_commit(
    services: Services, client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    account_id = await open_account(client, (await make_user()).headers)
    await quote(services, "BTCUSD", "100.00", "100.01")
    subscription = services.bus.subscribe(Topics.EVENTS)
    limit = SubmitOrder(
        account_id,
        "BTCUSD",
        OrderSide.buy,
        Decimal("0.01"),
        OrderType.limit,
        TimeInForce.gtc,
        limit_price=Decimal("90"),
    )

    ack = await services.engine.send(limit)

    commit = await asyncio.wait_for(subscription.get(), 1)
    [event] = commit.events
    # (The account opened in the engine when it was created: that commit came before.)
    assert isinstance(event, OrderAccepted)
    assert ack.order is not None
    assert event.order.id == ack.order.id
    assert ack.commit == commit.mark
    subscription.close()


async def test_engine_when_restarted_then_working_orders_and_positions_are_back(
    services: Services, client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    account_id = await open_account(client, (await make_user()).headers)
    await quote(services, "BTCUSD", "100.00", "100.01")
    await services.engine.send(market(account_id))
    working = await services.engine.send(
        SubmitOrder(
            account_id,
            "BTCUSD",
            OrderSide.sell,
            Decimal("0.1"),
            OrderType.limit,
            TimeInForce.gtc,
            limit_price=Decimal("110"),
        )
    )
    assert working.order is not None

    restarted = Engine(services.database, services.catalogue, services.bus)
    await restarted._restore()

    assert restarted.open_orders(account_id) == [working.order]
    assert restarted.positions(account_id) == services.engine.positions(account_id)
    snapshot = restarted.account(account_id)
    assert snapshot is not None
    assert snapshot.ledger == services.engine.broker.account(account_id).ledger  # type: ignore[union-attr]


async def test_engine_when_restarted_then_a_brackets_labels_are_back_on_every_order(
    services: Services, client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    # Arrange: a working bracket entry, its legs held, all labelled by the submission
    account_id = await open_account(client, (await make_user()).headers)
    await quote(services, "BTCUSD", "100.00", "100.01")
    placed = await services.engine.send(
        SubmitOrder(
            account_id, "BTCUSD", OrderSide.buy, Decimal("0.1"), OrderType.limit,
            TimeInForce.gtc, limit_price=Decimal("95"), order_class=OrderClass.bracket,
            take_profit=TakeProfit(Decimal("110")), stop_loss=StopLoss(stop_price=Decimal("90")),
            strategy="orb", tag="opening drive",
        )
    )  # fmt: skip
    assert placed.order is not None
    # Act
    restarted = Engine(services.database, services.catalogue, services.bus)
    await restarted._restore()
    # Assert
    restored = restarted.open_orders(account_id)
    assert restored == services.engine.open_orders(account_id)
    assert [(o.strategy, o.tag) for o in restored] == [("orb", "opening drive")] * 3


async def test_reset_when_sent_then_orders_canceled_positions_gone_balance_restored(
    services: Services, client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    account_id = await open_account(client, (await make_user()).headers)
    await quote(services, "BTCUSD", "100.00", "100.01")
    await services.engine.send(market(account_id))
    working = await services.engine.send(
        SubmitOrder(
            account_id,
            "BTCUSD",
            OrderSide.buy,
            Decimal("0.01"),
            OrderType.limit,
            TimeInForce.gtc,
            limit_price=Decimal("90"),
        )
    )
    assert working.order is not None

    await services.engine.send(ResetAccount(account_id, Decimal(50_000)))

    assert services.engine.open_orders(account_id) == []
    assert services.engine.positions(account_id) == []
    snapshot = services.engine.account(account_id)
    assert snapshot is not None
    assert snapshot.balance == Decimal(50_000)
    cancel = await services.engine.send(CancelOrder(account_id, working.order.id))
    assert cancel.rejected == "ORDER_NOT_CANCELABLE"


@pytest.mark.parametrize("count", [50])
async def test_commands_when_sent_together_then_committed_in_few_batches(
    services: Services, client: httpx.AsyncClient, make_user: MakeUser, count: int
) -> None:
    account_id = await open_account(client, (await make_user()).headers)
    await quote(services, "BTCUSD", "100.00", "100.01")
    batches = services.engine.stats.batches

    acks = await asyncio.gather(
        *(
            services.engine.send(
                SubmitOrder(
                    account_id,
                    "BTCUSD",
                    OrderSide.buy,
                    Decimal("0.001"),
                    OrderType.limit,
                    TimeInForce.gtc,
                    limit_price=Decimal("90"),
                )
            )
            for _ in range(count)
        )
    )

    assert len({a.order.id for a in acks if a.order}) == count
    assert services.engine.stats.batches - batches < count / 5


async def test_restored_order_when_the_market_reaches_it_then_it_fills(
    services: Services, client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    account_id = await open_account(client, (await make_user()).headers)
    await quote(services, "BTCUSD", "100.00", "100.01")
    working = await services.engine.send(
        SubmitOrder(
            account_id, "BTCUSD", OrderSide.buy, Decimal("0.01"), OrderType.limit,
            TimeInForce.gtc, limit_price=Decimal("95"),
        )
    )  # fmt: skip
    assert working.order is not None
    restarted = Engine(services.database, services.catalogue, services.bus)
    await restarted._restore()

    events = restarted.broker.on_tick(
        Tick("BTCUSD", time.time(), Decimal("94"), Decimal("94"), Decimal("94.01"), Decimal(5))
    )

    fills = [e for e in events if isinstance(e, OrderFilled)]
    assert [(f.order.id, f.fill.price) for f in fills] == [(working.order.id, Decimal("95"))]


async def test_account_when_created_then_the_engine_trades_it_at_once(
    services: Services, client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    account_id = await open_account(client, (await make_user()).headers)

    snapshot = services.engine.account(account_id)

    assert snapshot is not None
    assert snapshot.balance == Decimal(50_000)
    assert services.engine.stats.commands >= 1


async def test_stats_when_a_tick_was_applied_then_its_lag_to_the_published_commit(
    services: Services,
) -> None:
    assert services.engine.stats.tick_lag_ms is None

    await quote(services, "BTCUSD", "95000.00", "95000.50")

    lag = services.engine.stats.tick_lag_ms
    assert lag is not None
    assert 0 < lag < 5_000


async def test_record_skipped_signal_when_sent_then_the_note_is_in_the_risk_audit_log(
    client: httpx.AsyncClient, make_user: MakeUser, services: Services
) -> None:
    user = await make_user()
    account_id = await open_account(client, user.headers)

    result = await services.port.send(
        RecordSkippedSignal(account_id, "ma_cross:MNQ:5:0", "the account is locked")
    )

    assert result.rejected is None
    response = await client.get(f"/api/v1/accounts/{account_id}/risk/events", headers=user.headers)
    assert [(e["code"], e["action"], e["reason"]) for e in response.json()] == [
        ("AUTOTRADE_SKIPPED", "notify", "signal ma_cross:MNQ:5:0 not traded: the account is locked")
    ]


async def test_record_skipped_signal_when_the_account_is_unknown_then_nothing_is_written(
    services: Services,
) -> None:
    unknown = "00000000-0000-4000-8000-000000000001"

    result = await services.port.send(RecordSkippedSignal(unknown, "s", "why"))

    assert (result.events, result.rejected) == ((), None)
