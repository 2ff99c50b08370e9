"""In-process bus: one bounded queue per subscriber; publishing never blocks the publisher."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from propdesk.bus.base import BusTimeoutError, NoHandlerError


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


@dataclass(slots=True)
class MemoryRequest:
    message: Any
    future: asyncio.Future[Any] = field(repr=False)

    def reply(self, result: Any) -> None:
        if not self.future.done():
            self.future.set_result(result)

    def fail(self, error: BaseException) -> None:
        if not self.future.done():
            self.future.set_exception(error)


def _expire(request: MemoryRequest, channel: str, deadline: float) -> None:
    request.fail(BusTimeoutError(f"no reply on {channel!r} within {deadline}s"))


class MemoryBus:
    def __init__(self) -> None:
        self._subscribers: defaultdict[str, list[MemorySubscription]] = defaultdict(list)
        self._channels: dict[str, asyncio.Queue[MemoryRequest]] = {}

    async def request(self, channel: str, message: Any, *, deadline: float = 10.0) -> Any:
        queue = self._channels.get(channel)
        if queue is None:
            raise NoHandlerError(f"nobody serves {channel!r}")
        loop = asyncio.get_running_loop()
        request = MemoryRequest(message, loop.create_future())
        queue.put_nowait(request)
        # The deadline fails the reply slot itself (a late reply finds it done and is
        # dropped): one timer handle per request, where `asyncio.timeout` and a shield cost a
        # context manager, a rescheduling and a second future (~4% of placing an order).
        timer = loop.call_at(loop.time() + deadline, _expire, request, channel, deadline)
        try:
            return await request.future
        finally:
            timer.cancel()

    def channel(self, channel: str) -> asyncio.Queue[MemoryRequest]:
        """The handler's queue of requests; the handler may drain it in batches."""
        if channel in self._channels:
            raise RuntimeError(f"{channel!r} already has a handler")
        queue: asyncio.Queue[MemoryRequest] = asyncio.Queue()
        self._channels[channel] = queue
        return queue

    def release(self, channel: str) -> None:
        queue = self._channels.pop(channel, None)
        while queue is not None and not queue.empty():
            queue.get_nowait().fail(NoHandlerError(f"{channel!r} stopped"))

    async def serve(self, channel: str) -> AsyncIterator[MemoryRequest]:
        queue = self.channel(channel)
        try:
            while True:
                yield await queue.get()
        finally:
            self.release(channel)

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
        for channel in list(self._channels):
            self.release(channel)
        for subscribers in self._subscribers.values():
            for subscription in list(subscribers):
                subscription.closed = True
        self._subscribers.clear()
