"""A small asyncio client for `/api/v1/ws`: it reconnects with exponential backoff and jitter,
signs in and resubscribes after every reconnect, and tracks each topic's `seq` to report gaps.

    async with StreamClient("ws://127.0.0.1:8000/api/v1/ws", token=TOKEN) as stream:
        await stream.subscribe(BarsSubscribeMessage(symbol="MNQ", resolution="5"))
        async for message in stream:
            ...

Messages are the models of `propdesk.ws.protocol`; types this client does not know (a newer
server) are skipped. Built on the `websockets` library.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import orjson
import structlog
from pydantic import ValidationError
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI

from propdesk.ws.protocol import (
    SERVER_MESSAGES,
    AccountTopicMessage,
    AnyServerMessage,
    AuthMessage,
    BarsSubscribeMessage,
    BarsUnsubscribeMessage,
    ClientMessage,
    QuotesSubscribeMessage,
    QuotesUnsubscribeMessage,
    SignalsSubscribeMessage,
    SignalsUnsubscribeMessage,
    Update,
)

log = structlog.get_logger(__name__)

STABLE_AFTER = 10.0
"""Seconds a connection must last for the backoff to start again from the beginning."""
POLICY_VIOLATION = 1008

Token = str | Callable[[], Awaitable[str]]
"""A credential, or a coroutine function giving a fresh one at each connect."""


@dataclass(frozen=True, slots=True)
class Gap:
    """Updates of `topic` were missed: `expected` was due, `received` came (None: the
    connection dropped; the snapshot after the reconnect brings the topic up to date)."""

    topic: str
    expected: int
    received: int | None


class AuthenticationFailedError(ConnectionError):
    """The server refused the credentials (close code 1008): retrying would not help."""


class SequenceTracker:
    """The last `seq` of every topic, and the gaps between consecutive updates."""

    def __init__(self) -> None:
        self.last: dict[str, int] = {}

    def observe(self, message: object) -> Gap | None:
        if not isinstance(message, Update):
            return None
        previous = self.last.get(message.topic)
        self.last[message.topic] = message.seq
        if message.snapshot or previous is None or message.seq == previous + 1:
            return None
        return Gap(message.topic, previous + 1, message.seq)

    def disconnected(self) -> list[Gap]:
        gaps = [Gap(topic, seq + 1, None) for topic, seq in self.last.items()]
        self.last.clear()
        return gaps


def backoff(attempt: int, initial: float, maximum: float, rng: Callable[[], float]) -> float:
    """Exponential with "equal jitter": half the capped delay, plus up to as much again at
    random, so that clients dropped together do not come back together."""
    cap = min(maximum, initial * 2.0 ** min(attempt, 64))
    return cap / 2 + rng() * cap / 2


def _subscription_keys(message: ClientMessage) -> list[tuple[str, ...]]:
    """What a (un)subscribe message is about, one key per topic."""
    kind = getattr(message, "type", "").partition(".")[0]
    if isinstance(message, BarsSubscribeMessage | BarsUnsubscribeMessage):
        return [(kind, message.symbol, message.resolution)]
    if isinstance(message, QuotesSubscribeMessage | QuotesUnsubscribeMessage):
        return [(kind, symbol) for symbol in message.symbols]
    if isinstance(message, SignalsSubscribeMessage | SignalsUnsubscribeMessage):
        return [(kind, message.symbol or "*")]
    if isinstance(message, AccountTopicMessage):
        return [(kind, str(message.account_id))]
    raise ValueError(f"not a subscription: {message!r}")


class StreamClient:
    def __init__(
        self,
        url: str,
        *,
        token: Token | None = None,
        on_gap: Callable[[Gap], None] | None = None,
        initial_backoff: float = 0.5,
        max_backoff: float = 30.0,
        open_timeout: float = 10.0,
        rng: Callable[[], float] = random.random,
    ) -> None:
        self.url = url
        self.token = token
        self.on_gap = on_gap
        self.initial_backoff = initial_backoff
        self.max_backoff = max_backoff
        self.open_timeout = open_timeout
        self.rng = rng
        self.tracker = SequenceTracker()
        self.gaps: list[Gap] = []
        self.connects = 0
        self.skipped = 0
        """Messages of types this client does not know."""
        self._subscriptions: dict[tuple[str, ...], ClientMessage] = {}
        self._socket: ClientConnection | None = None
        self._closed = False

    async def __aenter__(self) -> StreamClient:
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    @property
    def subscriptions(self) -> list[ClientMessage]:
        """What is sent again after every reconnect."""
        return list(self._subscriptions.values())

    async def subscribe(self, message: ClientMessage) -> None:
        """Subscribe now (when connected) and after every reconnect."""
        for key in _subscription_keys(message):
            self._subscriptions[key] = _one(message, key)
        await self.send(message)

    async def unsubscribe(self, message: ClientMessage) -> None:
        for key in _subscription_keys(message):
            self._subscriptions.pop(key, None)
        await self.send(message)

    async def send(self, message: ClientMessage) -> None:
        """Send when connected; dropped otherwise (subscriptions are sent on connecting)."""
        socket = self._socket
        if socket is not None:
            # Closed: the reader reconnects and resubscribes.
            with contextlib.suppress(ConnectionClosed):
                await socket.send(message.model_dump_json(exclude_none=True))

    async def close(self) -> None:
        self._closed = True
        if self._socket is not None:
            await self._socket.close()

    def __aiter__(self) -> AsyncIterator[AnyServerMessage]:
        return self.messages()

    async def messages(self) -> AsyncIterator[AnyServerMessage]:
        """Every message, across reconnects, until `close`."""
        attempt = 0
        while not self._closed:
            opened = time.monotonic()
            try:
                async with connect(self.url, open_timeout=self.open_timeout) as socket:
                    self._socket = socket
                    self.connects += 1
                    await self._start(socket)
                    async for raw in socket:
                        message = self._parse(raw)
                        if message is not None:
                            self._track(message)
                            yield message
            except ConnectionClosed as closed:
                code = closed.rcvd.code if closed.rcvd is not None else None
                if code == POLICY_VIOLATION and not callable(self.token):
                    reason = closed.rcvd.reason if closed.rcvd is not None else ""
                    raise AuthenticationFailedError(reason) from closed
                log.info("stream closed", code=code)
            except (OSError, TimeoutError, InvalidHandshake) as error:
                if isinstance(error, InvalidURI):
                    raise
                log.info("stream unreachable", error=repr(error))
            finally:
                self._socket = None
            if self._closed:
                return
            for gap in self.tracker.disconnected():
                self._report(gap)
            if time.monotonic() - opened >= STABLE_AFTER:
                attempt = 0
            delay = backoff(attempt, self.initial_backoff, self.max_backoff, self.rng)
            attempt += 1
            await asyncio.sleep(delay)

    async def _start(self, socket: ClientConnection) -> None:
        # The token goes in a message, not the URL: URLs end up in logs.
        if self.token is not None:
            token = self.token if isinstance(self.token, str) else await self.token()
            await socket.send(AuthMessage(token=token).model_dump_json(exclude_none=True))
        for message in self._subscriptions.values():
            await socket.send(message.model_dump_json(exclude_none=True))

    def _parse(self, raw: str | bytes) -> AnyServerMessage | None:
        try:
            return SERVER_MESSAGES.validate_python(orjson.loads(raw))
        except (orjson.JSONDecodeError, ValidationError):
            self.skipped += 1
            return None

    def _track(self, message: Any) -> None:
        gap = self.tracker.observe(message)
        if gap is not None:
            self._report(gap)

    def _report(self, gap: Gap) -> None:
        self.gaps.append(gap)
        log.warning("stream gap", topic=gap.topic, expected=gap.expected, received=gap.received)
        if self.on_gap is not None:
            self.on_gap(gap)


def _one(message: ClientMessage, key: tuple[str, ...]) -> ClientMessage:
    """The subscription of one topic (a quotes subscription holds several)."""
    if isinstance(message, QuotesSubscribeMessage):
        return message.model_copy(update={"symbols": [key[1]], "id": None})
    return message.model_copy(update={"id": None})
