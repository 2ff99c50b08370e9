"""A deterministic market simulator: ticks for the live feed and one-minute bars for backfill.

One price model serves both: a log-price random walk with the instrument's volatility scaled to
the elapsed time, pulled gently back toward the level it started from (so that a long run stays
near a realistic price), under a slowly wandering volatility regime (so that quiet and busy
stretches alternate, as in real markets). Randomness comes from one generator per symbol, seeded
from the feed seed and a stable hash of the symbol: the same seed and the same clock readings
give the same ticks, and one symbol's draws never depend on another's.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
from numpy.typing import NDArray

from propdesk.domain.bars import Tick
from propdesk.domain.instruments import AssetClass, Instrument, SessionSchedule

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

MAX_GAP_SECONDS = 3_600.0
"""A market moves while it is closed, but far less than if it had traded: a gap across a
break (overnight, a weekend) counts as at most one hour of trading."""

REVERSION_HALF_LIFE_DAYS = 60.0
"""Trading days for half of a departure from the starting level to fade: weak enough to be
invisible within a day, strong enough that months of running stay near a plausible price."""

REGIME_HALF_LIFE_SECONDS = 4 * 3_600.0
REGIME_SPREAD = 0.4
"""Standard deviation of the log volatility multiplier: busy hours run at about twice the
volatility of quiet ones."""

BACKFILL_SUBSTEPS = 8
"""Path points per minute inside a backfilled bar; its high and low are their extremes."""

# Distinct stream numbers, never distinct lengths: numpy's SeedSequence pads short entropy
# with zeros, so [seed, symbol] and [seed, symbol, 0] would draw the same numbers.
_PRINTS_STREAM = 1
_LIVE_PATH_STREAM = 2
_BACKFILL_PATH_STREAM = 3
_BACKFILL_VOLUME_STREAM = 4


@dataclass(frozen=True, slots=True)
class Activity:
    """How often an instrument trades and how large its prints are."""

    ticks_per_second: float
    median_lots: float
    """Median print size in lot steps (ignored when `median_notional` is set)."""
    size_spread: float
    median_notional: float | None = None
    """Crypto prints are sized in money: a fraction of a coin, whatever the coin costs."""


ACTIVITY = {
    AssetClass.futures: Activity(ticks_per_second=2.0, median_lots=1.8, size_spread=0.8),
    AssetClass.stock: Activity(ticks_per_second=1.5, median_lots=100.0, size_spread=0.9),
    AssetClass.crypto: Activity(
        ticks_per_second=1.5, median_lots=1.0, size_spread=1.2, median_notional=2_000.0
    ),
}


def session_seconds(session: SessionSchedule) -> int:
    """Nominal length of one session (the daylight-saving days aside)."""
    if session.around_the_clock:
        return 86_400
    opening = session.open.hour * 3_600 + session.open.minute * 60
    closing = session.close.hour * 3_600 + session.close.minute * 60
    return (closing - opening) % 86_400


def session_minutes(session: SessionSchedule, from_ts: int, to_ts: int) -> IntArray:
    """The opening seconds of every in-session minute in [from_ts, to_ts), ascending."""
    from_ts = -(-from_ts // 60) * 60
    spans = [
        np.arange(max(start, from_ts), min(end, to_ts), 60, dtype=np.int64)
        for _, start, end in session.sessions(from_ts, to_ts)
    ]
    return np.concatenate(spans) if spans else np.empty(0, dtype=np.int64)


def symbol_rng(seed: int, symbol: str, *stream: int) -> np.random.Generator:
    # crc32, never hash(): Python salts string hashes per process.
    return np.random.default_rng([seed % 2**63, zlib.crc32(symbol.encode()), *stream])


@dataclass(frozen=True, slots=True)
class PriceModel:
    """One instrument's price process; rates are per second of trading."""

    sigma: float
    """Volatility of the log price per square root of a second."""
    reversion: float
    regime_reversion: float
    activity: Activity

    @classmethod
    def for_instrument(cls, instrument: Instrument) -> PriceModel:
        day = session_seconds(instrument.session)
        trading_seconds_per_year = day * len(instrument.session.days) * 52
        return cls(
            sigma=instrument.annual_volatility / math.sqrt(trading_seconds_per_year),
            reversion=math.log(2) / (REVERSION_HALF_LIFE_DAYS * day),
            regime_reversion=math.log(2) / REGIME_HALF_LIFE_SECONDS,
            activity=ACTIVITY[instrument.asset_class],
        )

    @property
    def regime_mean(self) -> float:
        # Centred so that the mean squared multiplier is one: the long-run volatility stays
        # the instrument's annual figure.
        return -(REGIME_SPREAD**2)

    def median_lots(self, instrument: Instrument, price: float) -> float:
        notional = self.activity.median_notional
        if notional is None:
            return self.activity.median_lots
        return max(1.0, notional / (price * float(instrument.lot_step)))


