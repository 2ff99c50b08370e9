"""The journal of one account: its round trips (trades), the trader's notes on them, and the
performance analytics over the closed ones (metrics, equity curve, calendar).

Trades are what the engine committed; the notes are the one thing written here.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import StreamingResponse
from pydantic import AfterValidator

from propdesk.analytics import Granularity, GroupBy
from propdesk.api.deps import (
    Now,
    OwnedAccount,
    RateLimitByIP,
    ServicesDep,
    SessionDep,
    WritableAccount,
)
from propdesk.api.errors import problem_responses
from propdesk.api.schemas.journal import (
    CalendarRead,
    EquityPointRead,
    EquityRead,
    MetricsRead,
    TradeList,
    TradeRead,
    TradeUpdate,
    csv_header,
    csv_lines,
)
from propdesk.domain.risk.windows import zone
from propdesk.trading import journal
from propdesk.trading.journal import TripFilter
from propdesk.trading.service import as_utc

router = APIRouter(prefix="/accounts/{account_id}", tags=["journal"], dependencies=[RateLimitByIP])

TIMES = (
    "An ISO 8601 time (UTC when it has no offset) or UNIX seconds (as `after` and `until` of "
    "the executions take)."
)
LabelFilter = Annotated[str | None, Query(min_length=1, max_length=64)]
TradeId = Annotated[
    str,
    Path(
        min_length=1,
        max_length=120,
        description="`{account_id}:{symbol}:{n}` (the colons may be sent URL-encoded, `%3A`).",
    ),
]


def _known_zone(name: str) -> str:
    zone(name)  # ValueError naming it: a 422
    return name


async def trade_filter(
    symbol: Annotated[str | None, Query(min_length=1, max_length=32)] = None,
    strategy: Annotated[LabelFilter, Query(description="The entry order's `strategy`.")] = None,
    setup: Annotated[
        LabelFilter,
        Query(description="The trade's setup: the trader's, else the entry order's `tag`."),
    ] = None,
    regime: LabelFilter = None,
    side: Literal["long", "short"] | None = None,
    tag: Annotated[
        str | None,
        Query(min_length=1, max_length=32, description="One of the trade's tags (the trader's)."),
    ] = None,
    opened_from: Annotated[
        datetime | None,
        Query(alias="from", description=f"Opened at or after this time (inclusive). {TIMES}"),
    ] = None,
    opened_to: Annotated[
        datetime | None,
        Query(alias="to", description=f"Opened before this time (exclusive). {TIMES}"),
    ] = None,
) -> TripFilter:
    opened_from, opened_to = as_utc(opened_from), as_utc(opened_to)
    if opened_from is not None and opened_to is not None and opened_to <= opened_from:
        raise RequestValidationError(
            [
                {
                    "type": "greater_than",
                    "loc": ("query", "to"),
                    "msg": "must be later than `from`",
                    "input": str(opened_to),
                }
            ]
        )
    return TripFilter(
        symbol=symbol,
        strategy=strategy,
        setup=setup,
        regime=regime,
        side=None if side is None else ("buy" if side == "long" else "sell"),
        tag=tag,
        opened_from=opened_from,
        opened_to=opened_to,
    )


TradeFilter = Annotated[TripFilter, Depends(trade_filter)]
Status = Annotated[
    Literal["open", "closed", "all"],
    Query(description="`open`: still held; `closed`: flat again; `all`: both."),
]


# ---------------------------------------------------------------------- trades


@router.get(
    "/trades",
    response_model=TradeList,
    summary="The account's trades (round trips), newest opened first",
    description="Every filter given narrows the list; `total` counts the matches over all "
    "pages. A bad parameter is a 422 `VALIDATION_ERROR` naming it.",
    responses=problem_responses(401, 404, 422, 429),
)
async def list_trades(
    account: OwnedAccount,
    session: SessionDep,
    services: ServicesDep,
    criteria: TradeFilter,
    status: Status = "all",
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> TradeList:
    trips, total = await journal.list_trades(
        session,
        services.catalogue,
        str(account.id),
        replace(criteria, status=status),
        limit=limit,
        offset=offset,
    )
    risk = journal.basis_of(account).risk_per_trade
    return TradeList(
        trades=[TradeRead.of(trip, risk) for trip in trips],
        total=total,
        limit=limit,
        offset=offset,
    )


@router.get(
    "/trades.csv",
    response_model=str,
    response_class=StreamingResponse,
    summary="The account's trades as CSV, newest opened first",
    description="The filters of `GET trades`, every match (no pages), streamed: a header "
    "row of the trade's fields, then one trade a line. Numbers are exact decimals, times ISO "
    "8601 UTC, lists (`tags`, `order_ids`, `fill_ids`) JSON arrays, null an empty field.",
    responses={
        200: {"content": {"text/csv": {"schema": {"type": "string"}}}, "description": "CSV"},
        **problem_responses(401, 404, 422, 429),
    },
)
async def export_trades(
    account: OwnedAccount,
    services: ServicesDep,
    criteria: TradeFilter,
    status: Status = "all",
) -> StreamingResponse:
    account_id = str(account.id)
    risk = journal.basis_of(account).risk_per_trade
    batches = journal.export_trades(
        services.database, services.catalogue, account_id, replace(criteria, status=status)
    )

    async def lines() -> AsyncIterator[str]:
        yield csv_header()
        async for trips in batches:
            yield csv_lines(TradeRead.of(trip, risk) for trip in trips)

    return StreamingResponse(
        lines(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="trades-{account_id}.csv"'},
    )


@router.get(
    "/trades/recent/{limit}",
    response_model=TradeList,
    summary="The account's last closed trades, the last closed first",
    description="`total` counts every closed trade.",
    responses=problem_responses(401, 404, 422, 429),
)
async def recent_trades(
    limit: Annotated[int, Path(ge=1, le=500, description="How many (1–500).")],
    account: OwnedAccount,
    session: SessionDep,
) -> TradeList:
    trips, total = await journal.recent_trades(session, str(account.id), limit)
    risk = journal.basis_of(account).risk_per_trade
    return TradeList(
        trades=[TradeRead.of(trip, risk) for trip in trips], total=total, limit=limit, offset=0
    )


@router.get(
    "/trades/{trade_id}",
    response_model=TradeRead,
    summary="One trade",
    responses=problem_responses(401, 404, 422, 429),
)
async def get_trade(trade_id: TradeId, account: OwnedAccount, session: SessionDep) -> TradeRead:
    trip = await journal.get_trade(session, str(account.id), trade_id)
    return TradeRead.of(trip, journal.basis_of(account).risk_per_trade)


@router.patch(
    "/trades/{trade_id}",
    response_model=TradeRead,
    summary="Write notes, tags, a setup or a screenshot on a trade",
    description="Sets what the body names, and nothing else; the trade as it is then. The "
    "trader's setup and tags take the place of what the orders carried, in the answers and "
    "the filters. A bad body is a 422 `VALIDATION_ERROR` naming the field (unknown fields "
    "too), and nothing changes.",
    responses=problem_responses(401, 403, 404, 422, 429),
)
async def annotate_trade(
    trade_id: TradeId,
    body: TradeUpdate,
    account: WritableAccount,
    session: SessionDep,
    now: Now,
) -> TradeRead:
    trip = await journal.annotate_trade(session, str(account.id), trade_id, body.changes(), now)
    return TradeRead.of(trip, journal.basis_of(account).risk_per_trade)


# ---------------------------------------------------------------------- analytics


@router.get(
    "/metrics",
    response_model=MetricsRead,
    summary="Performance figures over the closed trades",
    description="Win rate and its Wilson 95% lower bound, profit factor, expectancy in money "
    "and in R, payoff ratio, drawdown in money, in R and in time, Sharpe and Sortino of the "
    "daily returns (× √252), SQN, best and worst day, consistency, average duration; each "
    "defined in the schema. Over the closed trades that match the filters (those of `GET "
    "trades`), the last `window` of them; a trade's R is over its initial stop's risk, else "
    "the account's `risk_per_trade`; days are the trading days of the account's rules.",
    responses=problem_responses(401, 404, 422, 429),
)
async def get_metrics(
    account: OwnedAccount,
    session: SessionDep,
    services: ServicesDep,
    request: Request,
    criteria: TradeFilter,
    window: Annotated[
        int | None,
        Query(ge=1, le=1_000_000, description="The last this many closed trades (default: all)."),
    ] = None,
    group_by: Annotated[
        GroupBy | None,
        Query(
            description="The same figures per strategy, setup, symbol, regime, weekday of "
            "the close's trading day, or hour of the entry (in `timezone`)."
        ),
    ] = None,
    breakeven: Annotated[
        Decimal,
        Query(
            ge=0,
            le=1_000_000_000,
            allow_inf_nan=False,
            description="The breakeven band in money: |net P&L| ≤ it is neither a win nor a "
            "loss (default 0: only an exact zero).",
        ),
    ] = Decimal(0),
    timezone: Annotated[
        str,
        AfterValidator(_known_zone),
        Query(max_length=64, description="IANA zone of `group_by=hour`'s hours."),
    ] = "UTC",
) -> MetricsRead:
    basis = journal.basis_of(account)
    figures, groups = await journal.metrics(
        session,
        services.catalogue,
        basis,
        criteria,
        window=window,
        breakeven=breakeven,
        group_by=group_by,
        timezone=timezone,
    )
    return MetricsRead(
        metrics=figures,
        groups=groups,
        group_by=group_by,
        window=window,
        breakeven=breakeven,
        starting_balance=basis.starting_balance,
        risk_per_trade=basis.risk_per_trade,
        definitions_url=f"{request.app.openapi_url}#/components/schemas/Metrics",
    )


@router.get(
    "/equity",
    response_model=EquityRead,
    summary="The equity curve of the closed trades",
    description="A point per closed trade (`granularity=trade`) or per trading day with a "
    "close (`day`): equity, cumulative P&L, the period's P&L and the drawdown from the "
    "running high.",
    responses=problem_responses(401, 404, 422, 429),
)
async def get_equity(
    account: OwnedAccount,
    session: SessionDep,
    granularity: Granularity = "trade",
) -> EquityRead:
    basis = journal.basis_of(account)
    points = await journal.equity(session, basis, granularity)
    return EquityRead(
        granularity=granularity,
        starting_balance=basis.starting_balance,
        points=[EquityPointRead.of(point) for point in points],
    )


Month = Annotated[
    str | None,
    Query(
        pattern=r"^[0-9]{4}-(0[1-9]|1[0-2])$",
        description="YYYY-MM, from 1970-01 to 9998-12. Default: the month of the account's "
        "trading day now.",
        examples=["2025-01"],
    ),
]


@router.get(
    "/calendar",
    response_model=CalendarRead,
    summary="A month of trading days: P&L, trades and R per day",
    responses=problem_responses(401, 404, 422, 429),
)
async def get_calendar(
    account: OwnedAccount, session: SessionDep, now: Now, month: Month = None
) -> CalendarRead:
    basis = journal.basis_of(account)
    if month is None:
        month = basis.trading_day(now.timestamp()).isoformat()[:7]
    year, number = int(month[:4]), int(month[5:])
    if not 1970 <= year <= 9998:
        raise RequestValidationError(
            [
                {
                    "type": "value_error",
                    "loc": ("query", "month"),
                    "msg": "must be a month from 1970-01 to 9998-12",
                    "input": month,
                }
            ]
        )
    days = await journal.month_calendar(session, basis, year, number)
    return CalendarRead(month=month, days=days)
