"""A backtest: a built-in strategy over stored one-minute bars, traded through the paper broker
in memory, on simulated time.

The one-minute bars are aggregated to the strategy's resolution as the charts aggregate them
(`marketdata.aggregate.bucket_keys`: buckets from the session open). Every one-minute bar is
replayed to the `Broker` as ticks (`backtest.ticks`: the fill model), and when the last minute
of a bucket has been replayed, the bucket's bar closes: the regime classifier reads it, then
the strategy, and a signal becomes the bracket the live auto-trader would place
(`autotrade.orders.bracket_order`), applied at the bar's end. Its market entry meets the last
quote, the bar's close; so a signal enters at its own entry price, as backtesting.py's
`trade_on_close` does. After a session break (a daily bar, the last bar of a session) the
order goes in at the next session's first minute, still at that last quote, or, if the
bar's end is itself outside the session, is refused `MARKET_CLOSED` as live.

As live, one trade at a time: a signal while a position or a working order is open is
skipped, and so is one while the risk rules have the account locked. The broker is the very
one the engine drives, with the account's rules (their daily loss, drawdown, contract caps
and trading windows act as they do live); no engine, no store, no bus: nothing is written.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np

from propdesk.autotrade.orders import bracket_order
from propdesk.backtest.ticks import ONE, bar_path, bar_ticks, with_levels
from propdesk.domain.bars import Bar, Resolution, Tick, Unit
from propdesk.domain.broker import Broker, BrokerSettings
from propdesk.domain.events import Event, OrderRejected, TripChanged
from propdesk.domain.instruments import Instrument, SessionSchedule
from propdesk.domain.journal import RoundTrip
from propdesk.domain.ledger import AccountSnapshot
from propdesk.domain.orders import sequential_ids
from propdesk.domain.regime import RegimeClassifier
from propdesk.domain.risk.rules import RuleSet
from propdesk.domain.strategies import SessionStart, Signal, StrategyParams, strategy
from propdesk.domain.strategies.base import utc_day_start
from propdesk.marketdata.aggregate import BarColumns, bucket_keys

ACCOUNT = "backtest"
DEFAULT_BALANCE = Decimal(50_000)

Progress = Callable[[int], object]
"""Told how many one-minute bars have been replayed so far."""


@dataclass(frozen=True, slots=True)
class BacktestConfig:
    strategy: str
    """A built-in strategy's name (`domain.strategies.BUILTINS`)."""
    resolution: str = "5"
    params: StrategyParams | None = None
    """The strategy's parameters; None: its defaults."""
    rules: RuleSet | None = None
    """The account's rules; None: no limits."""
    starting_balance: Decimal = DEFAULT_BALANCE
    qty: Decimal = Decimal(1)
    """Contracts per signal."""
    broker: BrokerSettings = field(default_factory=BrokerSettings)
    classify: bool = True
    """Give the strategy the regime classifier's reading of each bar (as live)."""


@dataclass
class BacktestResult:
    config: BacktestConfig
    symbol: str
    minute_bars: int
    bars: int
    """Bars of the strategy's resolution."""
    signals: int = 0
    placed: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    """Orders the broker or the risk rules refused, by reason."""
    skipped: Counter[str] = field(default_factory=Counter)
    """Signals not traded: `position_open` (one trade at a time), `locked`."""
    trips: list[RoundTrip] = field(default_factory=list)
    """The closed round trips, in the order they closed."""
    open_trips: list[RoundTrip] = field(default_factory=list)
    """Still open when the bars ran out."""
    account: AccountSnapshot | None = None
    first_ts: int | None = None
    last_ts: int | None = None
    elapsed_s: float = 0.0


def session_start_of(session: SessionSchedule) -> SessionStart:
    """The start of the trading session that contains a second (the UTC day outside every
    session): what strategies that reset each session are told."""
    cached = (0, -1, 0)  # (start, end, the start to answer)

    def start(ts: int) -> int:
        nonlocal cached
        lower, upper, answer = cached
        if lower <= ts < upper:
            return answer
        day = session.trading_day(ts)
        if day is None:
            return utc_day_start(ts)
        begin, end = session.bounds(day)
        cached = (begin, end, begin)
        return begin

    return start


