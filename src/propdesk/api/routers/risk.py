"""Risk of one account: its standing against its rules (in full, and at a glance as its
status), a change of its rules, the audit log, an admin's unlock.

The standing is what the engine committed (the read model), valued at the current quotes;
a change of the rules and an unlock are commands to the engine, which alone writes risk
state.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from propdesk.api.account_status import account_status
from propdesk.api.deps import (
    CurrentAdminWriter,
    CurrentTrader,
    OwnedAccount,
    OwnedAccountRef,
    RateLimitByIP,
    ServicesDep,
    SessionDep,
    WritableAccount,
)
from propdesk.api.errors import ProblemError, problem_responses
from propdesk.api.schemas.risk import (
    AccountStatusRead,
    RiskEventRead,
    RiskRead,
    RiskRulesUpdate,
)
from propdesk.api.schemas.system import RegimeResolution
from propdesk.autotrade import settings as autotrade_settings
from propdesk.system.regimes import default_resolution
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
    "/status",
    response_model=AccountStatusRead,
    summary="The account at a glance: may it trade, its day in R",
    description="R (`risk_per_trade`) is the account's own `risk_per_trade` (set when it is "
    "opened or by `PATCH /accounts/{account_id}`), else 1% of the starting balance; "
    "`daily_pnl_r` is today's P&L in R, `weekly_pnl_r` this ISO week's, `current_r` the open "
    "positions' unrealized P&L in R. `current_regime` is the regime at `resolution` of the "
    "symbol the account trades, `active_strategy` the strategy trading it (see each field). "
    "404 `RISK_NOT_TRACKED` until the engine has opened the account.",
    responses=problem_responses(401, 404, 422, 429),
)
async def get_status(
    account: OwnedAccount,
    services: ServicesDep,
    session: SessionDep,
    resolution: RegimeResolution = None,
) -> AccountStatusRead:
    resolution = resolution or default_resolution(services.settings)
    autotrade = await autotrade_settings.get_settings(session, account.id)
    return account_status(services, account, autotrade, resolution)


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


@router.put(
    "/risk/rules",
    response_model=RiskRead,
    summary="Change the account's rules",
    description="Replaces every rule (one left out or null is not enforced); the rule set "
    "is `custom` from then on. The owner's change waits for the next trading day (the "
    "session roll, 17:00 Chicago): until then it is `pending_rules` and `rules` stay in "
    "force (a second change before the roll replaces the first). An admin's change is in "
    "force at once (and drops a change that waited); the account is judged by it at once "
    "too, so a limit already passed locks it. While the account is locked its owner may "
    "not change its rules: 422 `ACCOUNT_LOCKED`, the same refusal as an order's (a business "
    "rule refuses, the request collides with nothing stored, so not a 409). Each change is "
    "in the audit log as `RULES_CHANGED`. A bad value is a 422 `VALIDATION_ERROR` naming it, "
    "and changes nothing.",
    responses=problem_responses(401, 403, 404, 422, 429, 503),
)
async def change_rules(
    account: WritableAccount,
    principal: CurrentTrader,
    body: RiskRulesUpdate,
    services: ServicesDep,
) -> RiskRead:
    if body.max_loss is not None and body.max_loss >= account.starting_balance:
        raise ProblemError(
            422,
            "invalid request: body.max_loss",
            code="VALIDATION_ERROR",
            errors=[
                {
                    "loc": ["body", "max_loss"],
                    "msg": f"must be less than the starting balance ({account.starting_balance})",
                    "type": "less_than",
                }
            ],
        )
    report = await trading.change_rules(
        services.port,
        services.reads,
        str(account.id),
        body.to_domain(),
        at_once=principal.is_admin,
    )
    return RiskRead.of(report)
