"""Market regime and strategy signals: the current regime of a symbol and its changes, the
signals the running strategies gave, a strategy run on demand, and the strategies installed.

Regimes and signals are market analysis, not anyone's account: reading them needs no
credentials (as the WebSocket's signals topics), each request counting against its IP.
Running a strategy on demand needs a signed-in caller (any role, a `read` key is enough: it
changes nothing) and counts against the caller's `signals` budget as well.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request

from propdesk.api.deps import (
    CurrentUser,
    RateLimitByIP,
    ServicesDep,
    SessionDep,
    services_of,
)
from propdesk.api.errors import problem_responses
from propdesk.api.schemas.signals import (
    RegimeChangeRead,
    RegimeHistoryRead,
    RegimeRead,
    ResolutionText,
    SignalGenerate,
    SignalGenerateRead,
    SignalListRead,
    SignalRead,
    StrategyRead,
)
from propdesk.auth.ratelimit import Bucket
from propdesk.domain.bars import Resolution
from propdesk.signals import service
from propdesk.signals.regimes import REGIME_RULE
from propdesk.signals.runner import SignalRunner

router = APIRouter(tags=["signals"], dependencies=[RateLimitByIP])


async def get_runner(services: ServicesDep) -> SignalRunner:
    return services.signals


RunnerDep = Annotated[SignalRunner, Depends(get_runner)]
SymbolPath = Annotated[
    str, Path(min_length=1, max_length=32, description="A catalogue symbol.", examples=["MNQ"])
]
ResolutionQuery = Annotated[ResolutionText, Query()]
TIME = "ISO 8601 (or UNIX seconds)"


async def limit_signals(principal: CurrentUser, request: Request) -> None:
    await services_of(request).limiter.hit(Bucket.signals, str(principal.user_id))


SignalsRateLimit = Annotated[None, Depends(limit_signals)]


@router.get(
    "/market/regime/{symbol}",
    response_model=RegimeRead,
    summary="The symbol's current regime, with the figures it was decided on",
    description="The classifier's latest reading at `resolution` (a closed bar's: `ts` is its "
    "open), and `since`, the bar the regime began at.\n\n"
    + REGIME_RULE
    + "\n\nEvery resolution in `PROPDESK_REGIME_RESOLUTIONS` (`5` by default) and every enabled "
    "strategy's is classified, for the symbols of `PROPDESK_REGIME_SYMBOLS` (all by default). "
    "A classifier starts from the stored history, so it reads at once when the store holds "
    "enough bars; until it has read `warm_up_bars` bars the answer is 503 `REGIME_WARMING_UP` "
    "with `bars_missing` and a `Retry-After` (the time those bars take, at most an hour). 404 "
    "for an unknown symbol (`REGIME_NOT_TRACKED` for one not classified), 422 for a "
    "resolution not classified.",
    responses=problem_responses(404, 422, 429, 503),
)
async def get_regime(
    symbol: SymbolPath, runner: RunnerDep, resolution: ResolutionQuery = "5"
) -> RegimeRead:
    instrument, status = service.current_regime(runner, symbol, Resolution.parse(resolution))
    return RegimeRead.of_status(instrument.symbol, resolution, status)


@router.get(
    "/market/regime/{symbol}/history",
    response_model=RegimeHistoryRead,
    summary="The symbol's regime changes, newest first",
    description="Each change is the reading of the bar a new regime began at (its `ts`), kept "
    "as the classifier read it live or over the stored history at start. `from` and `to` "
    f"bound the bars' `ts` ({TIME}; `to` exclusive). 404 for an unknown symbol.",
    responses=problem_responses(404, 422, 429),
)
async def get_regime_history(
    symbol: SymbolPath,
    services: ServicesDep,
    session: SessionDep,
    resolution: ResolutionQuery = "5",
    after: Annotated[datetime | None, Query(alias="from", description=TIME)] = None,
    until: Annotated[datetime | None, Query(alias="to", description=f"{TIME}, exclusive.")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> RegimeHistoryRead:
    instrument, changes = await service.regime_history(
        session,
        services.catalogue,
        symbol,
        Resolution.parse(resolution),
        after=after,
        until=until,
        limit=limit,
    )
    return RegimeHistoryRead(
        symbol=instrument.symbol,
        resolution=resolution,
        changes=[RegimeChangeRead.of(change) for change in changes],
    )


@router.get(
    "/signals",
    response_model=SignalListRead,
    summary="The signals the running strategies gave, newest first",
    description="Every signal an enabled strategy (`PROPDESK_STRATEGIES`) gave at the close of "
    "a live bar, with the parameters it ran with; each is also published on the WebSocket "
    f"(`signals.update`). `from` and `to` bound `created_at` ({TIME}; `to` exclusive).",
    responses=problem_responses(422, 429),
)
async def list_signals(
    services: ServicesDep,
    session: SessionDep,
    symbol: Annotated[str | None, Query(min_length=1, max_length=32)] = None,
    strategy: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
    resolution: Annotated[ResolutionText | None, Query()] = None,
    after: Annotated[datetime | None, Query(alias="from", description=TIME)] = None,
    until: Annotated[datetime | None, Query(alias="to", description=f"{TIME}, exclusive.")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> SignalListRead:
    stored, total = await service.list_signals(
        session,
        services.catalogue,
        symbol=symbol,
        strategy=strategy,
        resolution=None if resolution is None else Resolution.parse(resolution),
        after=after,
        until=until,
        limit=limit,
        offset=offset,
    )
    return SignalListRead(
        signals=[SignalRead.of_stored(s) for s in stored], total=total, limit=limit, offset=offset
    )


@router.post(
    "/signals/generate",
    response_model=SignalGenerateRead,
    summary="Run a strategy now over the stored bars",
    description="Runs `strategy` afresh, with `params` (its defaults where left out), over "
    "the newest `PROPDESK_SIGNALS_WARM_UP_BARS` (500) closed bars of `symbol` at "
    "`resolution` made from the stored one-minute bars, with a regime classifier beside it "
    "as the running strategies have, and answers the last bar's signal, or `signal: null` "
    "with the `reason`. A what-if: nothing is stored or published. Needs a signed-in caller "
    "(a `read` key is enough) and counts against `PROPDESK_RATE_LIMIT_SIGNALS` per user. An "
    "unknown strategy or symbol, a resolution the strategy does not take, or a bad parameter "
    "is a 422 `VALIDATION_ERROR` naming the field (`body.params.fast_period`).",
    responses=problem_responses(401, 422, 429),
)
async def generate_signal(
    body: SignalGenerate,
    runner: RunnerDep,
    _principal: CurrentUser,
    _limit: SignalsRateLimit,
) -> SignalGenerateRead:
    generated = await service.generate(
        runner,
        symbol=body.symbol,
        resolution=Resolution.parse(body.resolution),
        strategy=body.strategy,
        params=body.params,
    )
    return SignalGenerateRead.of(generated)


@router.get(
    "/strategies",
    response_model=list[StrategyRead],
    summary="The strategies installed, their parameters, and where each runs",
    description="The built-ins and every strategy a package registers under the entry point "
    "group `propdesk.strategies`, each with the JSON Schema of its parameters.",
    responses=problem_responses(429),
)
async def list_strategies(runner: RunnerDep) -> list[StrategyRead]:
    return [StrategyRead.of(plugin, runner.running) for plugin in runner.plugins.values()]
