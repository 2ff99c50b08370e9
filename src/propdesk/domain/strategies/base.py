"""What every strategy shares: its signal, its parameters' base, its life cycle and its bracket.

A strategy watches the closed bars of one symbol at one resolution and now and then proposes a
trade: a `Signal` with an entry, a stop and a target on the instrument's tick grid. It never
places an order; the runtime decides what to do with a signal.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_EVEN, Decimal
from enum import StrEnum
from typing import ClassVar, Generic, TypeVar, cast

from propdesk.domain.bars import Bar, Resolution
from propdesk.domain.regime import Regime, RegimeReading

SessionStart = Callable[[int], int]
"""UNIX seconds of the start of the trading session that contains UNIX second `ts`."""

DAY = 86_400


def utc_day_start(ts: int) -> int:
    """The default session: the UTC day, from 00:00 UTC."""
    return ts // DAY * DAY


class Direction(StrEnum):
    long = "long"
    short = "short"


@dataclass(frozen=True, slots=True)
class Signal:
    """A proposed trade: enter at `entry`, stop out at `stop`, take profit at `target`.

    Prices lie on the instrument's tick grid; a long has stop < entry < target, a short
    target < entry < stop (the constructor refuses anything else).
    """

    id: str
    """`{strategy}:{symbol}:{resolution}:{bar ts}`: deterministic, so a replay gives the same
    ids."""
    symbol: str
    resolution: str
    """TradingView notation, as `Resolution` prints it: `5`, `60`, `1D`."""
    strategy: str
    direction: Direction
    entry: Decimal
    stop: Decimal
    target: Decimal
    regime: str | None
    """The regime the strategy was told of at the bar (a `Regime` value), if any."""
    confidence: float
    """0…1, by the strategy's own documented rule."""
    created_at: float
    """UNIX seconds when the signal's bar closed: its ts plus the resolution's length."""
    expires_at: float
    """After this the signal is stale: `expiry_bars` bars after `created_at`."""

    def __post_init__(self) -> None:
        if self.direction is Direction.long:
            if not self.stop < self.entry < self.target:
                raise ValueError(f"{self.id}: a long needs stop < entry < target")
        elif not self.target < self.entry < self.stop:
            raise ValueError(f"{self.id}: a short needs target < entry < stop")
        if not 0.0 <= self.confidence <= 1.0:
            raise ValueError(f"{self.id}: confidence must be in [0, 1], not {self.confidence!r}")
        if not self.created_at < self.expires_at:
            raise ValueError(f"{self.id}: a signal must expire after it is created")

    @property
    def risk(self) -> Decimal:
        """Price distance from entry to stop (positive)."""
        return abs(self.entry - self.stop)

    @property
    def reward(self) -> Decimal:
        """Price distance from entry to target (positive)."""
        return abs(self.target - self.entry)


def check_positive_int(name: str, value: object, minimum: int = 1) -> None:
    """Raise ValueError naming `name` unless `value` is an int ≥ `minimum` (bools are not)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{name} must be an integer ≥ {minimum}, not {value!r}")


def check_positive(name: str, value: object) -> None:
    """Raise ValueError naming `name` unless `value` is a finite number > 0."""
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or value <= 0
    ):
        raise ValueError(f"{name} must be a finite number > 0, not {value!r}")


@dataclass(frozen=True, slots=True)
class StrategyParams:
    """The parameters every strategy has; each strategy's `params_model` extends it.

    Plain frozen dataclasses with defaults, validated on construction (ValueError naming the
    field): the runtime layer builds its request schemas from them.
    """

    expiry_bars: int = 3
    """How many bars of the resolution a signal stays valid after its bar closes."""

    def __post_init__(self) -> None:
        check_positive_int("expiry_bars", self.expiry_bars)


P = TypeVar("P", bound=StrategyParams)


@dataclass(frozen=True, slots=True)
class StrategyContext:
    """What `on_start` told the strategy: the market it watches and how to read its bars."""

    symbol: str
    resolution: Resolution
    tick_size: Decimal
    session_start: SessionStart


def to_tick(price: float | Decimal, tick_size: Decimal, rounding: str = ROUND_HALF_EVEN) -> Decimal:
    """`price` on the tick grid, rounded as `rounding` says (a `decimal` rounding mode)."""
    exact = price if isinstance(price, Decimal) else Decimal(repr(price))
    ticks = (exact / tick_size).to_integral_value(rounding)
    return (ticks * tick_size).quantize(tick_size)


def bracket(
    direction: Direction,
    entry: float,
    stop: float | Decimal,
    reward_risk: float,
    tick_size: Decimal,
) -> tuple[Decimal, Decimal, Decimal]:
    """Entry, stop and target on the tick grid, from a raw entry and stop.

    The entry goes to the nearest tick; the stop away from the entry (down for a long, up for a
    short), and at least one tick away; the target `reward_risk` × the snapped risk beyond the
    entry, rounded toward the entry and at least one tick beyond it. So a bracket never risks
    less than asked nor promises more reward per risk than `reward_risk`, beyond what one tick
    forces.
    """
    entry_price = to_tick(entry, tick_size)
    ratio = Decimal(repr(reward_risk))
    if direction is Direction.long:
        stop_price = min(to_tick(stop, tick_size, ROUND_FLOOR), entry_price - tick_size)
        reward = ratio * (entry_price - stop_price)
        target = max(to_tick(entry_price + reward, tick_size, ROUND_FLOOR), entry_price + tick_size)
    else:
        stop_price = max(to_tick(stop, tick_size, ROUND_CEILING), entry_price + tick_size)
        reward = ratio * (stop_price - entry_price)
        target = min(
            to_tick(entry_price - reward, tick_size, ROUND_CEILING), entry_price - tick_size
        )
    return entry_price, stop_price, target


def trend_agreement(direction: Direction, regime: RegimeReading | None) -> float:
    """0.75 when the regime is a trend the signal's way, 0.25 against it, else 0.5."""
    if regime is None or regime.regime not in (Regime.TREND_UP, Regime.TREND_DOWN):
        return 0.5
    with_trend = (regime.regime is Regime.TREND_UP) == (direction is Direction.long)
    return 0.75 if with_trend else 0.25


