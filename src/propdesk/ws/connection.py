"""One client's outbound side: a bounded queue and the one task that writes to its socket.

Fan-out only appends to the queue (never awaits a socket), so a slow client delays nobody
else. A client whose queue overflows is closed with 1013: it has missed updates anyway, and
reconnecting gives it fresh snapshots.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Callable
from enum import IntEnum
from typing import Protocol

import structlog

log = structlog.get_logger(__name__)

CLOSE_TIMEOUT = 5.0
"""Seconds a close (with its last messages) may take before the socket is abandoned."""
MAX_REASON_BYTES = 123
"""What a close frame can carry (RFC 6455 §5.5: 125 bytes, two of them the code)."""


def close_reason(text: str) -> str:
    """`text`, cut to what a close frame can carry."""
    encoded = text.encode()
    if len(encoded) <= MAX_REASON_BYTES:
        return text
    return encoded[: MAX_REASON_BYTES - 3].decode(errors="ignore") + "..."


class CloseCode(IntEnum):
    normal = 1000
    going_away = 1001
    policy_violation = 1008
    """Bad credentials."""
    internal_error = 1011
    try_again_later = 1013
    """Too slow: the client's queue overflowed."""


class Transport(Protocol):
    """What the connection needs of a socket (Starlette's WebSocket has exactly this)."""

    async def send_text(self, data: str) -> None: ...

    async def close(self, code: int, reason: str) -> None: ...


class Connection:
    def __init__(
        self,
        transport: Transport,
        *,
        queue_size: int,
        on_closed: Callable[[Connection], None],
        name: str = "",
    ) -> None:
        self.transport = transport
        self.queue_size = queue_size
        self.name = name
        self.sent = 0
        self.closing = False
        self.close_code: int | None = None
        self.close_reason = ""
        self._queue: deque[str] = deque()
        self._loop = asyncio.get_running_loop()
        self._idle: asyncio.Future[None] | None = None
        """Set while the writer waits for a message (a bare future: fan-out wakes thousands
        of writers per update, and an Event costs twice as much)."""
        self._done = asyncio.Event()
        self._on_closed: Callable[[Connection], None] | None = on_closed
        self._closer: asyncio.Task[None] | None = None
        self._writer = asyncio.create_task(self._write(), name=f"propdesk-ws-writer{name}")

    @property
    def pending(self) -> int:
        return len(self._queue)

    def offer(self, text: str) -> None:
        """Queue a message; never waits. Overflowing the queue closes the connection (1013)."""
        if self.closing:
            return
        if len(self._queue) >= self.queue_size:
            self._abandon(
                CloseCode.try_again_later,
                f"too slow: {self.queue_size} messages were waiting; reconnect to resubscribe",
            )
            return
        self._queue.append(text)
        self._wake()

    def close(self, code: int, reason: str = "", *, timeout: float = CLOSE_TIMEOUT) -> None:
        """Send what is queued, then close with `code`, within `timeout` seconds."""
        if self.closing:
            return
        self._begin_close(code, reason)
        self._wake()
        self._closer = asyncio.create_task(self._finish(flush=True, grace=timeout))

    def peer_gone(self) -> None:
        """The client disconnected: stop at once, nothing more can be sent."""
        if self.closing:
            return
        self._begin_close(None, "")
        self._writer.cancel()
        self._closer = asyncio.create_task(self._finish(flush=False))

    async def wait_closed(self) -> None:
        await self._done.wait()

    def _wake(self) -> None:
        idle, self._idle = self._idle, None
        if idle is not None and not idle.done():
            idle.set_result(None)

    def _abandon(self, code: int, reason: str) -> None:
        # The writer may be stuck in a send to this very socket: cancel it and drop the
        # queue, then try to say why.
        log.info("websocket client too slow", connection=self.name, queued=len(self._queue))
        self._begin_close(code, reason)
        self._queue.clear()
        self._writer.cancel()
        self._closer = asyncio.create_task(self._finish(flush=False))

    def _begin_close(self, code: int | None, reason: str) -> None:
        self.closing = True
        self.close_code = code
        self.close_reason = close_reason(reason)
        callback, self._on_closed = self._on_closed, None
        if callback is not None:
            # Not now: the caller may be iterating over the subscribers this changes.
            self._loop.call_soon(callback, self)

    async def _write(self) -> None:
        try:
            while True:
                while self._queue:
                    await self.transport.send_text(self._queue.popleft())
                    self.sent += 1
                if self.closing:
                    return
                self._idle = self._loop.create_future()
                await self._idle
        except asyncio.CancelledError:
            raise
        except Exception as error:  # the socket is gone (disconnect, reset): nothing to do
            log.debug("websocket send failed", connection=self.name, error=repr(error))
            self._queue.clear()
            self.close_code = None
            if not self.closing:
                self._begin_close(None, "")
                self._closer = asyncio.create_task(self._finish(flush=False))

    async def _finish(self, *, flush: bool, grace: float = CLOSE_TIMEOUT) -> None:
        try:
            if flush:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(asyncio.shield(self._writer), grace)
            self._writer.cancel()
            await asyncio.gather(self._writer, return_exceptions=True)
            if self.close_code is not None:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(
                        self.transport.close(self.close_code, self.close_reason), grace
                    )
        finally:
            self._done.set()
