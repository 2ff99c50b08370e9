"""Topics: what a client subscribes to, where each one's data comes from on the bus, and the
base of every topic: its subscribers, its `seq`, and fan-out.

A topic's updates are encoded once and the same text goes to every subscriber; its `seq`
counts them. Market topics (`ws.market`) keep their last state, the snapshot a joining client
gets; account topics (`ws.account`) read theirs, and their events, from an `AccountReader`:
the read model of what the engine committed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Protocol

from propdesk.bus.base import Subscription, Topics
from propdesk.domain.bars import BarEvent, Resolution, Tick, Unit
from propdesk.domain.journal import RoundTrip
from propdesk.domain.ledger import AccountSnapshot
from propdesk.domain.orders import Order
from propdesk.domain.positions import Position
from propdesk.domain.risk.report import RiskReport
from propdesk.marketdata.barcache import BarCache
from propdesk.marketdata.catalogue import Catalogue
from propdesk.marketdata.live import LiveState
from propdesk.ws.connection import Connection
from propdesk.ws.payloads import RegimePayload, SignalPayload
from propdesk.ws.protocol import Update, encode

SIGNALS_BUS_TOPIC = Topics.SIGNAL_UPDATES
"""Where the signal runner publishes `SignalPayload` and `RegimePayload`."""
EVERY_SYMBOL = "*"
ONE_MINUTE = Resolution(Unit.minute, 1)


class AccountReader(Protocol):
    """The committed state of an account, for snapshots, and its committed events, each
    after the state shows it (`trading.reads.ReadModel` satisfies it)."""

    def subscribe(self, topic: str, *, maxsize: int = 10_000) -> Subscription:
        """The events of one account (`Topics.account`)."""
        ...

    def open_orders(self, account_id: str) -> list[Order]: ...

    def positions(self, account_id: str) -> list[Position]: ...

    def account(self, account_id: str) -> AccountSnapshot | None: ...

    def risk_report(self, account_id: str) -> RiskReport | None: ...

    def open_trips(self, account_id: str) -> list[RoundTrip]: ...


@dataclass(frozen=True, slots=True)
class AccountGrant:
    """What authorizing an account topic read of the account (at no extra cost: the check
    loads it), for the topics that show more than the engine's state."""

    account_id: str
    risk_per_trade: Decimal
    """The account's 1R in money now: its own, or the default share of its starting
    balance, as REST's figures use it."""


@dataclass(frozen=True, slots=True)
class Sources:
    """Where snapshots come from; `bars` and `reader` are optional (no history, no engine:
    the snapshots they would give are empty, and account topics get no updates)."""

    catalogue: Catalogue
    live: LiveState
    bars: BarCache | None = None
    reader: AccountReader | None = None


class Kind(StrEnum):
    bars = "bars"
    quotes = "quotes"
    signals = "signals"
    orders = "orders"
    executions = "executions"
    positions = "positions"
    account = "account"
    risk = "risk"
    trades = "trades"


PUBLIC_KINDS = frozenset({Kind.bars, Kind.quotes, Kind.signals})


@dataclass(frozen=True, slots=True)
class TopicKey:
    kind: Kind
    subject: str
    """A catalogue symbol, an account id, or `*` (signals of every symbol)."""
    resolution: str = ""

    @property
    def name(self) -> str:
        """`bars.MNQ.5`, `quotes.ES`, `orders.<account id>`, `signals.*`."""
        suffix = f".{self.resolution}" if self.resolution else ""
        return f"{self.kind.value}.{self.subject}{suffix}"

    @property
    def public(self) -> bool:
        return self.kind in PUBLIC_KINDS

    @property
    def upstream(self) -> str:
        """The bus topic its data comes from."""
        if self.kind is Kind.bars:
            return Topics.BARS
        if self.kind is Kind.quotes:
            return Topics.TICKS
        if self.kind is Kind.signals:
            return SIGNALS_BUS_TOPIC
        return Topics.account(self.subject)

    @property
    def route(self) -> str:
        """What a bus message of the upstream must match to reach it (see `route_of`)."""
        return "" if self.kind not in PUBLIC_KINDS else self.subject


def route_of(message: object) -> str:
    """The route of a bus message: its symbol for market data, `` for account events."""
    if isinstance(message, Tick):
        return message.symbol
    if isinstance(message, BarEvent):
        return message.bar.symbol
    if isinstance(message, SignalPayload | RegimePayload):
        return message.symbol
    return ""


class Topic:
    """One topic of this process: its subscribers, its sequence and its state."""

    def __init__(self, key: TopicKey, sources: Sources) -> None:
        self.key = key
        self.name = key.name
        self.sources = sources
        self.seq = 0
        self.members: set[Connection] = set()
        self.holders = 0
        """Connections that hold it: members, and those waiting for it to be ready."""
        self.ready: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending: list[object] | None = []

    async def prepare(self) -> None:
        """Read what the first snapshot needs (bus messages wait meanwhile)."""

    def prepared(self) -> None:
        pending, self._pending = self._pending or [], None
        for message in pending:
            self.on_message(message)
        if not self.ready.done():
            self.ready.set_result(None)

    def deliver(self, message: object) -> None:
        if self._pending is not None:
            self._pending.append(message)
        else:
            self.on_message(message)

    def on_message(self, message: object) -> None:
        raise NotImplementedError

    def granted(self, grant: AccountGrant) -> None:
        """A connection was just allowed to hold this account topic: `grant` is what the
        check read of the account (before that connection's snapshot)."""

    def snapshot(self) -> Update | None:
        """The current state, stamped with the current `seq`; None when there is none."""
        return None

    def emit(self, build: Callable[[int], Update]) -> None:
        self.seq += 1
        if not self.members:
            return
        text = encode(build(self.seq))
        for connection in self.members:
            connection.offer(text)
