"""The system status: the feed, the market's regimes, what trades, the engine's lag."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import Query
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from propdesk.api.schemas.risk import AccountStatusRead
from propdesk.domain.bars import Resolution
from propdesk.marketdata.feed import FeedStatus


def _resolution(text: str | None) -> str | None:
    # ValueError naming the supported ones: a 422
    return None if text is None else str(Resolution.parse(text))


RegimeResolution = Annotated[
    str | None,
    AfterValidator(_resolution),
    Query(
        max_length=8,
        description="The bars regimes are read at, in TradingView notation (`5`, `60`, `1D`); "
        "by default the first the server classifies (`PROPDESK_REGIME_RESOLUTIONS`).",
    ),
]


class FeedRead(BaseModel):
    model_config = ConfigDict(frozen=True)

    state: str = Field(
        description="`stopped`, `preparing` (the backfill), `live`, `finished` (a replay "
        "that ran out) or `failed`.",
        examples=["live"],
    )
    source: str = Field(examples=["simulator", "replay", "none"])
    running: bool
    ready: bool = Field(description="Prepared, and every market open has printed.")
    ticks: int = Field(description="Ticks published since the start.")
    last_tick_at: datetime | None
    waiting_for: list[str] = Field(description="Symbols trading that have not printed yet.")

    @classmethod
    def of(cls, status: FeedStatus) -> FeedRead:
        last = status.last_tick_at
        return cls(
            state=status.phase,
            source=status.source,
            running=status.running,
            ready=status.ready,
            ticks=status.ticks,
            last_tick_at=None if last is None else datetime.fromtimestamp(last, UTC),
            waiting_for=list(status.waiting_for),
        )


class SystemStatusRead(BaseModel):
    """The process and its market at a glance, and the caller's default account."""

    model_config = ConfigDict(frozen=True)

    feed: FeedRead
    symbols: list[str] = Field(description="The instrument catalogue's symbols.")
    resolution: str = Field(description="The bars `regimes` are read at.", examples=["5"])
    regimes: dict[str, str | None] = Field(
        description="Each symbol's current regime (`trend_up`, `trend_down`, `range`, "
        "`volatile`); null while no classifier reads it."
    )
    active_strategies: list[str] = Field(
        description="The strategies auto-trading on any of the caller's accounts, by name."
    )
    engine_lag_ms: float | None = Field(
        description="Milliseconds from the engine taking its last ticks to the commit of what "
        "they did being published (applied, written, told); null before any tick."
    )
    uptime_s: float = Field(description="Seconds since the process's services started.")
    account: AccountStatusRead | None = Field(
        description="The status of the caller's default account (the first they opened); "
        "null when they have none (or until the engine opened it)."
    )
