"""In-process bus: one bounded queue per subscriber; publishing never blocks the publisher.

With a codec (`MemoryBus(codec=…)`) every message, request, reply and failure is encoded and
decoded on its way, as a remote bus would carry it: a value that cannot cross a process
boundary, or a comparison by identity, fails in the tests of the embedded mode already.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from propdesk.bus.base import BusTimeoutError, HandlerFailedError, NoHandlerError, UnavailableError


class Codec(Protocol):
    def encode(self, value: Any) -> bytes: ...

    def decode(self, data: bytes) -> Any: ...


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
    codec: Codec | None = field(default=None, repr=False)

    def reply(self, result: Any) -> None:
        if not self.future.done():
            if self.codec is not None:
                result = self.codec.decode(self.codec.encode(result))
            self.future.set_result(result)

    def fail(self, error: BaseException) -> None:
        if not self.future.done():
            if self.codec is not None:
                error = _as_remote(error)
            self.future.set_exception(error)


def _as_remote(error: BaseException) -> BaseException:
    """What of a failure crosses a process boundary: its kind and its message."""
    if isinstance(error, UnavailableError):
        return UnavailableError(str(error))
    return HandlerFailedError(f"{type(error).__name__}: {error}")


def _expire(request: MemoryRequest, channel: str, deadline: float) -> None:
    request.fail(BusTimeoutError(f"no reply on {channel!r} within {deadline}s"))


class MemoryChannel:
    """One channel's requests, for its handler."""

    def __init__(self, bus: MemoryBus, name: str) -> None:
        self._bus = bus
        self.name = name
        self.queue: asyncio.Queue[MemoryRequest] = asyncio.Queue()

    async def get(self) -> MemoryRequest:
        return await self.queue.get()

    def get_nowait(self) -> MemoryRequest:
        return self.queue.get_nowait()

    def pending(self) -> int:
        return self.queue.qsize()

    def close(self) -> None:
        self._bus._release(self)
        while not self.queue.empty():
            self.queue.get_nowait().fail(NoHandlerError(f"{self.name!r} stopped"))


class MemoryBus:
    def __init__(self, *, codec: Codec | None = None) -> None:
        self._subscribers: defaultdict[str, list[MemorySubscription]] = defaultdict(list)
        self._channels: dict[str, MemoryChannel] = {}
        self.codec = codec

    async def request(self, channel: str, message: Any, *, deadline: float = 10.0) -> Any:
        served = self._channels.get(channel)
        if served is None:
            raise NoHandlerError(f"nobody serves {channel!r}")
        loop = asyncio.get_running_loop()
        codec = self.codec
        if codec is not None:
            message = codec.decode(codec.encode(message))
        request = MemoryRequest(message, loop.create_future(), codec)
        served.queue.put_nowait(request)
        # The deadline fails the reply slot itself (a late reply finds it done and is
        # dropped): one timer handle per request, where `asyncio.timeout` and a shield cost a
        # context manager, a rescheduling and a second future (~4% of placing an order).
        timer = loop.call_at(loop.time() + deadline, _expire, request, channel, deadline)
        try:
            return await request.future
        finally:
            timer.cancel()

    def channel(self, channel: str) -> MemoryChannel:
        """The handler's channel of requests; the handler may drain it in batches."""
        if channel in self._channels:
            raise RuntimeError(f"{channel!r} already has a handler")
        served = MemoryChannel(self, channel)
        self._channels[channel] = served
        return served

    def _release(self, served: MemoryChannel) -> None:
        if self._channels.get(served.name) is served:
            del self._channels[served.name]

    async def publish(self, topic: str, message: Any) -> None:
        self.publish_nowait(topic, message)

    def publish_nowait(self, topic: str, message: Any) -> None:
        subscribers = self._subscribers.get(topic)
        if not subscribers:
            return
        if self.codec is not None:
            message = self.codec.decode(self.codec.encode(message))
        for subscription in subscribers:
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
        for served in list(self._channels.values()):
            served.close()
        for subscribers in self._subscribers.values():
            for subscription in list(subscribers):
                subscription.closed = True
        self._subscribers.clear()
