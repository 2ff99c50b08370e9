"""Executions (fills) of one account, newest first."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query

from propdesk.api.deps import OwnedAccountRef, RateLimitByIP, ServicesDep, SessionDep
from propdesk.api.errors import problem_responses
from propdesk.api.schemas.executions import ExecutionRead
from propdesk.trading import service as trading

router = APIRouter(
    prefix="/accounts/{account_id}", tags=["executions"], dependencies=[RateLimitByIP]
)


@router.get(
    "/executions",
    response_model=list[ExecutionRead],
    summary="The account's executions (fills), newest first",
    responses=problem_responses(401, 404, 422, 429),
)
async def list_executions(
    account: OwnedAccountRef,
    session: SessionDep,
    services: ServicesDep,
    symbol: Annotated[str | None, Query(min_length=1, max_length=32)] = None,
    order_id: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
    after: Annotated[datetime | None, Query(description="Exclusive.")] = None,
    until: Annotated[datetime | None, Query(description="Inclusive.")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[ExecutionRead]:
    fills = await trading.list_executions(
        session,
        services.catalogue,
        str(account.id),
        symbol=symbol,
        order_id=order_id,
        after=after,
        until=until,
        limit=limit,
        offset=offset,
    )
    return [ExecutionRead.of(fill) for fill in fills]
