"""The bus contract every implementation (memory, Redis) honours.

Two things cross it: published messages (events, market data), fanned out to every
subscriber and lossy for one that falls behind; and requests (commands) on a channel with one
handler, each answered once. A handler drains its channel in batches, a subscriber its topic:
what the engine needs of a bus is all here, so that it runs on any implementation.
"""

from __future__ import annotations

import zlib
from collections.abc import AsyncIterator
from typing import Any, Protocol


class Subscription(Protocol):
    """Messages of one topic in publication order; iterate, then close (or use `async with`)."""

    def __aiter__(self) -> AsyncIterator[Any]: ...

    async def get(self) -> Any: ...

    def get_nowait(self) -> Any:
        """The next message already received; raises `asyncio.QueueEmpty` when there is none."""
        ...

    def pending(self) -> int:
        """Messages received and not taken yet."""
        ...

    def close(self) -> None: ...

    @property
    def dropped(self) -> int:
        """Messages lost because this subscriber fell behind its bounded queue."""
        ...


class Request(Protocol):
    """A command on its way to its one handler; `reply` resolves the caller's await."""

    @property
    def message(self) -> Any: ...

    def reply(self, result: Any) -> None: ...

    def fail(self, error: BaseException) -> None:
        """Answer with an error: an `UnavailableError` reaches the caller as one (retry);
        any other is a bug and reaches the caller as a `HandlerFailedError`."""
        ...


class RequestChannel(Protocol):
    """The handler's side of a channel: requests in arrival order, drained in batches."""

    async def get(self) -> Request: ...

    def get_nowait(self) -> Request:
        """The next request already received; raises `asyncio.QueueEmpty` when there is none."""
        ...

    def pending(self) -> int: ...

    def close(self) -> None:
        """Stop serving: requests not taken yet fail with `NoHandlerError`."""
        ...


class Bus(Protocol):
    async def publish(self, topic: str, message: Any) -> None: ...

    def publish_nowait(self, topic: str, message: Any) -> None:
        """Publish without waiting: messages keep their order per topic, and the publisher
        never blocks (a remote bus sends them in the background, in batches)."""
        ...

    def subscribe(self, topic: str, *, maxsize: int = 10_000) -> Subscription: ...

    async def request(self, channel: str, message: Any, *, deadline: float = 10.0) -> Any:
        """Send a command to the channel's handler and wait for its reply."""
        ...

    def channel(self, channel: str) -> RequestChannel:
        """Serve the channel (one handler per channel)."""
        ...

    async def close(self) -> None: ...


class BusTimeoutError(TimeoutError):
    """No reply in time; the command may or may not have been applied (retry idempotently)."""


class NoHandlerError(RuntimeError):
    """Nobody serves the channel (the engine is not running)."""


class UnavailableError(RuntimeError):
    """The handler could not serve the request now (the engine could not make it durable):
    nothing of it was applied, and the caller may retry."""


class HandlerFailedError(RuntimeError):
    """The handler failed on the request with a bug; its message names the error."""


def shard_of(account_id: str, shards: int) -> int:
    """The engine shard that owns an account: stable across processes and restarts."""
    if shards <= 1:
        return 0
    return zlib.crc32(account_id.encode()) % shards


class Topics:
    """Topic names used across the process boundary."""

    TICKS = "market.ticks"
    """Every tick of every symbol (domain `Tick`)."""
    BARS = "market.bars"
    """The forming one-minute bar after every tick, and each bar as it closes (`BarEvent`)."""
    EVENTS = "engine.events"
    """What each commit made durable: a tuple of domain `Event`s, in order, per commit."""
    SIGNALS = "signals.domain"
    """Every signal a strategy proposes (domain `Signal`), as the signals runtime emits it."""

    @staticmethod
    def commands(shard: int) -> str:
        """Request/reply channel of one engine shard's commands; the reply is its result."""
        return f"engine.commands.{shard}"

    @staticmethod
    def account(account_id: str) -> str:
        """The committed events of one account, as a gateway's read model fans them out to
        its own subscribers (the WebSocket's account topics)."""
        return f"engine.account.{account_id}"
