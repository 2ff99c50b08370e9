"""In-process bus: one bounded queue per subscriber; publishing never blocks the publisher."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator
from typing import Any


class MemorySubscription:
    def __init__(self, bus: MemoryBus, topic: str, maxsize: int) -> None:
        self._bus = bus
        self.topic = topic
        self._queue: asyncio.Queue[Any] = asyncio.Queue(maxsize)
        self._dropped = 0
        self.closed = False

    @property
    def dropped(self) -> int:
        return self._dropped

    def offer(self, message: Any) -> None:
        # A subscriber that falls behind loses its oldest messages rather than stalling
        # the publisher (the feed must never wait for a slow consumer).
        if self._queue.full():
            self._queue.get_nowait()
            self._dropped += 1
        self._queue.put_nowait(message)

    async def get(self) -> Any:
        return await self._queue.get()

    def get_nowait(self) -> Any:
        return self._queue.get_nowait()

    def pending(self) -> int:
        return self._queue.qsize()

    async def __aiter__(self) -> AsyncIterator[Any]:
        while not self.closed:
            yield await self._queue.get()

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self._bus._unsubscribe(self)

    async def __aenter__(self) -> MemorySubscription:
        return self

    async def __aexit__(self, *_: object) -> None:
        self.close()


class MemoryBus:
    def __init__(self) -> None:
        self._subscribers: defaultdict[str, list[MemorySubscription]] = defaultdict(list)

    async def publish(self, topic: str, message: Any) -> None:
        self.publish_nowait(topic, message)

    def publish_nowait(self, topic: str, message: Any) -> None:
        for subscription in self._subscribers.get(topic, ()):
            subscription.offer(message)

    def subscribe(self, topic: str, *, maxsize: int = 10_000) -> MemorySubscription:
        subscription = MemorySubscription(self, topic, maxsize)
        self._subscribers[topic].append(subscription)
        return subscription

    def subscriber_count(self, topic: str) -> int:
        return len(self._subscribers.get(topic, ()))

    def _unsubscribe(self, subscription: MemorySubscription) -> None:
        subscribers = self._subscribers.get(subscription.topic)
        if subscribers and subscription in subscribers:
            subscribers.remove(subscription)

    async def close(self) -> None:
        for subscribers in self._subscribers.values():
            for subscription in list(subscribers):
                subscription.closed = True
        self._subscribers.clear()
