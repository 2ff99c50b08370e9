"""The engine: the single writer of trading state.

One task owns the broker (the pure domain core). It takes commands from the bus's request
channel and ticks from the feed and applies them in batches. A second task, the committer,
writes what the batches changed in order, several batches in ONE transaction when they
queued up meanwhile, and only then acknowledges their commands and publishes their events.
A command is therefore acknowledged exactly when it is durable, and a crash before the
commit loses nothing that anybody was told about. The two overlap: the engine applies the
next batch while the last one commits (a batch with nothing to write still waits its turn,
so that no answer, a replayed order say, overtakes the commit it depends on).

If a commit fails, its commands and those of every batch applied after it get an error
(nothing of them was acknowledged), and the broker is rebuilt from the store before the
next batch, so memory never runs ahead of what is written for longer than a commit.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any

import structlog

from propdesk.bus.base import Bus, Request, RequestChannel, Subscription, Topics, UnavailableError
from propdesk.bus.base import shard_of as shard_of_account
from propdesk.domain.bars import Tick
from propdesk.domain.broker import Broker, BrokerSettings
from propdesk.domain.events import Event
from propdesk.domain.ledger import AccountSnapshot
from propdesk.domain.orders import Order, random_uuid, uuid_ids
from propdesk.domain.positions import Position
from propdesk.domain.results import (
    ChangeRules,
    CommandResult,
    Commit,
    CommitMark,
    OpenAccount,
    RecordSkippedSignal,
    ResetAccount,
    TradingCommand,
    UnlockAccount,
    record_skipped_signal,
    reset_account,
    result_of,
)
from propdesk.marketdata.catalogue import Catalogue
from propdesk.store.db import Database
from propdesk.store.repositories import trading as store

log = structlog.get_logger(__name__)

MAX_BATCH = 512
"""Commands (and as many ticks) applied as one batch."""
MAX_PIPELINE = 8
"""Batches applied and waiting for their commit; the engine waits when it is full."""
IDLE_WAKEUP = 1.0
"""Seconds between expiry checks when neither commands nor ticks arrive."""


class EngineUnavailableError(UnavailableError):
    """The command could not be made durable (the store failed); it was not applied."""


@dataclass
class EngineStats:
    batches: int = 0
    commands: int = 0
    ticks: int = 0
    events: int = 0
    commits: int = 0
    commit_failures: int = 0
    last_commit_ms: float = 0.0
    tick_lag_ms: float | None = None
    """Of the last batch with ticks: milliseconds from the engine taking its ticks to the
    commit of what they did being published (applied, written, told); None before any.
    The time a tick waited on the bus before it is not in it."""
    restored_orders: int = 0
    restored_accounts: int = 0


@dataclass
class _Applied:
    """One batch, applied in memory and waiting for its commit."""

    epoch: int
    changes: store.Changes
    replies: list[tuple[Request, CommandResult | BaseException]]
    events: list[Event]
    commands: int
    ticks: int
    taken_at: float | None = None
    """`time.perf_counter()` when the engine took the batch's ticks (None: it had none)."""


