"""A strategy's signal and a symbol's regime as the server answers them, over REST and the
WebSocket alike."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Self

from pydantic import BaseModel, Field

from propdesk.domain.regime import Regime, RegimeReading
from propdesk.domain.strategies import Direction, Signal
from propdesk.wire.numbers import Number


class SignalBase(BaseModel):
    """A proposed trade: enter at `entry`, stop out at `stop`, take profit at `target`."""

    id: str = Field(
        description="`{strategy}:{symbol}:{resolution}:{bar ts}`: the same bar gives the same id.",
        examples=["ma_cross:MNQ:5:1773154800"],
    )
    symbol: str
    resolution: str = Field(description="The bars' resolution (UDF notation).", examples=["5"])
    strategy: str = Field(examples=["ma_cross"])
    direction: Direction
    entry: Number = Field(description="The bar's close, on the tick grid.")
    stop: Number = Field(description="Below the entry for a long, above it for a short.")
    target: Number
    regime: Regime | None = Field(description="The regime the strategy was told of at the bar.")
    confidence: float = Field(ge=0, le=1, description="0…1, by the strategy's own rule.")
    created_at: datetime = Field(description="When the signal's bar closed.")
    expires_at: datetime = Field(description="Stale after this: `expiry_bars` bars later.")

    @classmethod
    def of(cls, signal: Signal) -> Self:
        return cls(
            id=signal.id,
            symbol=signal.symbol,
            resolution=signal.resolution,
            strategy=signal.strategy,
            direction=signal.direction,
            entry=signal.entry,
            stop=signal.stop,
            target=signal.target,
            regime=None if signal.regime is None else Regime(signal.regime),
            confidence=signal.confidence,
            created_at=datetime.fromtimestamp(signal.created_at, UTC),
            expires_at=datetime.fromtimestamp(signal.expires_at, UTC),
        )


class RegimeBase(BaseModel):
    """A symbol's regime at one resolution after a closed bar, with the figures it was decided
    on (Wilder's ADX and DI over `adx_period` bars, the ATR over `atr_period` bars)."""

    symbol: str
    resolution: str = Field(examples=["5"])
    regime: Regime
    adx: float = Field(description="0–100: how strongly the market trends, either way.")
    plus_di: float = Field(description="+DI, 0–100.")
    minus_di: float = Field(description="−DI, 0–100.")
    atr: float = Field(description="Average true range, in price.")
    atr_percentile: float = Field(
        description="The ATR's percentile rank among its last `atr_percentile_window` values, "
        "0…1 (ties count half)."
    )
    ts: int = Field(description="The bar's opening second (UNIX).")
    since: int = Field(description="The opening second (UNIX) of the bar this regime began at.")

    @classmethod
    def of(
        cls, symbol: str, resolution: str, reading: RegimeReading, since: int, **more: Any
    ) -> Self:
        """From a reading; `more` fills the fields a subclass adds."""
        return cls(
            symbol=symbol,
            resolution=resolution,
            regime=reading.regime,
            adx=reading.adx,
            plus_di=reading.plus_di,
            minus_di=reading.minus_di,
            atr=reading.atr,
            atr_percentile=reading.atr_percentile,
            ts=reading.ts,
            since=since,
            **more,
        )
