"""Snapshots, then updates with a per-topic `seq`; topics shared and reference counted."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import httpx

from propdesk.bus.base import Topics
from propdesk.domain.events import (
    AccountChanged,
    OrderAccepted,
    OrderCanceled,
    OrderFilled,
    PositionChanged,
    TrailingStopMoved,
)
from propdesk.domain.ledger import AccountSnapshot
from propdesk.domain.orders import OrderStatus
from propdesk.services import Services
from propdesk.store.repositories.bars import upsert_bars

from .builders import FakeReader, T, bar_event, fill, ledger, order, position, tick, until
from .test_auth import open_account

if TYPE_CHECKING:
    from conftest import MakeUser

Connect = Any


async def test_bars_when_subscribed_then_forming_bar_then_updates_counted_by_seq(
    ws_connect: Connect, services: Services
) -> None:
    services.bus.publish_nowait(Topics.BARS, bar_event(T, 100))
    await until(lambda: services.live.forming_bar("MNQ") is not None)

    async with ws_connect() as ws:
        subscribed = await ws.request(
            {"type": "bars.subscribe", "symbol": "MNQ", "resolution": "1", "id": 7}
        )
        snapshot = await ws.receive()
        services.bus.publish_nowait(Topics.BARS, bar_event(T, 101))
        services.bus.publish_nowait(Topics.BARS, bar_event(T, 102, closed=True))
        forming, closed = await ws.receive(), await ws.receive()

    assert subscribed == {"type": "subscribed", "id": 7, "topics": ["bars.MNQ.1"]}
    assert snapshot["type"] == "bars.update"
    assert (snapshot["snapshot"], snapshot["seq"], snapshot["bar"]["close"]) == (True, 0, 100)
    assert (forming["seq"], forming["snapshot"], forming["closed"]) == (1, False, False)
    assert (closed["seq"], closed["closed"], closed["bar"]["close"]) == (2, True, 102)
    assert closed["bar"]["ts"] == int(T)


async def test_topic_when_a_second_client_joins_then_its_snapshot_carries_the_shared_seq(
    ws_connect: Connect, services: Services
) -> None:
    subscribe = {"type": "bars.subscribe", "symbol": "MNQ", "resolution": "1"}
    async with ws_connect() as first, ws_connect() as second:
        await first.request(subscribe)
        for close in (100, 101, 102):
            services.bus.publish_nowait(Topics.BARS, bar_event(T, close))
        seen = [(await first.receive())["seq"] for _ in range(3)]

        await second.request(subscribe)
        joined = await second.receive()
        services.bus.publish_nowait(Topics.BARS, bar_event(T, 103))
        after = [await first.receive(), await second.receive()]

    assert seen == [1, 2, 3]
    assert (joined["snapshot"], joined["seq"], joined["bar"]["close"]) == (True, 3, 102)
    assert [m["seq"] for m in after] == [4, 4]
    assert after[0] == after[1]


async def store_three_minutes(services: Services) -> None:
    """15:00–15:02 UTC; 5-minute MNQ buckets start at the 17:00 CT open, so one at 15:00."""
    rows = [
        (int(T), 100.0, 104.0, 99.0, 103.0, 10.0),
        (int(T) + 60, 103.0, 106.0, 102.0, 105.0, 20.0),
        (int(T) + 120, 105.0, 105.5, 98.0, 101.0, 30.0),
    ]
    async with services.database.connect() as connection:
        await upsert_bars(connection, "MNQ", rows, rewrites_history=False)


async def test_bars_above_a_minute_when_the_market_moved_on_then_the_last_bucket_is_closed(
    ws_connect: Connect, services: Services
) -> None:
    await store_three_minutes(services)
    services.bus.publish_nowait(Topics.TICKS, tick("101", T + 600))  # 15:10: a later bucket
    await until(lambda: services.live.quote("MNQ") is not None)

    async with ws_connect() as ws:
        await ws.request({"type": "bars.subscribe", "symbol": "MNQ", "resolution": "5"})
        snapshot = await ws.receive()

    assert (snapshot["bar"]["ts"], snapshot["bar"]["volume"]) == (int(T), 60)
    assert snapshot["closed"] is True


async def test_bars_above_a_minute_when_subscribed_then_the_forming_bucket_is_aggregated(
    ws_connect: Connect, services: Services
) -> None:
    await store_three_minutes(services)
    services.bus.publish_nowait(Topics.TICKS, tick("101", T + 170))  # the market is at 15:02
    await until(lambda: services.live.quote("MNQ") is not None)

    async with ws_connect() as ws:
        await ws.request({"type": "bars.subscribe", "symbol": "MNQ", "resolution": "5"})
        snapshot = await ws.receive()
        services.bus.publish_nowait(Topics.BARS, bar_event(T + 180, 110, volume=5))
        forming = await ws.receive()
        services.bus.publish_nowait(Topics.BARS, bar_event(T + 180, 97, closed=True, volume=6))
        minute_closed = await ws.receive()
        services.bus.publish_nowait(Topics.BARS, bar_event(T + 300, 90, volume=1))
        bucket_closed, next_bucket = await ws.receive(), await ws.receive()

    assert (snapshot["topic"], snapshot["closed"]) == ("bars.MNQ.5", False)
    assert snapshot["bar"] == {
        "ts": int(T),
        "open": 100,
        "high": 106,
        "low": 98,
        "close": 101,
        "volume": 60,
    }
    assert forming["bar"] | {"seq": forming["seq"]} == {
        "ts": int(T),
        "open": 100,
        "high": 111,
        "low": 98,
        "close": 110,
        "volume": 65,
        "seq": 1,
    }
    assert (minute_closed["bar"]["close"], minute_closed["bar"]["low"]) == (97, 96)
    assert (minute_closed["bar"]["volume"], minute_closed["closed"]) == (66, False)
    assert (bucket_closed["closed"], bucket_closed["bar"]["ts"], bucket_closed["seq"]) == (
        True,
        int(T),
        3,
    )
    assert bucket_closed["bar"]["volume"] == 66
    assert next_bucket["bar"] == {
        "ts": int(T) + 300,
        "open": 90,
        "high": 91,
        "low": 89,
        "close": 90,
        "volume": 1,
    }
    assert (next_bucket["seq"], next_bucket["closed"]) == (4, False)


async def test_quotes_when_ticks_arrive_then_updates_carry_the_day_and_joiners_get_the_last(
    ws_connect: Connect, services: Services
) -> None:
    async with ws_connect() as first, ws_connect() as second:
        await first.request({"type": "quotes.subscribe", "symbols": ["mnq", "ES"]})
        services.bus.publish_nowait(Topics.TICKS, tick("21000", T, size="2"))
        services.bus.publish_nowait(Topics.TICKS, tick("21010.5", T + 1, size="3"))
        one, two = await first.receive(), await first.receive()
        await second.request({"type": "quotes.subscribe", "symbols": ["MNQ"]})
        joined = await second.receive()

    assert (one["topic"], one["seq"], two["seq"]) == ("quotes.MNQ", 1, 2)
    assert two["quote"]["last"] == 21010.5
    assert (two["quote"]["bid"], two["quote"]["ask"]) == (21010.25, 21010.75)
    assert (two["quote"]["open"], two["quote"]["high"], two["quote"]["volume"]) == (
        21000,
        21010.5,
        5,
    )
    assert joined["snapshot"] is True
    assert (joined["seq"], joined["quote"]) == (2, two["quote"])


async def test_topics_when_shared_then_one_bus_subscription_released_at_the_last_leave(
    ws_connect: Connect, services: Services
) -> None:
    hub, bus = services.hub, services.bus
    before = bus.subscriber_count(Topics.BARS), bus.subscriber_count(Topics.TICKS)
    bars = {"type": "bars.subscribe", "symbol": "MNQ", "resolution": "1"}

    async with ws_connect() as first:
        async with ws_connect() as second:
            for ws in (first, second):
                await ws.request(bars)
                await ws.request({"type": "bars.subscribe", "symbol": "ES", "resolution": "5"})
                await ws.request({"type": "quotes.subscribe", "symbols": ["MNQ", "ES", "NQ"]})
            topic = hub.topic("bars.MNQ.1")
            assert topic is not None
            assert (topic.holders, len(topic.members)) == (2, 2)
            assert bus.subscriber_count(Topics.BARS) == before[0] + 1
            assert bus.subscriber_count(Topics.TICKS) == before[1] + 1
            assert hub.upstream_topics == [Topics.BARS, Topics.TICKS]
        await until(lambda: len(hub.connections) == 1)
        assert topic.holders == 1
        unsubscribed = await first.request({**bars, "type": "bars.unsubscribe", "id": "u"})
        assert unsubscribed == {"type": "unsubscribed", "id": "u", "topics": ["bars.MNQ.1"]}
        assert "bars.MNQ.1" not in hub.topic_names
        assert bus.subscriber_count(Topics.BARS) == before[0] + 1  # bars.ES.5 still needs it

    await until(lambda: not hub.connections)
    assert hub.topic_names == []
    assert hub.upstream_topics == []
    assert (bus.subscriber_count(Topics.BARS), bus.subscriber_count(Topics.TICKS)) == before


async def test_unsubscribe_when_done_then_no_more_updates(
    ws_connect: Connect, services: Services
) -> None:
    async with ws_connect() as ws:
        await ws.request({"type": "quotes.subscribe", "symbols": ["MNQ"]})
        await ws.request({"type": "quotes.unsubscribe", "symbols": ["MNQ"]})
        services.bus.publish_nowait(Topics.TICKS, tick("21000"))
        await ws.silent()
        again = await ws.request({"type": "quotes.unsubscribe", "symbols": ["MNQ"], "id": 2})

    assert again == {"type": "unsubscribed", "id": 2, "topics": ["quotes.MNQ"]}


async def test_account_topics_when_events_are_published_then_snapshot_then_mapped_updates(
    ws_connect: Connect, services: Services, make_user: MakeUser, client: httpx.AsyncClient
) -> None:
    user = await make_user()
    account = await open_account(client, user.headers)
    resting = order(account, 1)
    reader = FakeReader(
        orders={account: [resting]},
        positions_of={account: [position(account, "0"), position(account, "-2")]},
        accounts={account: AccountSnapshot(ledger(account), Decimal(15), Decimal(2400), ())},
    )
    services.hub.sources = replace(services.hub.sources, reader=reader)
    topic = Topics.account(account)

    async with ws_connect(user.access_token) as ws:
        snapshots = {}
        for kind in ("orders", "executions", "positions", "account", "risk"):
            reply = await ws.request({"type": f"{kind}.subscribe", "account_id": account})
            assert reply["type"] == "subscribed", reply
            if kind != "risk":  # nothing produces risk yet: no state, no snapshot
                snapshots[kind] = await ws.receive()

        placed = order(account, 2, type="market", limit_price=None)
        partial = placed.evolve(
            status=OrderStatus.partially_filled, filled_qty=Decimal(1), filled_value=Decimal(21000)
        )
        for event in (
            OrderAccepted(placed, T),
            OrderFilled(partial, T + 1, fill(partial), partial=True),
            TrailingStopMoved(resting, T + 2),
            OrderCanceled(resting.evolve(status=OrderStatus.canceled, canceled_at=T + 3), T + 3),
            PositionChanged(position(account, "1"), T + 1),
            AccountChanged(ledger(account, "12.5"), T + 1),
        ):
            reader.events.publish_nowait(topic, event)
        updates = [await ws.receive() for _ in range(7)]

    assert snapshots["orders"]["orders"][0]["id"] == "o-1"
    assert (snapshots["orders"]["event"], snapshots["orders"]["seq"]) == (None, 0)
    assert snapshots["executions"]["executions"] == []
    assert [p["qty"] for p in snapshots["positions"]["positions"]] == [-2]  # open ones only
    assert snapshots["positions"]["positions"][0]["side"] == "short"
    assert snapshots["positions"]["positions"][0]["cost_basis"] == -84001.0  # MNQ: $2/point
    figures = snapshots["account"]["account"]
    assert (figures["balance"], figures["equity"], figures["buying_power"]) == (50000, 50015, 47615)
    assert all(s["snapshot"] for s in snapshots.values())

    by_type: dict[str, list[dict[str, Any]]] = {}
    for update in updates:
        by_type.setdefault(update["type"], []).append(update)
    orders = by_type["orders.update"]
    assert [(u["event"], u["seq"]) for u in orders] == [
        ("new", 1),
        ("partial_fill", 2),
        ("trailing_stop_moved", 3),
        ("canceled", 4),
    ]
    assert orders[1]["orders"][0]["filled_qty"] == 1
    assert orders[1]["execution"]["type"] == "partial_fill"
    assert (orders[3]["reason"], orders[3]["orders"][0]["status"]) == ("requested", "canceled")
    [execution] = by_type["executions.update"]
    assert execution["seq"] == 1
    done = execution["executions"][0]
    assert (done["qty"], done["price"], done["cum_qty"], done["leaves_qty"]) == (1, 21000.25, 1, 1)
    [moved] = by_type["positions.update"]
    assert (moved["seq"], moved["positions"][0]["qty"]) == (1, 1)
    [money] = by_type["account.update"]
    assert (money["seq"], money["account"]["realized_pl"]) == (1, 12.5)
    assert money["account"]["equity"] == 50_012.5 + 15


async def test_account_topics_when_no_engine_reader_then_empty_snapshots(
    ws_connect: Connect, services: Services, make_user: MakeUser, client: httpx.AsyncClient
) -> None:
    user = await make_user()
    account = await open_account(client, user.headers)
    services.hub.sources = replace(services.hub.sources, reader=None)

    async with ws_connect(user.access_token) as ws:
        await ws.request({"type": "orders.subscribe", "account_id": account})
        orders = await ws.receive()
        await ws.request({"type": "account.subscribe", "account_id": account})
        await ws.silent()

    assert (orders["snapshot"], orders["orders"]) == (True, [])


async def test_subscribe_when_repeated_then_the_snapshot_is_sent_again(
    ws_connect: Connect, services: Services
) -> None:
    services.bus.publish_nowait(Topics.TICKS, tick("21000"))
    await until(lambda: services.live.quote("MNQ") is not None)

    async with ws_connect() as ws:
        subscribe = {"type": "quotes.subscribe", "symbols": ["MNQ"]}
        await ws.request(subscribe)
        first = await ws.receive()
        await ws.request(subscribe)
        second = await ws.receive()

    assert first == second
    assert first["snapshot"] is True


async def test_subscribe_when_the_symbol_is_unknown_then_error_and_nothing_held(
    ws_connect: Connect, services: Services
) -> None:
    async with ws_connect() as ws:
        reply = await ws.request({"type": "quotes.subscribe", "symbols": ["MNQ", "NOPE"], "id": 1})

    assert (reply["type"], reply["code"], reply["id"]) == ("error", "UNKNOWN_SYMBOL", 1)
    assert services.hub.topic_names == []


class BrokenCache:
    async def bars(self, symbol: str) -> object:
        raise ConnectionError("the database is down")


async def test_subscribe_when_the_snapshot_cannot_be_read_then_unavailable_and_retry_works(
    ws_connect: Connect, services: Services
) -> None:
    working = services.hub.sources
    services.hub.sources = replace(working, bars=BrokenCache())  # type: ignore[arg-type]
    subscribe = {"type": "bars.subscribe", "symbol": "ES", "resolution": "15", "id": 1}

    async with ws_connect() as ws:
        refused = await ws.request(subscribe)
        left = services.hub.topic_names, services.hub.upstream_topics
        services.hub.sources = working
        accepted = await ws.request(subscribe)

    assert (refused["type"], refused["code"], refused["id"]) == ("error", "UNAVAILABLE", 1)
    assert left == ([], [])
    assert accepted["type"] == "subscribed"
