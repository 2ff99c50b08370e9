"""WebSocket fixtures: the test's app served by a real uvicorn server in the test's own event
loop (so a test can publish on the app's bus and read its hub), and a small JSON client."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import orjson
import pytest
import uvicorn
from fastapi import FastAPI
from websockets.asyncio.client import ClientConnection, connect

from propdesk.config import Settings

RECEIVE_TIMEOUT = 5.0


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "settings(**overrides): settings of the test's app (tests/ws only)"
    )


@pytest.fixture
def settings(request: pytest.FixtureRequest, make_settings: Callable[..., Settings]) -> Settings:
    marker = request.node.get_closest_marker("settings")
    return make_settings(**(marker.kwargs if marker else {}))


@pytest.fixture
async def ws_url(app: FastAPI) -> AsyncIterator[str]:
    """`ws://…/api/v1/ws` of the test's app (its lifespan already ran: `app`)."""
    config = uvicorn.Config(
        app, host="127.0.0.1", port=0, lifespan="off", log_level="warning", access_log=False
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    for _ in range(1000):
        if server.started or task.done():
            break
        await asyncio.sleep(0.005)
    if not server.started:
        task.result()
        raise RuntimeError("uvicorn did not start")
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"ws://127.0.0.1:{port}/api/v1/ws"
    server.should_exit = True
    await asyncio.wait_for(task, 10)


class Client:
    """A WebSocket speaking JSON, with a receive that skips heartbeats and fails on silence."""

    def __init__(self, socket: ClientConnection) -> None:
        self.socket = socket

    async def send(self, message: dict[str, Any] | str | bytes) -> None:
        if isinstance(message, dict):
            message = orjson.dumps(message).decode()
        await self.socket.send(message)

    async def receive(
        self, *, within: float = RECEIVE_TIMEOUT, heartbeats: bool = False
    ) -> dict[str, Any]:
        while True:
            raw = await asyncio.wait_for(self.socket.recv(), within)
            message: dict[str, Any] = orjson.loads(raw)
            if heartbeats or message["type"] != "heartbeat":
                return message

    async def expect(self, kind: str, **fields: Any) -> dict[str, Any]:
        message = await self.receive()
        assert message["type"] == kind, message
        for name, value in fields.items():
            assert message[name] == value, (name, message)
        return message

    async def request(self, message: dict[str, Any]) -> dict[str, Any]:
        await self.send(message)
        return await self.receive()

    async def silent(self, seconds: float = 0.2) -> None:
        """Nothing but heartbeats arrives for a while."""
        try:
            message = await self.receive(within=seconds)
        except TimeoutError:
            return
        raise AssertionError(f"unexpected message {message}")


Connect = Callable[..., Any]


@pytest.fixture
def ws_connect(ws_url: str) -> Callable[..., Any]:
    """`async with ws_connect(token=…) as client:`; `connected` is read already."""

    @asynccontextmanager
    async def open_client(
        token: str | None = None, *, read_connected: bool = True, **options: Any
    ) -> AsyncIterator[Client]:
        url = ws_url if token is None else f"{ws_url}?token={token}"
        async with connect(url, open_timeout=10, close_timeout=2, **options) as socket:
            client = Client(socket)
            if read_connected:
                await client.expect("connected")
            yield client

    return open_client
