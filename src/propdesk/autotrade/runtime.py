"""The auto-trading runtime: each signal on the bus becomes, on every account that trades it,
one bracket order through the trading port.

For a signal (`Topics.SIGNALS`, a domain `Signal`) that has not expired, in account order,
each account whose enabled settings name the signal's strategy and symbol:

1. An order this signal placed on the account before (its `client_order_id`, `sig-` and a
   hash of the signal id and the account, is taken): the same submission is sent again, and
   the engine answers it as the retry it is, with that order. A signal delivered twice, or
   heard by two processes, places one order.
2. A locked account (its risk report's `can_trade` is false), an account that holds a
   position or working orders in the symbol (one trade per symbol at a time, so that no
   bracket's exit reopens what another closed), and a quantity below one lot step: the
   signal is let go, and the account's risk audit log says why (`AUTOTRADE_SKIPPED`,
   written by the engine, once per signal and account).
3. Otherwise a bracket (`autotrade.orders.bracket_order`: a market entry, the signal's
   target and stop as its legs, labelled with the strategy). The risk rules judge it as any
   order: a refusal is a rejected order in the order history (with its reason code), as is
   a bracket whose legs the market has passed (`INVALID_BRACKET`).

"Expired" is by the market's clock: the time of the symbol's last tick (the wall clock
before any), so that a replayed history trades as it happened.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

import structlog

from propdesk.autotrade.orders import bracket_order, client_order_id
from propdesk.autotrade.settings import AutotradeSettings
from propdesk.autotrade.sizing import risk_sized_qty
from propdesk.bus.base import Bus, Subscription, Topics
from propdesk.domain.bars import Tick
from propdesk.domain.commands import SubmitOrder
from propdesk.domain.instruments import Instrument
from propdesk.domain.results import RecordSkippedSignal
from propdesk.domain.risk.report import risk_per_trade
from propdesk.domain.strategies import Signal
from propdesk.errors import RejectedError, ServiceError
from propdesk.store.db import Database
from propdesk.store.repositories import autotrade as settings_rows
from propdesk.store.repositories import trading as trading_rows
from propdesk.trading import service as trading
from propdesk.trading.port import TradingPort
from propdesk.trading.reads import ReadModel

log = structlog.get_logger(__name__)

MarketClock = Callable[[str], float]
"""UNIX seconds now for a symbol's market."""
SIGNALS_QUEUE = 10_000
NOTED_MEMORY = 10_000
"""(signal, account) pairs whose skip is remembered, so that a redelivery writes no second
note."""
DECISIONS_KEPT = 1_000


class Outcome(StrEnum):
    placed = "placed"
    replayed = "replayed"
    """The signal's order existed: the engine answered the retry with it."""
    rejected = "rejected"
    """The broker or the risk rules refused it: a rejected order is in the history."""
    skipped = "skipped"
    """Not sent: why is in the account's risk audit log."""
    failed = "failed"
    """The engine could not be reached, or refused the command without an order."""


@dataclass(frozen=True, slots=True)
class Decision:
    """What one signal did on one account."""

    signal_id: str
    account_id: str
    outcome: Outcome
    order_id: str | None = None
    reason: str | None = None
    """A reject reason code, or why it was skipped or failed."""


@dataclass
class AutotradeStats:
    signals: int = 0
    """Signals handled (expired ones included)."""
    expired: int = 0
    placed: int = 0
    replayed: int = 0
    rejected: int = 0
    skipped: int = 0
    failed: int = 0


def last_tick_clock(last_tick: Callable[[str], Tick | None]) -> MarketClock:
    """A symbol's market time: its last tick's, the wall clock before it has any."""

    def now(symbol: str) -> float:
        tick = last_tick(symbol)
        return time.time() if tick is None else tick.ts

    return now


