"""Auto-trading of one account: which strategies' signals on which symbols become bracket
orders, and how large. Off by default.

The settings are the owner's, written here; the orders they lead to go through the trading
port like any other (`propdesk.autotrade.runtime`).
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.exceptions import RequestValidationError

from propdesk.api.deps import (
    Now,
    OwnedAccountRef,
    RateLimitByIP,
    ServicesDep,
    SessionDep,
    WritableAccountRef,
)
from propdesk.api.errors import problem_responses
from propdesk.api.schemas.autotrade import AutotradeRead, AutotradeUpdate
from propdesk.autotrade import settings as autotrade

router = APIRouter(
    prefix="/accounts/{account_id}", tags=["autotrade"], dependencies=[RateLimitByIP]
)

DESCRIPTION = """\
Each signal of a chosen strategy on a chosen symbol (while it has not expired) becomes one
bracket order: a market entry, its take profit at the signal's target and its stop loss at
the signal's stop (both good till canceled), `strategy` the signal's strategy and `tag` (the
setup, in the journal) its strategy's name too; the signal's regime stays with the signal.
Its `client_order_id` is `sig-` and a hash of the signal's id and the account, so a signal
delivered twice places one order. A signal is not traded, and the risk audit log
(`GET …/risk/events`) says why with the code `AUTOTRADE_SKIPPED`, when the account is locked,
when it already holds a position or working orders in the symbol (one trade per symbol at a
time), or when `risk_per_trade_r` sizes it below one lot step. The risk rules judge each
order as any other: a refusal is a rejected order in the order history, with its reason."""


@router.get(
    "/autotrade",
    response_model=AutotradeRead,
    summary="The account's auto-trading",
    description="Off, with nothing chosen, until it is set.",
    responses=problem_responses(401, 404, 422, 429),
)
async def get_autotrade(account: OwnedAccountRef, session: SessionDep) -> AutotradeRead:
    return AutotradeRead.of(await autotrade.get_settings(session, account.id))


@router.put(
    "/autotrade",
    response_model=AutotradeRead,
    summary="Set the account's auto-trading",
    description=DESCRIPTION
    + "\n\nExactly one of `qty` and `risk_per_trade_r`; an unknown strategy or symbol, or a "
    "`qty` off a symbol's lot step, is a 422 `VALIDATION_ERROR` naming the field, and "
    "changes nothing.",
    responses=problem_responses(401, 403, 404, 422, 429),
)
async def put_autotrade(
    body: AutotradeUpdate,
    account: WritableAccountRef,
    session: SessionDep,
    services: ServicesDep,
    now: Now,
) -> AutotradeRead:
    if misfits := body.misfits(services.catalogue):
        raise RequestValidationError(misfits)
    settings = await autotrade.put_settings(
        session,
        account.id,
        enabled=body.enabled,
        strategies=list(dict.fromkeys(body.strategies)),
        symbols=body.symbols_in(services.catalogue),
        qty=body.qty,
        risk_per_trade_r=body.risk_per_trade_r,
        now=now,
    )
    return AutotradeRead.of(settings)
