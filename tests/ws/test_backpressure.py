"""A slow client is closed with 1013 once its queue overflows; the others never wait for it."""

from __future__ import annotations

import asyncio
import socket
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import orjson
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from propdesk.bus.base import Topics
from propdesk.domain.strategies import Direction
from propdesk.services import Services
from propdesk.ws.payloads import SignalPayload
from propdesk.ws.protocol import SubscribedMessage
from propdesk.ws.topics import SIGNALS_BUS_TOPIC, Kind, TopicKey

from .builders import T, bar_event, until

Connect = Any
BARS = TopicKey(Kind.bars, "MNQ", "1")


class Socket:
    """A fake socket; a stalled one never finishes a send (a client that stopped reading)."""

    def __init__(self, *, stalled: bool = False) -> None:
        self.stalled = stalled
        self.sent: list[dict[str, Any]] = []
        self.closed: tuple[int, str] | None = None
        self.gate = asyncio.Event()

    async def send_text(self, data: str) -> None:
        if self.stalled:
            await self.gate.wait()
        self.sent.append(orjson.loads(data))

    async def close(self, code: int, reason: str) -> None:
        self.closed = (code, reason)


@pytest.mark.settings(ws_queue_size=8)
async def test_slow_client_when_its_queue_overflows_then_closed_1013_and_others_get_everything(
    services: Services,
) -> None:
    hub = services.hub
    slow, fast = Socket(stalled=True), Socket()
    slow_connection, fast_connection = hub.connect(slow), hub.connect(fast)
    for connection in (slow_connection, fast_connection):
        await hub.subscribe(connection, [BARS], ack=SubscribedMessage(topics=[BARS.name]))

    for i in range(40):
        services.bus.publish_nowait(Topics.BARS, bar_event(T, 100 + i))
        await asyncio.sleep(0)
    await until(lambda: len(fast.sent) == 41)

    await asyncio.wait_for(slow_connection.wait_closed(), 2)
    assert slow.closed is not None
    assert slow.closed[0] == 1013
    assert "too slow" in slow.closed[1]
    assert slow_connection not in hub.connections
    topic = hub.topic(BARS.name)
    assert topic is not None
    assert topic.members == {fast_connection}
    updates = [m["seq"] for m in fast.sent if m["type"] == "bars.update"]
    assert updates == list(range(1, 41))
    assert slow.sent == []  # its one send never finished


@pytest.mark.settings(ws_queue_size=8)
async def test_fan_out_when_a_client_is_stalled_then_publishing_never_waits_for_it(
    services: Services,
) -> None:
    hub = services.hub
    stalled = [Socket(stalled=True) for _ in range(50)]
    fast = Socket()
    connections = [hub.connect(s) for s in (*stalled, fast)]
    for connection in connections:
        await hub.subscribe(connection, [BARS], ack=SubscribedMessage(topics=[BARS.name]))
    topic = hub.topic(BARS.name)
    assert topic is not None

    for i in range(5):  # within the queue: nobody is dropped, nobody is waited for
        topic.deliver(bar_event(T, 100 + i))

    assert all(c.pending >= 4 for c in connections[:-1])
    await until(lambda: len(fast.sent) == 6)
    assert not any(c.closing for c in connections)
    for stuck in stalled:
        stuck.gate.set()


async def read_until_closed(ws: ClientConnection) -> None:
    while True:
        await asyncio.wait_for(ws.recv(), 10)


@pytest.mark.slow
@pytest.mark.settings(ws_queue_size=16)
async def test_slow_socket_when_it_stops_reading_then_1013_while_a_fast_one_keeps_receiving(
    ws_url: str, services: Services
) -> None:
    subscribe = orjson.dumps({"type": "signals.subscribe", "symbol": "MNQ"}).decode()
    # Big messages and a small receive buffer: a client that stops reading stalls soon.
    padding = "x" * 8192
    raw = socket.socket()
    raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    raw.connect(("127.0.0.1", int(ws_url.split(":")[2].split("/")[0])))
    async with (
        connect(ws_url, sock=raw, max_queue=1, max_size=None) as slow,
        connect(ws_url, max_size=None) as fast,
    ):
        for ws in (slow, fast):
            await ws.recv()  # connected
            await ws.send(subscribe)
            await ws.recv()  # subscribed
        received: list[int] = []

        async def read_fast() -> None:
            async for frame in fast:
                message = orjson.loads(frame)
                if message["type"] == "signals.update":
                    received.append(message["seq"])

        reader = asyncio.create_task(read_fast())
        sent = 0
        while len(services.hub.connections) == 2:
            signal = SignalPayload(
                id=padding,
                symbol="MNQ",
                resolution="5",
                strategy="s",
                direction=Direction.long,
                entry=Decimal(100),
                stop=Decimal(99),
                target=Decimal(102),
                regime=None,
                confidence=0.5,
                created_at=datetime.fromtimestamp(T, UTC),
                expires_at=datetime.fromtimestamp(T + 900, UTC),
            )
            services.bus.publish_nowait(SIGNALS_BUS_TOPIC, signal)
            sent += 1
            await asyncio.sleep(0)
            assert sent < 20_000, "the slow client was never dropped"
        await until(lambda: len(received) == sent, within=10)
        reader.cancel()

        assert received == list(range(1, sent + 1))
        with pytest.raises(ConnectionClosed) as closed:
            await read_until_closed(slow)
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 1013
    assert "too slow" in closed.value.rcvd.reason