def path_leaders(instruments: Iterable[Instrument]) -> dict[str, str]:
    """For each symbol, the symbol whose random stream drives its price path.

    A micro contract is the same market as its full-size sibling (MES is ES at a tenth of
    the size): instruments with identical price specs share one path, led by the largest
    contract, so that their charts agree as they do on the exchange.
    """
    groups: dict[tuple[object, ...], list[Instrument]] = {}
    for instrument in instruments:
        key = (
            instrument.asset_class,
            instrument.reference_price,
            instrument.annual_volatility,
            instrument.tick_size,
            instrument.session,
        )
        groups.setdefault(key, []).append(instrument)
    leaders: dict[str, str] = {}
    for members in groups.values():
        leader = min(members, key=lambda i: (-i.point_value, i.symbol)).symbol
        leaders.update((member.symbol, leader) for member in members)
    return leaders


class PricePath:
    """The latent mid price of one market, advanced by elapsed time."""

    def __init__(
        self, model: PriceModel, rng: np.random.Generator, price: float, anchor: float | None
    ) -> None:
        if not price > 0:
            raise ValueError("a starting price must be positive")
        self.model = model
        self._rng = rng
        self._log_price = math.log(price)
        self._log_anchor = math.log(anchor if anchor is not None else price)
        self._regime = model.regime_mean
        self._updated_at: float | None = None

    @property
    def price(self) -> float:
        return math.exp(self._log_price)

    @property
    def volatility_multiplier(self) -> float:
        return math.exp(self._regime)

    def advance(self, now: float) -> float:
        """Move the path to `now` (never backwards) and return the mid price there."""
        if self._updated_at is None:
            self._updated_at = now
        dt = min(now - self._updated_at, MAX_GAP_SECONDS)
        if dt <= 0:
            return self.price
        self._updated_at = now
        model = self.model
        decay = math.exp(-model.regime_reversion * dt)
        self._regime = (
            model.regime_mean
            + (self._regime - model.regime_mean) * decay
            + REGIME_SPREAD * math.sqrt(1 - decay * decay) * float(self._rng.standard_normal())
        )
        pull = math.exp(-model.reversion * dt)
        shock = model.sigma * self.volatility_multiplier * math.sqrt(dt)
        self._log_price = (
            self._log_anchor
            + (self._log_price - self._log_anchor) * pull
            + shock * float(self._rng.standard_normal())
        )
        return self.price


class SymbolSimulator:
    """The prints of one symbol: when they arrive, at which side, how large."""

    def __init__(self, instrument: Instrument, seed: int, path: PricePath) -> None:
        self.instrument = instrument
        self.path = path
        self.model = path.model
        self._rng = symbol_rng(seed, instrument.symbol, _PRINTS_STREAM)
        self._last_mid = path.price
        self._half_tick = float(instrument.tick_size) / 2

    def tick(self, now: float, elapsed: float) -> Tick | None:
        """A print at `now` with the chance of one arriving within the last `elapsed`
        seconds, or None (nothing arrived, or the market is closed)."""
        if not self.instrument.session.is_open(int(now)):
            return None
        rate = self.model.activity.ticks_per_second * self.path.volatility_multiplier
        if self._rng.random() >= -math.expm1(-rate * max(elapsed, 0.0)):
            return None
        mid = self.path.advance(now)
        before, self._last_mid = self._last_mid, mid
        return self._print(now, mid, before)

    def _print(self, now: float, mid: float, before: float) -> Tick:
        instrument = self.instrument
        bid = max(instrument.round_to_tick(mid - self._half_tick), instrument.tick_size)
        ask = bid + instrument.tick_size
        # Buyers lift the offer on the way up, sellers hit the bid on the way down.
        buyer = mid > before if mid != before else bool(self._rng.random() < 0.5)
        median = self.model.median_lots(instrument, mid)
        spread = self.model.activity.size_spread
        lots = round(median * math.exp(spread * float(self._rng.standard_normal())))
        lots = min(max(1, lots), max(1, round(50 * median)))
        return Tick(
            symbol=instrument.symbol,
            ts=now,
            last=ask if buyer else bid,
            bid=bid,
            ask=ask,
            size=instrument.lot_step * lots,
        )