def run_backtest(
    minute: BarColumns,
    instrument: Instrument,
    config: BacktestConfig,
    *,
    progress: Progress | None = None,
    every: int = 10_000,
) -> BacktestResult:
    """Replay `minute` (one-minute bars of `instrument`, ascending) through the strategy and
    the broker."""
    started = time.perf_counter()
    resolution = Resolution.parse(config.resolution)
    symbol = instrument.symbol
    n = len(minute)
    if resolution == Resolution(Unit.minute, 1):
        keys = minute.ts
    else:
        keys = bucket_keys(minute.ts, instrument.session, resolution)
    boundary = keys[1:] != keys[:-1]
    starts = np.flatnonzero(np.concatenate(([True], boundary))) if n else np.empty(0, np.int64)
    ends = np.concatenate((boundary, [True])).tolist() if n else []
    aggregated = _aggregate(minute, keys, starts)
    result = BacktestResult(config, symbol, n, len(aggregated))
    if n == 0:
        return result
    result.first_ts, result.last_ts = int(minute.ts[0]), int(minute.ts[-1])

    trader = strategy(config.strategy)
    trader.on_start(
        symbol,
        str(resolution),
        instrument.tick_size,
        config.params,
        session_start=session_start_of(instrument.session),
    )
    classifier = RegimeClassifier() if config.classify else None
    broker = Broker({symbol: instrument}, ids=sequential_ids("bt-"), settings=config.broker)
    broker.open_account(ACCOUNT, config.starting_balance, float(minute.ts[0]), config.rules)
    trips: dict[str, RoundTrip] = {}

    def record(events: list[Event]) -> None:
        for event in events:
            if isinstance(event, TripChanged):
                trips[event.trip.id] = event.trip

    def trade(signal: Signal, now: float) -> None:
        result.signals += 1
        position = broker.position(ACCOUNT, symbol)
        if (position is not None and position.qty) or broker.orders(ACCOUNT, open_only=True):
            result.skipped["position_open"] += 1
            return
        risk = broker.risk(ACCOUNT)
        if risk is not None and risk.lock is not None:
            result.skipped["locked"] += 1
            return
        events = broker.apply(bracket_order(signal, ACCOUNT, config.qty), now)
        record(events)
        refused = next(
            (e.order for e in events if isinstance(e, OrderRejected) and e.order.parent_id is None),
            None,
        )
        if refused is None:
            result.placed += 1
        else:
            result.rejected[refused.reject_reason or "REJECTED"] += 1

    decimal = _decimals
    ts_list = minute.ts.tolist()
    opens, highs, lows = decimal(minute.open), decimal(minute.high), decimal(minute.low)
    closes = decimal(minute.close)
    stamps = aggregated.ts.tolist()
    bar_rows = list(
        zip(
            aggregated.open.tolist(),
            aggregated.high.tolist(),
            aggregated.low.tolist(),
            aggregated.close.tolist(),
            aggregated.volume.tolist(),
            strict=True,
        )
    )
    levels: list[Decimal] = []
    exposed = False
    """A position or a working order: only then can a bar's path change anything."""
    on_tick = broker.on_tick
    group = 0
    for i in range(n):
        ts = ts_list[i]
        if exposed:
            path = bar_path(opens[i], highs[i], lows[i], closes[i])
            if levels:
                path = with_levels(path, levels)
            ticks = bar_ticks(symbol, ts, path)
        else:
            # Flat, nothing working: no fill, no mark and no trip can come of the bar's path,
            # so its close alone is replayed (the quote a signal's entry meets; the day rolls
            # on it as it would on the open, with nothing to act on in between).
            close = closes[i]
            ticks = [Tick(symbol, ts + 59.0, close, close, close, ONE)]
        changed = False
        for tick in ticks:
            events = on_tick(tick)
            if events:
                changed = True
                record(events)
        if ends[i]:
            stamp = stamps[group]
            bar = Bar(symbol, stamp, *bar_rows[group])
            group += 1
            reading = None if classifier is None else classifier.update(bar)
            signal = trader.on_bar(bar, reading)
            if signal is not None:
                following = ts_list[i + 1] if i + 1 < n else None
                now = signal.created_at if following is None else min(signal.created_at, following)
                trade(signal, float(now))
                changed = True
        if changed:
            levels = _levels(broker)
            position = broker.position(ACCOUNT, symbol)
            exposed = bool(levels) or (position is not None and position.qty != 0)
        if progress is not None and (i + 1) % every == 0:
            progress(i + 1)
    if progress is not None:
        progress(n)
    everything = list(trips.values())
    result.trips = sorted((t for t in everything if not t.is_open), key=_closed_at)
    result.open_trips = [t for t in everything if t.is_open]
    result.account = broker.account(ACCOUNT)
    result.elapsed_s = time.perf_counter() - started
    return result


def _closed_at(trip: RoundTrip) -> float:
    return trip.closed_at if trip.closed_at is not None else float("inf")


def _levels(broker: Broker) -> list[Decimal]:
    """The prices the account's working stops wait for, ascending (limits need no tick of
    their own: `backtest.ticks`)."""
    found = {
        order.stop_price
        for order in broker.orders(ACCOUNT, open_only=True)
        if order.stop_price is not None and not order.triggered
    }
    return sorted(found)


def _decimals(column: np.ndarray) -> list[Decimal]:
    """Stored prices (floats on the tick grid) as the exact decimals they stand for."""
    return [Decimal(repr(value)) for value in column.tolist()]


def _aggregate(minute: BarColumns, keys: np.ndarray, starts: np.ndarray) -> BarColumns:
    if len(minute) == 0:
        return BarColumns.empty()
    last = np.concatenate((starts[1:], [len(minute)])) - 1
    return BarColumns(
        keys[starts],
        minute.open[starts],
        np.maximum.reduceat(minute.high, starts),
        np.minimum.reduceat(minute.low, starts),
        minute.close[last],
        np.add.reduceat(minute.volume, starts),
    )
