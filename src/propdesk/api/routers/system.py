"""The system at a glance: the feed, the regimes, what trades, the engine's lag, and the
caller's default account; the risk standing of each of the caller's accounts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from propdesk.accounts import service as accounts_service
from propdesk.api.account_status import account_status
from propdesk.api.deps import CurrentUser, RateLimitByIP, ServicesDep, SessionDep
from propdesk.api.errors import problem_responses
from propdesk.api.schemas.risk import RiskRead
from propdesk.api.schemas.system import FeedRead, RegimeResolution, SystemStatusRead
from propdesk.autotrade import settings as autotrade
from propdesk.errors import NotFoundError
from propdesk.system import status
from propdesk.system.regimes import default_resolution

router = APIRouter(prefix="/system", tags=["system"], dependencies=[RateLimitByIP])

MAX_ACCOUNTS = 500


@router.get(
    "/status",
    response_model=SystemStatusRead,
    summary="The system at a glance, and the caller's default account",
    description="The feed's state; every catalogue symbol and its current regime at "
    "`resolution`; the strategies auto-trading on the caller's accounts; the engine's lag "
    "from its last ticks to their published commit; the process's uptime; and the status "
    "of the caller's default account (the first they opened; the same figures as `GET "
    "/accounts/{account_id}/status`), null when they have none (or until the engine "
    "opened it).",
    responses=problem_responses(401, 422, 429),
)
async def get_status(
    principal: CurrentUser,
    session: SessionDep,
    services: ServicesDep,
    resolution: RegimeResolution = None,
) -> SystemStatusRead:
    resolution = resolution or default_resolution(services.settings)
    accounts = await accounts_service.list_accounts(
        session, owner_id=principal.user_id, limit=MAX_ACCOUNTS, offset=0
    )
    settings = await autotrade.settings_of(session, [account.id for account in accounts])
    account = None
    if accounts:
        default = accounts[0]
        try:
            account = account_status(services, default, settings[default.id], resolution)
        except NotFoundError:  # the engine has not opened it yet
            account = None
    symbols = [instrument.symbol for instrument in services.catalogue.values()]
    return SystemStatusRead(
        feed=FeedRead.of(services.feed.status),
        symbols=symbols,
        resolution=resolution,
        regimes={s: status.regime_of(services.regimes, s, resolution) for s in symbols},
        active_strategies=status.active_strategies(settings.values()),
        engine_lag_ms=status.engine_lag_ms(services),
        uptime_s=status.uptime_s(services),
        account=account,
    )


@router.get(
    "/risk",
    response_model=list[RiskRead],
    summary="The risk standing of each of the caller's accounts",
    description="Each as `GET /accounts/{account_id}/risk` answers it, in the order the "
    "accounts were opened; one the engine has not opened yet is left out.",
    responses=problem_responses(401, 422, 429),
)
async def get_risk(
    principal: CurrentUser,
    session: SessionDep,
    services: ServicesDep,
    limit: Annotated[int, Query(ge=1, le=MAX_ACCOUNTS)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[RiskRead]:
    accounts = await accounts_service.list_accounts(
        session, owner_id=principal.user_id, limit=limit, offset=offset
    )
    reports = (services.reads.risk_report(str(account.id)) for account in accounts)
    return [RiskRead.of(report) for report in reports if report is not None]