class Simulator:
    """Live ticks for a set of instruments, stepped by an injected clock."""

    def __init__(
        self,
        instruments: Iterable[Instrument],
        seed: int,
        prices: Mapping[str, float] | None = None,
        *,
        tick_interval: float = 0.25,
    ) -> None:
        """`prices`: where each symbol's path starts (its last stored close); a path shared
        by several symbols starts from its leader's, and from the reference price without."""
        prices = prices or {}
        instruments = list(instruments)
        leaders = path_leaders(instruments)
        by_symbol = {i.symbol: i for i in instruments}
        paths: dict[str, PricePath] = {}
        for leader in dict.fromkeys(leaders.values()):
            instrument = by_symbol[leader]
            price = prices.get(leader) or next(
                (prices[s] for s, lead in leaders.items() if lead == leader and s in prices),
                float(instrument.reference_price),
            )
            rng = symbol_rng(seed, leader, _LIVE_PATH_STREAM)
            paths[leader] = PricePath(PriceModel.for_instrument(instrument), rng, price, None)
        self.symbols = {
            i.symbol: SymbolSimulator(i, seed, paths[leaders[i.symbol]]) for i in instruments
        }
        self.tick_interval = tick_interval
        self._last_step: float | None = None

    def step(self, now: float) -> list[Tick]:
        """The prints since the previous step, all stamped `now`, in catalogue order."""
        elapsed = self.tick_interval if self._last_step is None else now - self._last_step
        # A stalled loop resumes with at most one print per symbol, not a burst.
        elapsed = min(elapsed, 60.0)
        self._last_step = now
        ticks = []
        for simulator in self.symbols.values():
            tick = simulator.tick(now, elapsed)
            if tick is not None:
                ticks.append(tick)
        return ticks

    async def advance(self, now: float) -> tuple[float, list[Tick]]:
        """The feed's source interface: simulated market time is wall time."""
        return now, self.step(now)

    def trading(self, market_time: float) -> list[str]:
        """The symbols whose session is open at `market_time`: the only ones that print."""
        second = int(market_time)
        return [
            symbol
            for symbol, simulator in self.symbols.items()
            if simulator.instrument.session.is_open(second)
        ]

    @property
    def exhausted(self) -> bool:
        return False


@dataclass(frozen=True, slots=True)
class MinuteBars:
    """Columns of simulated one-minute bars."""

    ts: IntArray
    open: FloatArray
    high: FloatArray
    low: FloatArray
    close: FloatArray
    volume: FloatArray

    def __len__(self) -> int:
        return len(self.ts)

    def rows(self) -> list[tuple[int, float, float, float, float, float]]:
        return list(
            zip(
                self.ts.tolist(),
                self.open.tolist(),
                self.high.tolist(),
                self.low.tolist(),
                self.close.tolist(),
                self.volume.tolist(),
                strict=True,
            )
        )


