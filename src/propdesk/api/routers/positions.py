"""Positions of one account: list, read, close (at market), close all (Alpaca's routes).

Positions and their P&L are what the engine committed, valued at the current quotes.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Path, Query

from propdesk.api.deps import (
    OwnedAccountRef,
    RateLimitByIP,
    ServicesDep,
    WritableAccountRef,
)
from propdesk.api.errors import problem_of, problem_responses, service_error_status
from propdesk.api.schemas.numbers import MAX_DECIMALS, MAX_QTY
from propdesk.api.schemas.orders import OrderRead
from propdesk.api.schemas.positions import ClosedPositionRead, PositionRead
from propdesk.domain.commands import CloseAllPositions, ClosePosition
from propdesk.errors import ServiceError
from propdesk.trading import service as trading

router = APIRouter(
    prefix="/accounts/{account_id}", tags=["positions"], dependencies=[RateLimitByIP]
)

SymbolPath = Annotated[
    str, Path(min_length=1, max_length=32, description="A catalogue symbol (case is ignored).")
]


@router.get(
    "/positions",
    response_model=list[PositionRead],
    summary="The account's open positions",
    responses=problem_responses(401, 404, 422, 429),
)
async def list_positions(account: OwnedAccountRef, services: ServicesDep) -> list[PositionRead]:
    values = trading.positions(services.reads, str(account.id))
    return [PositionRead.model_validate(value) for value in values]


@router.get(
    "/positions/{symbol}",
    response_model=PositionRead,
    summary="One open position",
    description="404 `POSITION_NOT_FOUND` when the account is flat in the symbol.",
    responses=problem_responses(401, 404, 422, 429),
)
async def get_position(
    symbol: SymbolPath, account: OwnedAccountRef, services: ServicesDep
) -> PositionRead:
    value = trading.position(services.reads, services.catalogue, str(account.id), symbol)
    return PositionRead.model_validate(value)


@router.delete(
    "/positions/{symbol}",
    response_model=OrderRead,
    summary="Close a position at market (all of it, or `qty`)",
    description="Answers with the closing market order. Closing all of it first cancels the "
    "symbol's open orders, so that no exit leg reopens it. 404 `POSITION_NOT_FOUND` when "
    "flat; 422 `INVALID_QUANTITY` (more than the position, off the lot step), "
    "`MARKET_CLOSED`, `NO_QUOTE` (with the rejected order's `order_id`).",
    responses=problem_responses(401, 403, 404, 422, 429, 503),
)
async def close_position(
    symbol: SymbolPath,
    account: WritableAccountRef,
    services: ServicesDep,
    qty: Annotated[
        Decimal | None,
        Query(
            gt=0,
            le=MAX_QTY,
            decimal_places=MAX_DECIMALS,
            allow_inf_nan=False,
            description="How much to close; all of it when absent.",
        ),
    ] = None,
) -> OrderRead:
    command = ClosePosition(str(account.id), symbol, qty)
    return OrderRead.of(await trading.close_position(services.port, command))


@router.delete(
    "/positions",
    response_model=list[ClosedPositionRead],
    status_code=207,
    summary="Close every position at market, canceling every open order",
    description="207 with one result per position, as Alpaca answers: 200 and the closing "
    "order, or the error's status and its problem.",
    responses=problem_responses(401, 403, 404, 422, 429, 503),
)
async def close_all_positions(
    account: WritableAccountRef, services: ServicesDep
) -> list[ClosedPositionRead]:
    command = CloseAllPositions(str(account.id))
    results = await trading.close_all_positions(services.port, services.reads, command)
    return [_closed(result) for result in results]


def _closed(result: trading.Closed) -> ClosedPositionRead:
    outcome = result.outcome
    if isinstance(outcome, ServiceError):
        status, body = service_error_status(outcome), problem_of(outcome)
        return ClosedPositionRead(symbol=result.symbol, status=status, body=body)
    return ClosedPositionRead(symbol=result.symbol, status=200, body=OrderRead.of(outcome))