@dataclass
class Engine:
    database: Database
    catalogue: Catalogue
    bus: Bus
    settings: BrokerSettings = field(default_factory=BrokerSettings)
    shard: int = 0
    """Which shard this engine is: it serves `Topics.commands(shard)` and owns the accounts
    whose id hashes to it (`bus.base.shard_of`)."""
    shards: int = 1
    clock: Callable[[], float] = time.time
    stats: EngineStats = field(default_factory=EngineStats)

    _broker: Broker | None = field(default=None, init=False, repr=False)
    _task: asyncio.Task[None] | None = field(default=None, init=False, repr=False)
    _commands: RequestChannel | None = field(default=None, init=False, repr=False)
    _ticks: Subscription | None = field(default=None, init=False, repr=False)
    _applied: asyncio.Queue[_Applied] | None = field(default=None, init=False, repr=False)
    _committer: asyncio.Task[None] | None = field(default=None, init=False, repr=False)
    _epoch: int = field(default=0, init=False, repr=False)
    """Batches applied since the broker was last restored from the store."""
    _failed_epoch: int = field(default=-1, init=False, repr=False)
    _run_id: str = field(default_factory=random_uuid, init=False, repr=False)
    """This run's name in its commit marks (`CommitMark.run`)."""
    _published: int = field(default=0, init=False, repr=False)
    """Commits published in this run: the `seq` of the last one."""

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        await self._restore()
        # Subscribe before the feed starts and serve before any gateway can send.
        self._ticks = self.bus.subscribe(Topics.TICKS, maxsize=100_000)
        self._commands = self.bus.channel(Topics.commands(self.shard))
        self._applied = asyncio.Queue(MAX_PIPELINE)
        self._committer = asyncio.create_task(self._commit_loop(self._applied), name="committer")
        self._task = asyncio.create_task(
            self._run(self._commands, self._ticks, self._applied), name="engine"
        )

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._committer is not None and self._applied is not None:
            # What was applied is still made durable and answered.
            await self._applied.join()
            self._committer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._committer
            self._committer = None
        if self._commands is not None:
            self._commands.close()
            self._commands = None
        if self._ticks is not None:
            self._ticks.close()
            self._ticks = None

    @property
    def last_commit(self) -> CommitMark:
        """The mark of the last commit this engine published (seq 0: none yet)."""
        return CommitMark(self.shard, self._run_id, self._published)

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def _restore(self) -> None:
        async with self.database.session() as session:
            state = await store.load_state(session)
        if self._broker is not None:  # a rebuild after a failed commit: the market stays known
            state = replace(state, quotes=self._broker.quotes())
        self._broker = Broker.restore(state, self.catalogue, ids=uuid_ids(), settings=self.settings)
        self.stats.restored_orders = sum(1 for o in state.orders if o.is_open)
        self.stats.restored_accounts = len(state.ledgers)
        log.info(
            "engine restored",
            accounts=len(state.ledgers),
            open_orders=self.stats.restored_orders,
            positions=sum(1 for p in state.positions if p.qty),
        )

    # ------------------------------------------------------------------ in-process reads

    @property
    def broker(self) -> Broker:
        if self._broker is None:
            raise RuntimeError("the engine has not started")
        return self._broker

    def open_orders(self, account_id: str) -> list[Order]:
        return self.broker.orders(account_id, open_only=True)

    def positions(self, account_id: str) -> list[Position]:
        return self.broker.positions(account_id)

    def position(self, account_id: str, symbol: str) -> Position | None:
        return self.broker.position(account_id, symbol)

    def account(self, account_id: str) -> AccountSnapshot | None:
        return self.broker.account(account_id)

    async def send(self, command: TradingCommand, *, deadline: float = 10.0) -> CommandResult:
        """Apply a command and wait until it is durable, through the bus as a gateway would
        (gateways themselves go through `trading.port`)."""
        channel = Topics.commands(self.shard)
        result: CommandResult = await self.bus.request(channel, command, deadline=deadline)
        return result

    # ------------------------------------------------------------------ the loop

    async def _run(
        self,
        commands: RequestChannel,
        ticks: Subscription,
        pipeline: asyncio.Queue[_Applied],
    ) -> None:
        next_command: asyncio.Future[Request] | None = None
        next_tick: asyncio.Future[Tick] | None = None
        try:
            while True:
                requests: list[Request] = []
                batch_ticks: list[Tick] = []
                if commands.pending() == 0 and ticks.pending() == 0:
                    if next_command is None:
                        next_command = asyncio.ensure_future(commands.get())
                    if next_tick is None:
                        next_tick = asyncio.ensure_future(ticks.get())
                    waiters: list[asyncio.Future[Any]] = [next_command, next_tick]
                    await asyncio.wait(
                        waiters, timeout=IDLE_WAKEUP, return_when=asyncio.FIRST_COMPLETED
                    )
                # A waiter left over from an idle moment may hold a message: take it first.
                if next_tick is not None and next_tick.done():
                    batch_ticks.append(next_tick.result())
                    next_tick = None
                if next_command is not None and next_command.done():
                    requests.append(next_command.result())
                    next_command = None
                while len(batch_ticks) < MAX_BATCH and ticks.pending():
                    batch_ticks.append(ticks.get_nowait())
                while len(requests) < MAX_BATCH and commands.pending():
                    requests.append(commands.get_nowait())
                await self._process(requests, batch_ticks, pipeline)
        finally:
            for waiter in (next_command, next_tick):
                if waiter is not None:
                    waiter.cancel()

    async def _process(
        self, requests: list[Request], ticks: list[Tick], pipeline: asyncio.Queue[_Applied]
    ) -> None:
        if self._failed_epoch >= self._epoch:
            # A commit failed: everything applied since the last restore is void (the
            # committer answers it with errors). Memory goes back to what is written.
            await pipeline.join()
            await self._restore()
            self._epoch += 1
        broker = self.broker
        taken_at = time.perf_counter() if ticks else None
        events: list[Event] = []
        for tick in ticks:
            if tick.ts != round(tick.ts, 6):
                tick = replace(tick, ts=round(tick.ts, 6))
            events.extend(broker.on_tick(tick))
        # Microseconds: what the store keeps, so a restored broker equals the running one.
        now = round(self.clock(), 6)
        if requests:
            await self._open_accounts(requests, now, events)
        replies: list[tuple[Request, CommandResult | BaseException]] = []
        for request in requests:
            try:
                replies.append((request, self._apply(request.message, now, events)))
            except Exception as exc:  # a bug in one command must not stop the engine
                log.exception("command failed", command=repr(request.message))
                replies.append((request, exc))
        events.extend(broker.advance(now))
        self.stats.batches += 1
        applied = _Applied(
            self._epoch,
            store.Changes.of(events),
            replies,
            events,
            len(requests),
            len(ticks),
            taken_at,
        )
        await pipeline.put(applied)

    async def _commit_loop(self, queue: asyncio.Queue[_Applied]) -> None:
        while True:
            group = [await queue.get()]
            while not queue.empty():
                group.append(queue.get_nowait())
            try:
                await self._commit(group)
            except Exception:  # a bug here must not stall every later command
                log.exception("committer failed: rebuilding the broker from the store")
                self._void(group)
            finally:
                for _ in group:
                    queue.task_done()

    def _void(self, group: list[_Applied]) -> None:
        """The group never became durable: fail its commands, and have the engine rebuild
        the broker from the store before its next batch (voiding what was applied since)."""
        self._failed_epoch = max(self._failed_epoch, *(a.epoch for a in group))
        for applied in group:
            _fail(applied, EngineUnavailableError("the order store is unavailable"))

    async def _commit(self, group: list[_Applied]) -> None:
        """Write the group's changes in one transaction, then answer and publish, in order."""
        void = [a for a in group if a.epoch <= self._failed_epoch]
        live = [a for a in group if a.epoch > self._failed_epoch]
        for applied in void:
            _fail(applied, EngineUnavailableError("the order store is unavailable"))
        if not live:
            return
        changes = store.Changes.merged(a.changes for a in live)
        if changes:
            started = time.perf_counter()
            try:
                await self.database.write(partial(store.save, changes=changes))
            except Exception:
                self.stats.commit_failures += 1
                log.exception("commit failed: rebuilding the broker from the store")
                self._void(live)
                return
            self.stats.last_commit_ms = (time.perf_counter() - started) * 1000
            self.stats.commits += 1
        committed = tuple(event for applied in live for event in applied.events)
        if committed:
            self._published += 1
        mark = CommitMark(self.shard, self._run_id, self._published)
        if committed:
            # Durable: now tell everybody, one message per commit (a read model applies it
            # as one step). Before the callers: an in-process read model then shows the
            # commit by the time their answers go out, and they need not wait for it.
            try:
                self.bus.publish_nowait(Topics.EVENTS, Commit(mark, committed))
            except Exception:  # durable all the same: the callers still get their answers
                log.exception("could not publish a commit", seq=mark.seq)
        published = time.perf_counter()
        for applied in live:
            if applied.taken_at is not None:
                self.stats.tick_lag_ms = (published - applied.taken_at) * 1000
            self.stats.commands += applied.commands
            self.stats.ticks += applied.ticks
            self.stats.events += len(applied.events)
            for request, reply in applied.replies:
                if isinstance(reply, BaseException):
                    request.fail(reply)
                else:
                    request.reply(replace(reply, commit=mark))

    async def _open_accounts(
        self, requests: list[Request], now: float, events: list[Event]
    ) -> None:
        """Accounts are opened in the broker the first time a command names them (those of
        this shard: a command routed here by mistake finds no account)."""
        broker = self.broker
        unknown = {
            r.message.account_id
            for r in requests
            if broker.account(r.message.account_id) is None
            and shard_of_account(r.message.account_id, self.shards) == self.shard
        }
        if not unknown:
            return
        async with self.database.session() as session:
            balances = await store.account_balances(session, unknown)
        for account_id, (balance, rules) in balances.items():
            events.extend(broker.open_account(account_id, balance, now, rules))

    def _apply(self, command: TradingCommand, now: float, events: list[Event]) -> CommandResult:
        broker = self.broker
        if isinstance(command, OpenAccount):
            produced: list[Event] = []  # opened (if it exists) with the batch, by _open_accounts
        elif isinstance(command, ResetAccount):
            produced = reset_account(broker, command, now)
        elif isinstance(command, UnlockAccount):
            produced = broker.unlock(command.account_id, now)
        elif isinstance(command, ChangeRules):
            produced = broker.change_rules(command.account_id, command.rules, command.at_once, now)
        elif isinstance(command, RecordSkippedSignal):
            produced = record_skipped_signal(broker, command, now)
        else:
            produced = broker.apply(command, now)
        events.extend(produced)
        return result_of(broker, command, produced)


def _fail(applied: _Applied, error: BaseException) -> None:
    for request, _ in applied.replies:
        request.fail(error)