def simulate_minute_bars(
    instrument: Instrument,
    seed: int,
    minutes: IntArray,
    *,
    start_price: float,
    anchor: float | None = None,
    after: int | None = None,
    path_symbol: str | None = None,
) -> MinuteBars:
    """Bars for the given minutes from the live model, vectorized.

    `after` is the end (UNIX seconds) of the bar this path continues; the first open then
    gaps by the time the market was away, as every later open does across session breaks.
    `path_symbol` is the leader whose stream drives the price (see `path_leaders`).
    """
    count = len(minutes)
    model = PriceModel.for_instrument(instrument)
    first = int(minutes[0]) if count else 0
    rng = symbol_rng(seed, path_symbol or instrument.symbol, _BACKFILL_PATH_STREAM, first)
    volume_rng = symbol_rng(seed, instrument.symbol, _BACKFILL_VOLUME_STREAM, first)

    regime_decay = math.exp(-model.regime_reversion * 60)
    regime = model.regime_mean + _ar1(
        regime_decay,
        0.0,
        REGIME_SPREAD * math.sqrt(1 - regime_decay**2) * rng.standard_normal(count),
    )
    multiplier = np.exp(regime)

    previous_end = np.empty(count, dtype=np.int64)
    if count:
        previous_end[0] = first if after is None else after
        previous_end[1:] = minutes[:-1] + 60
    gap = np.clip(minutes - previous_end, 0, MAX_GAP_SECONDS).astype(np.float64)

    substep = 60.0 / BACKFILL_SUBSTEPS
    scale = np.empty((count, BACKFILL_SUBSTEPS + 1))
    scale[:, 0] = np.sqrt(gap)
    scale[:, 1:] = math.sqrt(substep)
    scale *= (model.sigma * multiplier)[:, None]
    shocks = rng.standard_normal((count, BACKFILL_SUBSTEPS + 1)) * scale

    log_anchor = math.log(anchor if anchor is not None else start_price)
    departure = _ar1(
        math.exp(-model.reversion * substep), math.log(start_price) - log_anchor, shocks.ravel()
    )
    path = np.exp(log_anchor + departure).reshape(count, BACKFILL_SUBSTEPS + 1)

    def grid(values: FloatArray) -> FloatArray:
        return np.maximum(_to_grid(values, instrument.tick_size), float(instrument.tick_size))

    close = grid(path[:, -1])
    prints = volume_rng.poisson(model.activity.ticks_per_second * 60 * multiplier)
    notional = model.activity.median_notional
    median_lots = (
        np.full(count, model.activity.median_lots)
        if notional is None
        else np.maximum(1.0, notional / (close * float(instrument.lot_step)))
    )
    mean_lots = median_lots * math.exp(model.activity.size_spread**2 / 2)
    lots = np.maximum(1.0, np.rint(prints * mean_lots * volume_rng.lognormal(0.0, 0.25, count)))
    return MinuteBars(
        ts=minutes.astype(np.int64),
        open=grid(path[:, 0]),
        high=grid(path.max(axis=1)),
        low=grid(path.min(axis=1)),
        close=close,
        volume=_to_grid(lots * float(instrument.lot_step), instrument.lot_step),
    )


def _to_grid(values: FloatArray, step: Decimal) -> FloatArray:
    """Round to multiples of `step`, landing on the float nearest each decimal multiple
    (62.37, not 62.370000000000005), so that stored prices read back tick-aligned."""
    inverse = 1 / step
    if inverse == inverse.to_integral_value():
        per_unit = float(inverse)
        return np.rint(values * per_unit) / per_unit
    return np.rint(values / float(step)) * float(step)


def _ar1(decay: float, start: float, shocks: FloatArray, chunk: int = 128) -> FloatArray:
    """x[t] = decay * x[t-1] + shocks[t] with x[-1] = start, vectorized in chunks (0 < decay).

    Within a chunk the recursion is a discounted cumulative sum; only the carry from one
    chunk to the next is sequential, and chunks keep decay ** -chunk far from overflow.
    """
    count = len(shocks)
    if count == 0:
        return np.empty(0)
    if decay < 1:
        chunk = max(1, min(chunk, int(300 / -math.log(decay))))
    padded = np.zeros(-(-count // chunk) * chunk)
    padded[:count] = shocks
    blocks = padded.reshape(-1, chunk)
    powers = decay ** np.arange(chunk, dtype=np.float64)
    local = np.cumsum(blocks / powers, axis=1) * powers
    carry = np.empty(len(blocks))
    value = start
    span = decay**chunk
    for index, end in enumerate(local[:, -1].tolist()):
        carry[index] = value
        value = span * value + end
    return (local + carry[:, None] * (powers * decay)).ravel()[:count]
