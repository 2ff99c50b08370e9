"""Malformed messages get an `error` and the connection survives; ping, heartbeat."""

from __future__ import annotations

from typing import Any

import pytest

Connect = Any


@pytest.mark.parametrize(
    ("frame", "code", "reason"),
    [
        ("not json", "INVALID_JSON", "one JSON object"),
        ("[1, 2]", "INVALID_JSON", "one JSON object"),
        (b"\xff\xfe", "INVALID_JSON", "one JSON object"),
        ({"symbol": "MNQ"}, "UNKNOWN_TYPE", "needs a `type`"),
        ({"type": "orders.place", "id": 5}, "UNKNOWN_TYPE", "'orders.place'"),
        ({"type": "bars.subscribe", "symbol": "MNQ", "id": 6}, "INVALID_MESSAGE", "resolution"),
        ({"type": "quotes.subscribe", "symbols": "MNQ"}, "INVALID_MESSAGE", "symbols"),
        ({"type": "ping", "id": 1, "surprise": True}, "INVALID_MESSAGE", "surprise"),
        ({"type": "orders.subscribe", "account_id": "x"}, "INVALID_MESSAGE", "account_id"),
    ],
)
async def test_message_when_malformed_then_error_and_the_connection_survives(
    ws_connect: Connect, frame: Any, code: str, reason: str
) -> None:
    async with ws_connect() as ws:
        error = await ws.request(frame)
        pong = await ws.request({"type": "ping", "id": "after"})

    assert (error["type"], error["code"]) == ("error", code)
    assert reason in error["reason"]
    if isinstance(frame, dict) and "id" in frame:
        assert error["id"] == frame["id"]
    assert (pong["type"], pong["id"]) == ("pong", "after")


@pytest.mark.settings(ws_max_message_bytes=256)
async def test_message_when_larger_than_the_limit_then_error_and_the_connection_survives(
    ws_connect: Connect,
) -> None:
    async with ws_connect() as ws:
        error = await ws.request({"type": "ping", "id": "x" * 300})
        binary = await ws.request(b'{"type": "ping", "id": "' + b"y" * 300 + b'"}')
        pong = await ws.request({"type": "ping", "id": "x" * 100})

    assert (error["code"], binary["code"]) == ("MESSAGE_TOO_LARGE", "MESSAGE_TOO_LARGE")
    assert "256 bytes" in error["reason"]
    assert pong["type"] == "pong"


async def test_ping_when_sent_then_pong_echoes_its_id(ws_connect: Connect) -> None:
    async with ws_connect() as ws:
        pong = await ws.request({"type": "ping", "id": 42})

    assert pong["id"] == 42
    assert pong["time"].endswith("Z")


@pytest.mark.settings(ws_heartbeat_seconds=0.05)
async def test_heartbeat_when_idle_then_arrives_at_the_configured_interval(
    ws_connect: Connect,
) -> None:
    async with ws_connect(read_connected=False) as ws:
        connected = await ws.receive()
        beats = [await ws.receive(within=1, heartbeats=True) for _ in range(3)]

    assert connected["heartbeat_seconds"] == 0.05
    assert [b["type"] for b in beats] == ["heartbeat"] * 3
    assert beats[0]["time"] < beats[1]["time"] < beats[2]["time"]
