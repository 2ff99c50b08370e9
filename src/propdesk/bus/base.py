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


class Bus(Protocol):
    async def publish(self, topic: str, message: Any) -> None: ...

    def subscribe(self, topic: str, *, maxsize: int = 10_000) -> Subscription: ...

    async def close(self) -> None: ...


class Topics:
    """Topic names used across the process boundary."""

    TICKS = "market.ticks"
    """Every tick of every symbol (domain `Tick`)."""
    BARS = "market.bars"
    """The forming one-minute bar after every tick, and each bar as it closes (`BarEvent`)."""