class Strategy(ABC, Generic[P]):
    """A signal generator over the closed bars of one symbol at one resolution.

    Life cycle: `on_start` once (again to start afresh: it forgets every bar), then `on_bar` for
    each closed bar in time order, with the regime reading of that bar if the runtime classifies
    one (None otherwise; each strategy documents what it does without). `on_bar` returns at
    most one signal per bar. Deterministic: the same bars and readings give the same signals.
    """

    name: ClassVar[str]
    """The registry key, and the `strategy` of its signals."""
    params_model: ClassVar[type[StrategyParams]]
    """The strategy's parameter dataclass (a `StrategyParams`); its defaults are the defaults."""

    _context: StrategyContext | None = None
    params: P

    def on_start(
        self,
        symbol: str,
        resolution: str,
        tick_size: Decimal,
        params: P | None = None,
        *,
        session_start: SessionStart = utc_day_start,
    ) -> None:
        """Start watching `symbol` at `resolution` (TradingView notation).

        `tick_size` is the instrument's, which the signals' prices are snapped to; `params`
        default to `params_model()`. `session_start(ts)` gives the start of the trading session
        that contains bar ts (the UTC day by default): strategies that reset each session use
        it. Raises ValueError on an unsupported resolution or tick size, TypeError on params of
        another strategy.
        """
        parsed = Resolution.parse(resolution)
        if not tick_size.is_finite() or tick_size <= 0:
            raise ValueError(f"tick_size must be a finite positive Decimal, not {tick_size!r}")
        chosen = self.params_model() if params is None else params
        if not isinstance(chosen, self.params_model):
            raise TypeError(f"{self.name} takes {self.params_model.__name__}, not {chosen!r}")
        self.params = cast(P, chosen)  # params_model is P's class
        self._context = StrategyContext(symbol, parsed, tick_size, session_start)
        self._begin()

    @property
    def context(self) -> StrategyContext:
        if self._context is None:
            raise RuntimeError(f"{self.name}: on_start was not called")
        return self._context

    @abstractmethod
    def _begin(self) -> None:
        """Reset the strategy's state for a fresh start; `context` and `params` are set."""

    @abstractmethod
    def on_bar(self, bar: Bar, regime: RegimeReading | None) -> Signal | None:
        """Take one closed bar (and its regime reading, if any); maybe propose a trade."""

    def _signal(
        self,
        bar: Bar,
        regime: RegimeReading | None,
        direction: Direction,
        stop: float | Decimal,
        reward_risk: float,
        confidence: float,
    ) -> Signal:
        """A signal entering at the bar's close, with a `bracket` from `stop`."""
        context = self.context
        entry, stop_price, target = bracket(
            direction, bar.close, stop, reward_risk, context.tick_size
        )
        length = context.resolution.seconds
        created_at = float(bar.ts + length)
        resolution = str(context.resolution)
        return Signal(
            id=f"{self.name}:{context.symbol}:{resolution}:{bar.ts}",
            symbol=context.symbol,
            resolution=resolution,
            strategy=self.name,
            direction=direction,
            entry=entry,
            stop=stop_price,
            target=target,
            regime=None if regime is None else regime.regime.value,
            confidence=min(max(confidence, 0.0), 1.0),
            created_at=created_at,
            expires_at=created_at + self.params.expiry_bars * length,
        )
