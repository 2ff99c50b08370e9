"""The hub: every topic of this process, reference counted, fed by as few bus subscriptions
as possible.

A topic exists while at least one connection holds it, and a bus topic is subscribed to while
at least one hub topic needs it: a thousand clients on `bars.MNQ.1` cost one topic, and with
`quotes.ES` beside it still one subscription to each of `market.bars` and `market.ticks`.
Everything runs on the event loop; fan-out appends to each subscriber's queue and never
awaits a socket.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import Iterable
from datetime import UTC, datetime

import structlog

from propdesk.bus.base import Bus, Subscription
from propdesk.bus.memory import MemoryBus
from propdesk.config import Settings
from propdesk.domain.bars import Resolution
from propdesk.marketdata.barcache import BarCache
from propdesk.marketdata.catalogue import Catalogue
from propdesk.marketdata.live import LiveState
from propdesk.ws.account import (
    AccountTopic,
    ExecutionsTopic,
    OrdersTopic,
    PositionsTopic,
    RiskTopic,
    TradesTopic,
)
from propdesk.ws.connection import CloseCode, Connection, Transport
from propdesk.ws.market import AggregatedBarsTopic, BarsTopic, QuotesTopic, SignalsTopic
from propdesk.ws.protocol import HeartbeatMessage, ServerMessage, encode
from propdesk.ws.topics import (
    EVERY_SYMBOL,
    ONE_MINUTE,
    AccountGrant,
    AccountReader,
    Kind,
    Sources,
    Topic,
    TopicKey,
    route_of,
)

log = structlog.get_logger(__name__)

MAX_TOPICS_PER_CONNECTION = 256
STOP_TIMEOUT = 1.0
"""Seconds each connection gets to flush and close when the server stops."""
UPSTREAM_QUEUE = 10_000
"""Bus messages an upstream may hold before the bus drops its oldest (it never should: the
pump does no I/O)."""


class SubscriptionError(Exception):
    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


KINDS: dict[Kind, type[Topic]] = {
    Kind.quotes: QuotesTopic,
    Kind.signals: SignalsTopic,
    Kind.orders: OrdersTopic,
    Kind.executions: ExecutionsTopic,
    Kind.positions: PositionsTopic,
    Kind.account: AccountTopic,
    Kind.risk: RiskTopic,
    Kind.trades: TradesTopic,
}


def make_topic(key: TopicKey, sources: Sources) -> Topic:
    if key.kind is Kind.bars:
        if Resolution.parse(key.resolution) == ONE_MINUTE:
            return BarsTopic(key, sources)
        return AggregatedBarsTopic(key, sources)
    return KINDS[key.kind](key, sources)


class Upstream:
    """One bus subscription, shared by every hub topic that reads it."""

    def __init__(self, subscription: Subscription, bus_topic: str) -> None:
        self.bus_topic = bus_topic
        self.routes: dict[str, set[Topic]] = {}
        self.subscription = subscription
        self.task = asyncio.create_task(self._pump(), name=f"propdesk-ws-upstream-{bus_topic}")

    def attach(self, topic: Topic) -> None:
        self.routes.setdefault(topic.key.route, set()).add(topic)

    def detach(self, topic: Topic) -> bool:
        """Whether no topic is left."""
        route = self.routes.get(topic.key.route)
        if route is not None:
            route.discard(topic)
            if not route:
                del self.routes[topic.key.route]
        return not self.routes

    def close(self) -> None:
        self.task.cancel()
        self.subscription.close()

    async def _pump(self) -> None:
        routes = self.routes
        while True:
            message = await self.subscription.get()
            for route in (route_of(message), EVERY_SYMBOL):
                for topic in tuple(routes.get(route, ())):
                    try:
                        topic.deliver(message)
                    except Exception:
                        log.exception("websocket topic failed on a message", topic=topic.name)


class Hub:
    def __init__(
        self,
        bus: Bus,
        sources: Sources,
        *,
        queue_size: int,
        heartbeat_seconds: float,
    ) -> None:
        self.bus = bus
        self.sources = sources
        self.queue_size = queue_size
        self.heartbeat_seconds = heartbeat_seconds
        self._held: dict[Connection, set[TopicKey]] = {}
        """Every open connection and the topics it holds."""
        self._topics: dict[TopicKey, Topic] = {}
        self._upstreams: dict[str, Upstream] = {}
        self._preparing: dict[TopicKey, asyncio.Task[None]] = {}
        self._heartbeat: asyncio.Task[None] | None = None
        self._numbers = itertools.count(1)
        self._stopped = False

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        bus: Bus,
        catalogue: Catalogue,
        live: LiveState,
        bars: BarCache | None = None,
        *,
        reader: AccountReader | None = None,
    ) -> Hub:
        return cls(
            bus,
            Sources(catalogue, live, bars, reader),
            queue_size=settings.ws_queue_size,
            heartbeat_seconds=settings.ws_heartbeat_seconds,
        )

    # --- connections -----------------------------------------------------------------------

    def connect(self, transport: Transport) -> Connection:
        if self._stopped:
            raise RuntimeError("the hub has stopped")
        connection = Connection(
            transport,
            queue_size=self.queue_size,
            on_closed=self._release,
            name=f"-{next(self._numbers)}",
        )
        self._held[connection] = set()
        if self._heartbeat is None:
            self._heartbeat = asyncio.create_task(self._beat(), name="propdesk-ws-heartbeat")
        return connection

    def send(self, connection: Connection, message: ServerMessage) -> None:
        connection.offer(encode(message))

    @property
    def connections(self) -> list[Connection]:
        return list(self._held)

    def held(self, connection: Connection) -> set[TopicKey]:
        return set(self._held.get(connection, ()))

    def _release(self, connection: Connection) -> None:
        """A connection closed: it lets go of every topic it held."""
        self.unsubscribe(connection, list(self._held.get(connection, ())))
        self._held.pop(connection, None)

    # --- topics ----------------------------------------------------------------------------

    async def subscribe(
        self,
        connection: Connection,
        keys: Iterable[TopicKey],
        *,
        ack: ServerMessage,
        grant: AccountGrant | None = None,
    ) -> None:
        """Hold the topics, then queue `ack` and each topic's snapshot, in that order, before
        any update that follows them. Raises SubscriptionError (nothing is held then).
        `grant`: what the check of an account topic read of its account."""
        held = self._held.get(connection)
        if held is None:
            return  # closed already
        keys = list(dict.fromkeys(keys))
        fresh = [key for key in keys if key not in held]
        if len(held) + len(fresh) > MAX_TOPICS_PER_CONNECTION:
            raise SubscriptionError(
                "TOO_MANY_TOPICS", f"at most {MAX_TOPICS_PER_CONNECTION} topics per connection"
            )
        topics: list[Topic] = []
        for key in keys:
            topic = self._topics.get(key) or self._open(key)
            if key not in held:
                topic.holders += 1
                held.add(key)
            topics.append(topic)
        try:
            for topic in topics:
                if not topic.ready.done():
                    await asyncio.wait([topic.ready])
        except BaseException:
            self.unsubscribe(connection, fresh)
            raise
        if connection.closing or connection not in self._held:
            return  # it closed meanwhile: its topics are released already
        if any(topic.ready.cancelled() or topic.ready.exception() for topic in topics):
            self.unsubscribe(connection, fresh)
            raise SubscriptionError(
                "UNAVAILABLE", "the topic's current state could not be read; try again"
            )
        # From here on nothing awaits: the ack, the snapshots and membership are one step.
        connection.offer(encode(ack))
        for topic in topics:
            if grant is not None and topic.key.subject == grant.account_id:
                topic.granted(grant)
            topic.members.add(connection)
            snapshot = topic.snapshot()
            if snapshot is not None:
                connection.offer(encode(snapshot))

    def unsubscribe(self, connection: Connection, keys: Iterable[TopicKey]) -> list[TopicKey]:
        """Let go of the topics; returns those that were held."""
        held = self._held.get(connection, set())
        released = []
        for key in keys:
            if key not in held:
                continue
            held.discard(key)
            released.append(key)
            topic = self._topics.get(key)
            if topic is None:
                continue
            topic.members.discard(connection)
            topic.holders -= 1
            if topic.holders <= 0:
                self._close(topic)
        return released

    def _open(self, key: TopicKey) -> Topic:
        topic = make_topic(key, self.sources)
        self._topics[key] = topic
        upstream = self._upstreams.get(key.upstream)
        if upstream is None:
            upstream = self._upstreams[key.upstream] = Upstream(self._subscribe(key), key.upstream)
        # Attached before it is prepared: what arrives meanwhile waits in the topic.
        upstream.attach(topic)
        self._preparing[key] = asyncio.create_task(self._prepare(topic), name=f"ws-{topic.name}")
        return topic

    def _subscribe(self, key: TopicKey) -> Subscription:
        """Market data straight from the bus; an account's events from the read model, after
        it applied them (none without one: nothing commits for this hub then)."""
        if key.public:
            return self.bus.subscribe(key.upstream, maxsize=UPSTREAM_QUEUE)
        reader = self.sources.reader
        if reader is None:
            return MemoryBus().subscribe(key.upstream)
        return reader.subscribe(key.upstream, maxsize=UPSTREAM_QUEUE)

    async def _prepare(self, topic: Topic) -> None:
        try:
            await topic.prepare()
        except Exception as error:
            log.warning("websocket topic failed to start", topic=topic.name, error=repr(error))
            self._prepared(topic)
            if not topic.ready.done():
                topic.ready.set_exception(error)
            self._close(topic)
        except BaseException:
            self._prepared(topic)
            raise
        else:
            self._prepared(topic)
            topic.prepared()

    def _prepared(self, topic: Topic) -> None:
        if self._preparing.get(topic.key) is asyncio.current_task():
            del self._preparing[topic.key]

    def _close(self, topic: Topic) -> None:
        if self._topics.get(topic.key) is not topic:
            return
        del self._topics[topic.key]
        preparing = self._preparing.pop(topic.key, None)
        if preparing is not None:
            preparing.cancel()
        if not topic.ready.done():
            topic.ready.cancel()
        else:
            # Nobody may wait on a failed topic any more; mark its exception as seen.
            with contextlib.suppress(BaseException):
                topic.ready.result()
        upstream = self._upstreams.get(topic.key.upstream)
        if upstream is not None and upstream.detach(topic):
            del self._upstreams[topic.key.upstream]
            upstream.close()

    # --- introspection (health, tests) -----------------------------------------------------

    def topic(self, name: str) -> Topic | None:
        return next((t for t in self._topics.values() if t.name == name), None)

    @property
    def topic_names(self) -> list[str]:
        return sorted(topic.name for topic in self._topics.values())

    @property
    def upstream_topics(self) -> list[str]:
        """The bus topics this hub subscribes to right now."""
        return sorted(self._upstreams)

    # --- lifecycle -------------------------------------------------------------------------

    async def _beat(self) -> None:
        while True:
            await asyncio.sleep(self.heartbeat_seconds)
            text = encode(HeartbeatMessage(time=datetime.now(UTC)))
            for connection in tuple(self._held):
                connection.offer(text)

    async def stop(self) -> None:
        self._stopped = True
        if self._heartbeat is not None:
            self._heartbeat.cancel()
            await asyncio.gather(self._heartbeat, return_exceptions=True)
            self._heartbeat = None
        connections = tuple(self._held)
        for connection in connections:
            connection.close(
                CloseCode.going_away, "the server is shutting down", timeout=STOP_TIMEOUT
            )
        if connections:
            await asyncio.wait([asyncio.ensure_future(c.wait_closed()) for c in connections])
        for remaining in list(self._topics.values()):
            self._close(remaining)
        for upstream in self._upstreams.values():
            upstream.close()
        self._upstreams.clear()
