"""The Python client: backoff with jitter, resubscription after a reconnect, gap reports."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import httpx
import pytest

from propdesk.bus.base import Topics
from propdesk.client import (
    AuthenticationFailedError,
    Gap,
    SequenceTracker,
    StreamClient,
    backoff,
)
from propdesk.services import Services
from propdesk.ws.protocol import (
    BarsSubscribeMessage,
    BarsUpdateMessage,
    ConnectedMessage,
    OrdersSubscribeMessage,
    OrdersUpdateMessage,
    QuotesSubscribeMessage,
    QuotesUnsubscribeMessage,
    SubscribedMessage,
)

from .builders import T, bar_event, until
from .test_auth import open_account

if TYPE_CHECKING:
    from conftest import MakeUser


def update(topic: str, seq: int, *, snapshot: bool = False) -> BarsUpdateMessage:
    return BarsUpdateMessage.model_validate(
        {
            "topic": topic,
            "seq": seq,
            "snapshot": snapshot,
            "symbol": "MNQ",
            "resolution": "1",
            "bar": {"ts": 0, "open": 1, "high": 1, "low": 1, "close": 1, "volume": 1},
            "closed": False,
        }
    )


def test_tracker_when_seq_skips_then_reports_the_gap() -> None:
    tracker = SequenceTracker()

    seen = [
        tracker.observe(update("a", 4, snapshot=True)),
        tracker.observe(update("a", 5)),
        tracker.observe(update("b", 9)),
        tracker.observe(update("a", 8)),
        tracker.observe(update("a", 2, snapshot=True)),
        tracker.observe(update("a", 3)),
    ]

    assert seen == [None, None, None, Gap("a", 6, 8), None, None]
    assert tracker.disconnected() == [Gap("a", 4, None), Gap("b", 10, None)]
    assert tracker.last == {}


def test_backoff_when_attempts_grow_then_doubles_up_to_the_cap_with_jitter() -> None:
    low = [backoff(n, 0.5, 30, lambda: 0.0) for n in range(10)]
    high = [backoff(n, 0.5, 30, lambda: 1.0) for n in range(10)]

    assert low[:4] == [0.25, 0.5, 1.0, 2.0]
    assert high[:4] == [0.5, 1.0, 2.0, 4.0]
    assert max(high) == 30
    assert max(low) == 15
    assert backoff(10_000, 0.5, 30, lambda: 0.5) == 22.5


async def test_client_when_the_server_drops_it_then_reconnects_resubscribes_and_reports(
    ws_url: str, services: Services
) -> None:
    gaps: list[Gap] = []
    stream = StreamClient(ws_url, on_gap=gaps.append, initial_backoff=0.01, max_backoff=0.05)
    await stream.subscribe(BarsSubscribeMessage(symbol="MNQ", resolution="1"))
    await stream.subscribe(QuotesSubscribeMessage(symbols=["ES", "NQ"]))
    await stream.unsubscribe(QuotesUnsubscribeMessage(symbols=["NQ"]))
    received: list[object] = []

    async def consume() -> None:
        async for message in stream:
            received.append(message)

    task = asyncio.create_task(consume())
    try:
        await until(lambda: len(services.hub.connections) == 1)
        await until(lambda: "bars.MNQ.1" in services.hub.topic_names)
        services.bus.publish_nowait(Topics.BARS, bar_event(T, 100))
        await until(lambda: any(isinstance(m, BarsUpdateMessage) for m in received))
        [connection] = services.hub.connections

        connection.close(1013, "too slow")  # as the hub does to a client that fell behind
        await until(lambda: stream.connects == 2 and len(services.hub.connections) == 1)
        await until(lambda: sum(isinstance(m, SubscribedMessage) for m in received) == 4)
        await until(lambda: isinstance(received[-2], BarsUpdateMessage))
    finally:
        await stream.close()
        await asyncio.wait_for(task, 5)

    assert gaps == [Gap("bars.MNQ.1", 2, None)]
    subscribed = [m.topics for m in received if isinstance(m, SubscribedMessage)]
    # Subscribed before connecting: only what is still wanted is sent, each time.
    assert subscribed == [["bars.MNQ.1"], ["quotes.ES"]] * 2
    resynced = received[-2]  # after its `subscribed`, before the quotes' (ES has no quote yet)
    assert isinstance(resynced, BarsUpdateMessage)
    assert resynced.snapshot is True


async def test_client_when_given_a_token_then_signs_in_by_message_and_reads_its_account(
    ws_url: str, make_user: MakeUser, client: httpx.AsyncClient
) -> None:
    user = await make_user()
    account = await open_account(client, user.headers)
    stream = StreamClient(ws_url, token=user.access_token)
    await stream.subscribe(OrdersSubscribeMessage(account_id=account))  # type: ignore[arg-type]
    received: list[object] = []

    async for message in stream:
        received.append(message)
        if isinstance(message, OrdersUpdateMessage):
            break
    await stream.close()

    connected = [m for m in received if isinstance(m, ConnectedMessage)]
    assert [c.authenticated for c in connected] == [False, True]
    assert isinstance(received[-1], OrdersUpdateMessage)
    assert received[-1].snapshot is True


async def test_client_when_the_token_is_refused_then_raises_instead_of_retrying(
    ws_url: str,
) -> None:
    stream = StreamClient(ws_url, token="pd_0123456789ab_nope", initial_backoff=0.01)

    with pytest.raises(AuthenticationFailedError, match="invalid"):
        async for _ in stream:
            pass

    assert stream.connects == 1
