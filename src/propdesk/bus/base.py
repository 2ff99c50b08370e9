"""The bus contract every implementation (memory, Redis) honours."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, Protocol


class Subscription(Protocol):
    """Messages of one topic in publication order; iterate, then close (or use `async with`)."""

    def __aiter__(self) -> AsyncIterator[Any]: ...

    async def get(self) -> Any: ...

    def close(self) -> None: ...

    @property
    def dropped(self) -> int:
        """Messages lost because this subscriber fell behind its bounded queue."""
        ...


class Request(Protocol):
    """A command on its way to its one handler; `reply` resolves the caller's await."""

    message: Any

    def reply(self, result: Any) -> None: ...

    def fail(self, error: BaseException) -> None: ...


class Bus(Protocol):
    async def publish(self, topic: str, message: Any) -> None: ...

    def subscribe(self, topic: str, *, maxsize: int = 10_000) -> Subscription: ...

    async def request(self, channel: str, message: Any, *, deadline: float = 10.0) -> Any:
        """Send a command to the channel's handler and wait for its reply."""
        ...

    def serve(self, channel: str) -> AsyncIterator[Request]:
        """Receive the channel's commands (one handler per channel)."""
        ...

    async def close(self) -> None: ...


class BusTimeoutError(TimeoutError):
    """No reply in time; the command may or may not have been applied (retry idempotently)."""


class NoHandlerError(RuntimeError):
    """Nobody serves the channel (the engine is not running)."""


class Topics:
    """Topic names used across the process boundary."""

    TICKS = "market.ticks"
    """Every tick of every symbol (domain `Tick`)."""
    BARS = "market.bars"
    """The forming one-minute bar after every tick, and each bar as it closes (`BarEvent`)."""
    COMMANDS = "engine.commands"
    """Request/reply channel of trading commands; the reply is the engine's ack."""

    @staticmethod
    def account(account_id: str) -> str:
        """The engine's events of one account (domain `Event`s), published after their commit."""
        return f"engine.account.{account_id}"
