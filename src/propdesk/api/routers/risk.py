"""Risk of one account: its standing against its rules, the audit log, an admin's unlock.

The standing is what the engine committed (the read model), valued at the current quotes;
an unlock is a command to the engine, which alone writes risk state.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from propdesk.api.deps import (
    CurrentAdminWriter,
    OwnedAccountRef,
    RateLimitByIP,
    ServicesDep,
    SessionDep,
)
from propdesk.api.errors import problem_responses
from propdesk.api.schemas.risk import RiskEventRead, RiskRead
from propdesk.trading import service as trading

router = APIRouter(prefix="/accounts/{account_id}", tags=["risk"], dependencies=[RateLimitByIP])


@router.get(
    "/risk",
    response_model=RiskRead,
    summary="The account's standing against its rules",
    description="`can_trade` and, when locked, why and until when; each tripwire with its "
    "value, limit, what remains and its status (`warning` once `warning_ratio` of it is "
    "used); the maximum-loss floor and the high it trails; trade and red-day counters; "
    "profit-target progress and consistency (best day ÷ total profit), reported, not "
    "enforced. 404 `RISK_NOT_TRACKED` until the engine has opened the account.",
    responses=problem_responses(401, 404, 422, 429),
)
async def get_risk(account: OwnedAccountRef, services: ServicesDep) -> RiskRead:
    return RiskRead.of(trading.risk_report(services.reads, str(account.id)))


@router.get(
    "/risk/events",
    response_model=list[RiskEventRead],
    summary="The account's risk audit log, newest first",
    responses=problem_responses(401, 404, 422, 429),
)
async def list_risk_events(
    account: OwnedAccountRef,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[RiskEventRead]:
    events = await trading.list_risk_events(session, str(account.id), limit=limit, offset=offset)
    return [RiskEventRead.model_validate(event) for event in events]


@router.post(
    "/risk/unlock",
    response_model=RiskRead,
    summary="Lift the account's lock (admins only)",
    description="Recorded in the audit log as `UNLOCKED`. A lock that was not there is no "
    "error: the standing is answered as it is.",
    responses=problem_responses(401, 403, 404, 422, 429, 503),
)
async def unlock(
    account: OwnedAccountRef, _admin: CurrentAdminWriter, services: ServicesDep
) -> RiskRead:
    await trading.unlock_account(services.port, str(account.id))
    return RiskRead.of(trading.risk_report(services.reads, str(account.id)))
