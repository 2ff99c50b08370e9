"""Paper accounts: open, list, read, rename and set R, reset; and the rule-set presets.

Every route under `/accounts/{account_id}` takes `OwnedAccount` (or `WritableAccount`, built
on it): the one place ownership is checked.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.exceptions import RequestValidationError

from propdesk.accounts import service as accounts_service
from propdesk.api.deps import (
    CurrentTrader,
    CurrentUser,
    Now,
    OwnedAccount,
    RateLimitByIP,
    ServicesDep,
    SessionDep,
    WritableAccount,
)
from propdesk.api.errors import problem_responses
from propdesk.api.schemas.accounts import (
    AccountCreate,
    AccountPeriodRead,
    AccountRead,
    AccountUpdate,
    PresetRead,
)
from propdesk.domain.risk import PRESETS
from propdesk.services import Services
from propdesk.store.models import Account
from propdesk.trading import service as trading

router = APIRouter(tags=["accounts"], dependencies=[RateLimitByIP])


def _read(account: Account, services: Services) -> AccountRead:
    """The account with its money as the broker values it now."""
    return AccountRead.of(account, trading.account_snapshot(services.reads, str(account.id)))


@router.get(
    "/rule-sets",
    response_model=list[PresetRead],
    summary="Rule-set presets an account can be opened under",
    responses=problem_responses(429),
)
async def list_rule_sets() -> list[PresetRead]:
    return [PresetRead.from_preset(preset) for preset in PRESETS.values()]


@router.post(
    "/accounts",
    response_model=AccountRead,
    status_code=201,
    summary="Open a paper account",
    responses=problem_responses(401, 403, 409, 422, 429),
)
async def open_account(
    body: AccountCreate,
    principal: CurrentTrader,
    session: SessionDep,
    services: ServicesDep,
    now: Now,
    request: Request,
    response: Response,
) -> AccountRead:
    starting_balance, currency, rule_set = body.resolve()
    account = await accounts_service.open_account(
        session,
        owner_id=principal.user_id,
        name=body.name,
        currency=currency,
        starting_balance=starting_balance,
        rule_set=rule_set,
        now=now,
        risk_per_trade=body.risk_per_trade,
    )
    await session.commit()  # the engine reads the new row
    await trading.open_in_engine(services.port, str(account.id))
    response.headers["Location"] = str(request.url_for("get_account", account_id=account.id))
    return _read(account, services)


@router.get(
    "/accounts",
    response_model=list[AccountRead],
    summary="The caller's accounts (an admin's: everyone's)",
    responses=problem_responses(401, 422, 429),
)
async def list_accounts(
    principal: CurrentUser,
    session: SessionDep,
    services: ServicesDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[AccountRead]:
    accounts = await accounts_service.list_accounts(
        session,
        owner_id=None if principal.is_admin else principal.user_id,
        limit=limit,
        offset=offset,
    )
    return [_read(account, services) for account in accounts]


@router.get(
    "/accounts/{account_id}",
    response_model=AccountRead,
    summary="One account",
    responses=problem_responses(401, 404, 422, 429),
)
async def get_account(account: OwnedAccount, services: ServicesDep) -> AccountRead:
    return _read(account, services)


@router.patch(
    "/accounts/{account_id}",
    response_model=AccountRead,
    summary="Rename an account, set its R",
    description="Changes what the body names, and nothing else: `name`, and `risk_per_trade` "
    "(1R in money, less than the starting balance; null puts it back to the default, 1% of "
    "the starting balance). The owner or an admin. A name the owner has for another account "
    "is a 409 `ACCOUNT_NAME_TAKEN`; a bad value a 422 `VALIDATION_ERROR` naming it, and "
    "nothing changes.",
    responses=problem_responses(401, 403, 404, 409, 422, 429),
)
async def update_account(
    body: AccountUpdate,
    account: WritableAccount,
    session: SessionDep,
    services: ServicesDep,
    now: Now,
) -> AccountRead:
    if misfits := body.misfits(account.starting_balance):
        raise RequestValidationError(misfits)
    if body.name is not None:
        account = await accounts_service.rename_account(session, account, body.name, now)
    if body.changes_risk_per_trade:
        account = accounts_service.set_risk_per_trade(account, body.risk_per_trade, now)
    return _read(account, services)


@router.post(
    "/accounts/{account_id}/reset",
    response_model=AccountRead,
    summary="Reset to the starting balance",
    description="Cancels every open order and removes every position (without a fill: the "
    "closed period keeps their history), puts the balance back at the starting balance, "
    "closes the current period (kept, with its ending balance; see `/periods`) and starts a "
    "new one, active again. API keys are untouched.",
    responses=problem_responses(401, 403, 404, 422, 429, 503),
)
async def reset_account(
    account: WritableAccount, session: SessionDep, services: ServicesDep
) -> AccountRead:
    # The engine resets the broker, the balance, the status and the periods in one commit:
    # if it cannot, nothing changed (503).
    await trading.reset_account(services.port, str(account.id), account.starting_balance)
    account = await accounts_service.reload(session, account)
    return _read(account, services)


@router.get(
    "/accounts/{account_id}/periods",
    response_model=list[AccountPeriodRead],
    summary="The account's periods, oldest first (one per reset)",
    responses=problem_responses(401, 404, 422, 429),
)
async def list_periods(account: OwnedAccount, session: SessionDep) -> list[AccountPeriodRead]:
    periods = await accounts_service.list_periods(session, account)
    return [AccountPeriodRead.model_validate(period) for period in periods]
