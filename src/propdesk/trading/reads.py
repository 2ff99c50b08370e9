"""The read model: what the engine committed, for this process's gateways (REST and the
WebSocket alike).

It starts from the store, then applies each commit's events as the engine publishes them
(`Topics.EVENTS`), and only then fans them out, per account, to this process's own
subscribers: a snapshot taken at any moment agrees with the updates that follow it. Nothing
the engine applied but did not commit is ever seen here, and it works the same whether the
engine runs in this process or in another.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterable, Mapping

import structlog

from propdesk.bus.base import Bus, Subscription, Topics
from propdesk.bus.memory import MemoryBus
from propdesk.domain.committed import CommittedState, PositionValuation, Quotes
from propdesk.domain.events import Event
from propdesk.domain.instruments import Instrument
from propdesk.domain.journal import RoundTrip
from propdesk.domain.ledger import AccountSnapshot
from propdesk.domain.orders import Order
from propdesk.domain.positions import MarkPrice, Position
from propdesk.domain.results import Commit, CommitMark
from propdesk.domain.risk.report import RiskReport, risk_report
from propdesk.domain.risk.rules import RuleSet
from propdesk.domain.risk.state import RiskState
from propdesk.store.db import Database
from propdesk.store.repositories import trading as store

log = structlog.get_logger(__name__)

EVENTS_QUEUE = 100_000
"""Commits the read model may fall behind by before the bus drops one (it then reloads)."""
CATCH_UP_SECONDS = 2.0
"""How long a command's answer waits for the read model to show it, at the most."""


class ReadModel:
    def __init__(
        self,
        bus: Bus,
        database: Database,
        instruments: Mapping[str, Instrument],
        quotes: Quotes,
        mark: MarkPrice = MarkPrice.quote,
    ) -> None:
        self._bus = bus
        self._database = database
        self._instruments = instruments
        self._quotes = quotes
        self._mark = mark
        self._state = CommittedState(instruments, mark)
        self._local = MemoryBus()
        """Fan-out of committed events to this process's subscribers, after they applied."""
        self._subscription: Subscription | None = None
        self._task: asyncio.Task[None] | None = None
        self._dropped = 0
        self._marks: dict[int, CommitMark] = {}
        """The last commit applied, per engine shard."""
        self._waiters: list[tuple[CommitMark, asyncio.Future[None]]] = []

    async def start(self) -> None:
        # Subscribe first: a commit published while the store is read waits in the queue
        # (its events carry whole values, so applying one the store already had is harmless).
        self._subscription = self._bus.subscribe(Topics.EVENTS, maxsize=EVENTS_QUEUE)
        await self._reload()
        self._task = asyncio.create_task(self._follow(self._subscription), name="read-model")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._subscription is not None:
            self._subscription.close()
            self._subscription = None
        await self._local.close()

    async def _reload(self) -> None:
        async with self._database.session() as session:
            state = await store.load_open_state(session)
        fresh = CommittedState(self._instruments, self._mark)
        rules = dict(state.rules)
        risk = [(rules[r.account_id], r) for r in state.risk if r.account_id in rules]
        fresh.load(state.ledgers, state.positions, state.orders, risk, state.trips)
        self._state = fresh
        # Whoever waits was answered after its commit, so the store has it now.
        self._release(lambda _: True)

    async def _follow(self, subscription: Subscription) -> None:
        while True:
            commit: Commit = await subscription.get()
            if subscription.dropped != self._dropped:
                # A commit was lost to a full queue: what is stored is the truth again.
                self._dropped = subscription.dropped
                log.warning("read model fell behind the engine: reloading from the store")
                await self._reload()
            try:
                self.apply(commit.events)
            except Exception:  # one bad commit must not stop every read after it
                log.exception("read model could not apply a commit: reloading from the store")
                await self._reload()
            self._marks[commit.mark.shard] = commit.mark
            self._release(self._shows)

    def apply(self, events: Iterable[Event]) -> None:
        """One commit: applied as one step, then fanned out to this process's subscribers."""
        events = tuple(events)
        for event in events:
            self._state.apply(event)
        for event in events:
            self._local.publish_nowait(Topics.account(event.account_id), event)

    # ------------------------------------------------------------------ reading your writes

    def _shows(self, mark: CommitMark) -> bool:
        if mark.seq == 0:  # the engine had published nothing: nothing to wait for
            return True
        applied = self._marks.get(mark.shard)
        return applied is not None and applied.run == mark.run and applied.seq >= mark.seq

    def _release(self, done: Callable[[CommitMark], bool]) -> None:
        if not self._waiters:
            return
        waiting = []
        for mark, future in self._waiters:
            if done(mark):
                if not future.done():
                    future.set_result(None)
            else:
                waiting.append((mark, future))
        self._waiters = waiting

    async def caught_up(self, mark: CommitMark, *, within: float = CATCH_UP_SECONDS) -> None:
        """Return once the read model shows the commit `mark` names (or `within` passed:
        reads are then a moment behind, never wrong)."""
        if self._shows(mark):
            return
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        self._waiters.append((mark, future))
        # A timer on the future itself: cheaper than `wait_for` on the answer's path.
        timer = loop.call_later(within, _give_up, future)
        try:
            await future
        except TimeoutError:
            log.warning("read model did not show a commit in time", shard=mark.shard, seq=mark.seq)
        finally:
            timer.cancel()

    def subscribe(self, topic: str, *, maxsize: int = 10_000) -> Subscription:
        """Committed events of one account (`Topics.account`), after the read model applied them."""
        return self._local.subscribe(topic, maxsize=maxsize)

    # ------------------------------------------------------------------ reads

    def open_orders(self, account_id: str) -> list[Order]:
        return self._state.open_orders(account_id)

    def positions(self, account_id: str) -> list[Position]:
        return self._state.positions(account_id)

    def position(self, account_id: str, symbol: str) -> Position | None:
        return self._state.position(account_id, symbol)

    def open_trips(self, account_id: str) -> list[RoundTrip]:
        """The account's open round trips, as last committed."""
        return self._state.open_trips(account_id)

    def risk(self, account_id: str) -> tuple[RuleSet, RiskState] | None:
        """The rules the engine enforces on the account and its committed risk state."""
        return self._state.risk(account_id)

    def risk_report(self, account_id: str) -> RiskReport | None:
        """Where the account stands against its rules now; None when it is not guarded."""
        guarded = self._state.risk(account_id)
        valuation = self.account(account_id)
        if guarded is None or valuation is None:
            return None
        rules, state = guarded
        working = self._state.open_orders(account_id)
        return risk_report(rules, state, valuation, self._instruments, working)

    def account(self, account_id: str) -> AccountSnapshot | None:
        """The account valued at the current quotes; None until the engine opened it."""
        return self._state.valuation(account_id, self._quotes)

    def position_value(self, position: Position) -> PositionValuation:
        return self._state.position_value(position, self._quotes)


def _give_up(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_exception(TimeoutError())
