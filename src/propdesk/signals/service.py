"""What the API asks of regimes and signals: the current regime, its history, the stored
signals, and a strategy run on demand over the stored bars."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from propdesk.domain.bars import Resolution
from propdesk.domain.instruments import Instrument
from propdesk.domain.regime import RegimeClassifier, RegimeReading
from propdesk.domain.strategies import Signal
from propdesk.errors import NotFoundError, RejectedError, ServiceUnavailableError
from propdesk.marketdata.aggregate import LATEST
from propdesk.marketdata.catalogue import Catalogue
from propdesk.signals.bars import recent_bars, session_start
from propdesk.signals.plugins import InvalidParams
from propdesk.signals.regimes import RegimeStatus
from propdesk.signals.runner import SignalRunner
from propdesk.store.repositories import signals as repository
from propdesk.store.repositories.signals import RegimeChange, StoredSignal

MAX_RETRY_AFTER = 3600
"""A warming classifier's Retry-After, at most: a closed market sends no bars at all."""


def invalid(loc: list[str | int], message: str, kind: str = "value_error") -> RejectedError:
    """A 422 naming the field, shaped as the API's own validation errors."""
    name = ".".join(str(part) for part in loc)
    return RejectedError(
        f"invalid request: {name}: {message}",
        code="VALIDATION_ERROR",
        errors=[{"loc": loc, "msg": message, "type": kind}],
    )


def instrument(catalogue: Catalogue, symbol: str) -> Instrument:
    """The symbol's instrument; 404 when the catalogue has none."""
    if symbol not in catalogue:
        raise NotFoundError(f"unknown symbol {symbol!r}")
    return catalogue[symbol]


def current_regime(
    runner: SignalRunner, symbol: str, resolution: Resolution
) -> tuple[Instrument, RegimeStatus]:
    """The latest reading; 404 for an unknown or unclassified symbol, 422 for a resolution
    not classified, 503 `REGIME_WARMING_UP` while the classifier has no reading yet."""
    found = instrument(runner.catalogue, symbol)
    text = str(resolution)
    status = runner.regimes.status(found.symbol, text)
    if status is None:
        classified = sorted({r for s, r in runner.regimes.classified() if s == found.symbol})
        if not classified:
            raise NotFoundError(
                f"the regime of {found.symbol} is not classified (PROPDESK_REGIME_SYMBOLS)",
                code="REGIME_NOT_TRACKED",
            )
        raise invalid(
            ["query", "resolution"],
            f"the regime of {found.symbol} is classified at {', '.join(classified)} only",
        )
    if status.reading is None:
        missing = status.bars_missing
        error = ServiceUnavailableError(
            f"the regime of {found.symbol} at {text} is warming up: {missing} more closed "
            f"bars needed ({status.warm_up} in all)",
            retry_after=min(MAX_RETRY_AFTER, missing * resolution.seconds),
            code="REGIME_WARMING_UP",
        )
        error.extensions.update(bars_missing=missing, warm_up_bars=status.warm_up)
        raise error
    return found, status


async def regime_history(
    session: AsyncSession,
    catalogue: Catalogue,
    symbol: str,
    resolution: Resolution,
    *,
    after: datetime | None,
    until: datetime | None,
    limit: int,
) -> tuple[Instrument, list[RegimeChange]]:
    found = instrument(catalogue, symbol)
    changes = await repository.regime_history(
        session,
        found.symbol,
        str(resolution),
        from_ts=None if after is None else int(after.timestamp()),
        to_ts=None if until is None else int(until.timestamp()),
        limit=limit,
    )
    return found, changes


async def list_signals(
    session: AsyncSession,
    catalogue: Catalogue,
    *,
    symbol: str | None,
    strategy: str | None,
    resolution: Resolution | None,
    after: datetime | None,
    until: datetime | None,
    limit: int,
    offset: int,
) -> tuple[list[StoredSignal], int]:
    if symbol is not None and symbol in catalogue:
        symbol = catalogue[symbol].symbol
    return await repository.list_signals(
        session,
        symbol=symbol,
        strategy=strategy,
        resolution=None if resolution is None else str(resolution),
        after=after,
        until=until,
        limit=limit,
        offset=offset,
    )


@dataclass(frozen=True, slots=True)
class Generated:
    """A strategy run over the newest stored bars: the signal of the last, or why none."""

    signal: Signal | None
    params: dict[str, Any]
    reason: str | None
    bars: int
    """Closed bars the strategy was run over."""
    last_bar_ts: int | None
    regime: RegimeReading | None
    """The regime reading of the last bar (a classifier run over the same bars)."""


async def generate(
    runner: SignalRunner,
    *,
    symbol: str,
    resolution: Resolution,
    strategy: str,
    params: Mapping[str, Any] | None,
) -> Generated:
    """Run `strategy` afresh over the newest `signals_warm_up_bars` closed bars of `symbol`
    stored at `resolution`, with a regime classifier beside it as the runner has, and answer
    the last bar's signal. A what-if: nothing is stored or published. 422 naming the field for
    an unknown strategy or symbol, a resolution it does not take, or a bad parameter."""
    plugin = runner.plugins.get(strategy)
    if plugin is None:
        installed = ", ".join(sorted(runner.plugins))
        raise invalid(
            ["body", "strategy"], f"unknown strategy {strategy!r}; installed: {installed}"
        )
    if symbol not in runner.catalogue:
        raise invalid(["body", "symbol"], f"unknown symbol {symbol!r}")
    found = runner.catalogue[symbol]
    try:
        parsed = plugin.parse(params)
    except InvalidParams as error:
        problem = error.problems[0]
        raise invalid(["body", "params", *problem.loc], problem.msg, problem.type) from None
    instance = plugin.strategy()
    try:
        instance.on_start(
            found.symbol,
            str(resolution),
            found.tick_size,
            parsed,
            session_start=session_start(found.session),
        )
    except (TypeError, ValueError) as error:
        raise invalid(["body", "resolution"], str(error)) from None
    stored = await runner.bars.bars(found.symbol)
    bars = recent_bars(stored, found, resolution, runner.warm_up_bars, LATEST).bars
    classifier = RegimeClassifier(runner.regimes.params)
    signal: Signal | None = None
    reading: RegimeReading | None = None
    for bar in bars:
        reading = classifier.update(bar)
        signal = instance.on_bar(bar, reading)
    reason = None
    if not bars:
        reason = f"no closed {resolution} bars of {found.symbol} are stored"
    elif signal is None:
        reason = f"{strategy} gives no signal at the last closed bar ({len(bars)} read)"
    return Generated(
        signal,
        plugin.dump(parsed),
        reason,
        len(bars),
        bars[-1].ts if bars else None,
        reading,
    )
