"""Regimes, signals and strategies as REST answers them (the shapes the WebSocket shares are
in propdesk.wire.signals)."""

from __future__ import annotations

from typing import Annotated, Any, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from propdesk.domain.bars import Resolution
from propdesk.domain.regime import Regime
from propdesk.signals.plugins import StrategyPlugin
from propdesk.signals.regimes import RegimeStatus
from propdesk.signals.runner import RunningStrategy
from propdesk.signals.service import Generated
from propdesk.store.repositories.signals import RegimeChange, StoredSignal
from propdesk.wire.signals import RegimeBase, SignalBase


def _resolution(text: str) -> str:
    return str(Resolution.parse(text))


ResolutionText = Annotated[
    str,
    StringConstraints(min_length=1, max_length=8),
    AfterValidator(_resolution),
    Field(description=f"A UDF resolution: {', '.join(Resolution.SUPPORTED)}.", examples=["5"]),
]


class SignalRead(SignalBase):
    params: dict[str, Any] = Field(
        description="The strategy's parameters it was run with (its defaults filled in)."
    )

    @classmethod
    def of_stored(cls, stored: StoredSignal) -> Self:
        base = SignalBase.of(stored.signal)
        return cls(**dict(base), params=stored.params)


class SignalListRead(BaseModel):
    signals: list[SignalRead]
    total: int = Field(description="Signals matching the filters, in all pages.")
    limit: int
    offset: int


class RegimeRead(RegimeBase):
    """The latest reading."""

    @classmethod
    def of_status(cls, symbol: str, resolution: str, status: RegimeStatus) -> Self:
        if status.reading is None or status.since is None:
            raise ValueError("no reading yet")  # the service answers 503 before
        return cls.of(symbol, resolution, status.reading, status.since)


class RegimeChangeRead(BaseModel):
    """The reading of the bar a regime began at."""

    regime: Regime
    adx: float
    plus_di: float
    minus_di: float
    atr: float
    atr_percentile: float
    ts: int = Field(description="The bar's opening second (UNIX).")

    @classmethod
    def of(cls, change: RegimeChange) -> Self:
        reading = change.reading
        return cls(
            regime=reading.regime,
            adx=reading.adx,
            plus_di=reading.plus_di,
            minus_di=reading.minus_di,
            atr=reading.atr,
            atr_percentile=reading.atr_percentile,
            ts=reading.ts,
        )


class RegimeHistoryRead(BaseModel):
    symbol: str
    resolution: str
    changes: list[RegimeChangeRead] = Field(description="Newest first.")


class SignalGenerate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    symbol: Annotated[str, StringConstraints(min_length=1, max_length=32)] = Field(examples=["MNQ"])
    resolution: ResolutionText = "5"
    strategy: Annotated[str, StringConstraints(min_length=1, max_length=64)] = Field(
        examples=["ma_cross"]
    )
    params: dict[str, Any] | None = Field(
        default=None,
        description="The strategy's parameters (`GET /strategies` lists them); those left "
        "out take their defaults.",
        examples=[{"fast_period": 10, "slow_period": 30}],
    )


class SignalGenerateRead(BaseModel):
    signal: SignalRead | None = Field(description="The last closed bar's signal, if it gave one.")
    reason: str | None = Field(description="Why there is no signal, when there is none.")
    bars: int = Field(description="Closed bars the strategy was run over.")
    last_bar_ts: int | None = Field(description="The last of them (UNIX seconds of its open).")
    regime: Regime | None = Field(
        description="The regime at the last bar (null while the bars are too few for one)."
    )

    @classmethod
    def of(cls, generated: Generated) -> Self:
        signal = generated.signal
        return cls(
            signal=None
            if signal is None
            else SignalRead.of_stored(StoredSignal(signal, generated.params)),
            reason=generated.reason,
            bars=generated.bars,
            last_bar_ts=generated.last_bar_ts,
            regime=None if generated.regime is None else generated.regime.regime,
        )


class RunningStrategyRead(BaseModel):
    symbol: str
    resolution: str
    params: dict[str, Any]


class StrategyRead(BaseModel):
    name: str
    source: str = Field(description="`builtin`, or the entry point (`module:attribute`).")
    description: str
    params_schema: dict[str, Any] = Field(description="JSON Schema of its parameters.")
    running: list[RunningStrategyRead] = Field(
        description="Where it runs on every bar close (`PROPDESK_STRATEGIES`)."
    )

    @classmethod
    def of(cls, plugin: StrategyPlugin, running: list[RunningStrategy]) -> Self:
        return cls(
            name=plugin.name,
            source=plugin.source,
            description=plugin.description,
            params_schema=plugin.params_schema.model_json_schema(),
            running=[
                RunningStrategyRead(
                    symbol=r.instrument.symbol, resolution=str(r.resolution), params=r.params_json
                )
                for r in running
                if r.plugin.name == plugin.name
            ],
        )