class AutoTrader:
    """Hears `Topics.SIGNALS` between `start()` and `stop()`; `handle` is the whole of it."""

    def __init__(
        self,
        bus: Bus,
        database: Database,
        catalogue: Mapping[str, Instrument],
        port: TradingPort,
        reads: ReadModel,
        *,
        clock: MarketClock | None = None,
    ) -> None:
        self._bus = bus
        self._database = database
        self._catalogue = catalogue
        self._port = port
        self._reads = reads
        self.clock: MarketClock = clock or (lambda _symbol: time.time())
        self.stats = AutotradeStats()
        self.decisions: deque[Decision] = deque(maxlen=DECISIONS_KEPT)
        """The latest decisions, newest last."""
        self._noted: OrderedDict[tuple[str, str], None] = OrderedDict()
        self._subscription: Subscription | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._subscription = self._bus.subscribe(Topics.SIGNALS, maxsize=SIGNALS_QUEUE)
        self._task = asyncio.create_task(self._run(self._subscription), name="autotrade")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._subscription is not None:
            self._subscription.close()
            self._subscription = None

    async def _run(self, subscription: Subscription) -> None:
        while True:
            message = await subscription.get()
            if not isinstance(message, Signal):
                log.warning("not a signal on the signals topic", message=type(message).__name__)
                continue
            try:
                await self.handle(message)
            except Exception:  # one bad signal must not stop the ones after it
                log.exception("auto-trading failed on a signal", signal_id=message.id)

    async def handle(self, signal: Signal) -> list[Decision]:
        """Trade `signal` on every account whose settings take it; what each did."""
        try:
            return await self._handle(signal)
        finally:
            self.stats.signals += 1

    async def _handle(self, signal: Signal) -> list[Decision]:
        instrument = self._catalogue.get(signal.symbol)
        if instrument is None:
            log.warning("signal for a symbol not in the catalogue", signal_id=signal.id)
            return []
        if self.clock(instrument.symbol) >= signal.expires_at:
            self.stats.expired += 1
            log.info("expired signal ignored", signal_id=signal.id)
            return []
        async with self._database.session() as session:
            enabled = await settings_rows.enabled(session)
        decisions = []
        for account in enabled:
            settings = AutotradeSettings.of(account.settings)
            if not settings.trades(signal.strategy, instrument.symbol):
                continue
            r = risk_per_trade(account.starting_balance, account.risk_per_trade)
            decision = await self._trade(signal, instrument, settings, r)
            self._count(decision)
            self.decisions.append(decision)
            decisions.append(decision)
            log.info(
                "signal traded" if decision.outcome is Outcome.placed else "signal not placed",
                signal_id=signal.id,
                account_id=decision.account_id,
                outcome=decision.outcome.value,
                reason=decision.reason,
            )
        return decisions

    async def _trade(
        self, signal: Signal, instrument: Instrument, settings: AutotradeSettings, r: Decimal
    ) -> Decision:
        account_id = settings.account_id
        async with self._database.session() as session:
            before = await trading_rows.get_order_by_client_id(
                session, account_id, client_order_id(signal.id, account_id)
            )
        if before is not None:
            return await self._submit(signal, bracket_order(signal, account_id, before.qty))
        if reason := self._why_not(account_id, instrument.symbol):
            return await self._skip(signal, account_id, reason)
        if settings.qty is not None:
            qty = settings.qty
        else:
            risk_r = settings.risk_per_trade_r or Decimal(0)
            qty = risk_sized_qty(signal, instrument, risk_r, r)
            if qty <= 0:
                why = (
                    f"{risk_r:f} R of {r:f} is less than one lot step at a stop "
                    f"{signal.risk:f} points away"
                )
                return await self._skip(signal, account_id, why)
        return await self._submit(signal, bracket_order(signal, account_id, qty))

    def _why_not(self, account_id: str, symbol: str) -> str | None:
        report = self._reads.risk_report(account_id)
        if report is not None and not report.can_trade:
            return f"the account is locked ({report.reason})"
        position = self._reads.position(account_id, symbol)
        if position is not None and position.qty:
            return f"the account holds a position in {symbol}"
        if any(order.symbol == symbol for order in self._reads.open_orders(account_id)):
            return f"the account has working orders in {symbol}"
        return None

    async def _submit(self, signal: Signal, command: SubmitOrder) -> Decision:
        account_id = command.account_id
        try:
            placed = await trading.place_order(self._port, command)
        except RejectedError as refused:
            order_id = refused.extensions.get("order_id")
            if order_id is None:  # pragma: no cover - a refused submission records its order
                return Decision(signal.id, account_id, Outcome.failed, reason=refused.code)
            return Decision(signal.id, account_id, Outcome.rejected, order_id, refused.code)
        except ServiceError as error:  # the engine is away, or a conflict
            return Decision(signal.id, account_id, Outcome.failed, reason=error.code)
        outcome = Outcome.placed if placed.created else Outcome.replayed
        return Decision(signal.id, account_id, outcome, placed.view.order.id)

    async def _skip(self, signal: Signal, account_id: str, reason: str) -> Decision:
        key = (signal.id, account_id)
        if key not in self._noted:
            try:
                await self._port.send(RecordSkippedSignal(account_id, signal.id, reason))
            except ServiceError as error:
                log.warning("skip not noted", signal_id=signal.id, error=str(error))
            else:
                self._noted[key] = None
                if len(self._noted) > NOTED_MEMORY:
                    self._noted.popitem(last=False)
        return Decision(signal.id, account_id, Outcome.skipped, reason=reason)

    def _count(self, decision: Decision) -> None:
        stats = self.stats
        if decision.outcome is Outcome.placed:
            stats.placed += 1
        elif decision.outcome is Outcome.replayed:
            stats.replayed += 1
        elif decision.outcome is Outcome.rejected:
            stats.rejected += 1
        elif decision.outcome is Outcome.skipped:
            stats.skipped += 1
        else:
            stats.failed += 1
