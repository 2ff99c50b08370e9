"""Orders of one account: place, list, read, modify, cancel (Alpaca's routes and names).

Writes go to the engine and are answered once durable; reads come from the store.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from propdesk.accounts.owners import AccountRef
from propdesk.api import deps
from propdesk.api.deps import (
    OrderRateLimit,
    OwnedAccountRef,
    RateLimitByIP,
    ServicesDep,
    SessionDep,
    WritableAccountRef,
)
from propdesk.api.errors import problem_responses
from propdesk.api.exact_json import ExactJSONRequest, ExactJSONRoute
from propdesk.api.lean import LeanDependency, is_json, solve
from propdesk.api.schemas.orders import (
    PRINTABLE,
    CanceledOrderRead,
    OrderCreate,
    OrderRead,
    OrderUpdate,
)
from propdesk.domain.commands import CancelAllOrders, CancelOrder
from propdesk.domain.orders import OrderId
from propdesk.services import Services
from propdesk.trading import service as trading

router = APIRouter(
    prefix="/accounts/{account_id}",
    tags=["orders"],
    dependencies=[RateLimitByIP],
    route_class=ExactJSONRoute,
)

OrderIdPath = Annotated[str, Path(min_length=1, max_length=64, description="The order's id.")]
ClientOrderIdPath = Annotated[
    str, Path(min_length=1, max_length=64, pattern=PRINTABLE, description="As placed.")
]
Symbol = Annotated[
    str | None, Query(min_length=1, max_length=32, description="Only this symbol's orders.")
]
StrategyFilter = Annotated[
    str | None, Query(min_length=1, max_length=64, description="Only orders with this strategy.")
]
TagFilter = Annotated[
    str | None, Query(min_length=1, max_length=64, description="Only orders with this tag.")
]
After = Annotated[datetime | None, Query(description="Created after this time (exclusive).")]
Until = Annotated[datetime | None, Query(description="Created at or before this time.")]


async def place_order(
    body: OrderCreate,
    account: WritableAccountRef,
    _limit: OrderRateLimit,
    services: ServicesDep,
    request: Request,
    response: Response,
) -> OrderRead:
    view, status = await _place(services, account, body)
    response.status_code = status
    response.headers["Location"] = f"{request.url.path}/{view.order.id}"
    return OrderRead.of_view(view)


async def _place(
    services: Services, account: AccountRef, body: OrderCreate
) -> tuple[trading.OrderView, int]:
    # No request session: the answer comes from the engine.
    placed = await trading.place_order(services.port, body.to_command(str(account.id)))
    return placed.view, 201 if placed.created else 200


LEAN_DEPENDENCIES = (
    LeanDependency(deps.limit_by_ip, (Request,)),
    LeanDependency(deps.get_now),
    LeanDependency(deps.oauth2_scheme, (Request,)),
    LeanDependency(deps.api_key_scheme, (Request,)),
    LeanDependency(
        deps.get_owned_account_ref,
        ("account_id", Request, deps.get_now, deps.oauth2_scheme, deps.api_key_scheme),
    ),
    LeanDependency(deps.get_writable_account_ref, (deps.get_owned_account_ref, Request)),
    LeanDependency(
        deps.get_principal, (Request, deps.get_now, deps.oauth2_scheme, deps.api_key_scheme)
    ),
    LeanDependency(deps.limit_orders, (deps.get_principal, Request)),
    LeanDependency(deps.get_services, (Request,)),
)
"""`place_order`'s dependencies in the order FastAPI solves them, each once (a test holds
this to the route's dependency tree)."""


async def place_order_lean(request: ExactJSONRequest) -> Response | None:
    """`place_order` for a regular request, its dependencies (LEAN_DEPENDENCIES) called in
    FastAPI's order (the lean lane of `POST orders`, see `propdesk.api.lean`); None, having
    done nothing, for anything else."""
    raw_id: str = request.path_params.get("account_id", "")
    if len(raw_id) != 36 or not is_json(request):
        return None
    try:
        account_id = uuid.UUID(raw_id)
        body = OrderCreate.model_validate(await request.json())
    except (ValueError, ValidationError):  # FastAPI's handler answers with the details
        return None
    solved = await solve(LEAN_DEPENDENCIES, request, {"account_id": account_id})
    account = solved[deps.get_writable_account_ref]
    view, status = await _place(solved[deps.get_services], account, body)
    return Response(
        OrderRead.json_of_view(view),
        status_code=status,
        media_type="application/json",
        # Spelled out: `request.url_for` walks the whole route table, on the hottest route.
        headers={"Location": f"{request.scope['path']}/{view.order.id}"},
    )


router.add_api_route(
    "/orders",
    place_order,
    methods=["POST"],
    response_model=OrderRead,
    status_code=201,
    summary="Place an order",
    description="201 with the new order (accepted, and perhaps already filled). A retry with "
    "the same `client_order_id` and body answers 200 with the original order as it is now; "
    "the same id with another body is a 409 `DUPLICATE_CLIENT_ORDER_ID`. When the broker "
    "rejects it, the order is recorded (`status: rejected`) and the answer is a 422 problem "
    "whose `code` is the reason (`INVALID_TICK`, `MARKET_CLOSED`, `INSUFFICIENT_BUYING_POWER`"
    "…) and whose `order_id` names the rejected order. A malformed body (prices that do "
    "not fit the order type among it) is a 422 `VALIDATION_ERROR` and records nothing.",
    responses={
        200: {"model": OrderRead, "description": "A retry: the original order, as it is now"},
        **problem_responses(401, 403, 404, 409, 422, 429, 503),
    },
    # The hottest route: `create_app` gives it a lean lane (`place_order_lean`).
)


@router.get(
    "/orders",
    response_model=list[OrderRead],
    summary="The account's orders, newest first",
    description="`nested` (the default) lists a bracket once, with its legs under `legs` of "
    "its entry; a bracket counts as open while any of its orders is.",
    responses=problem_responses(401, 404, 422, 429),
)
async def list_orders(
    account: OwnedAccountRef,
    session: SessionDep,
    services: ServicesDep,
    status: Literal["open", "closed", "all"] = "open",
    symbol: Symbol = None,
    strategy: StrategyFilter = None,
    tag: TagFilter = None,
    after: After = None,
    until: Until = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
    nested: bool = True,
) -> list[OrderRead]:
    views = await trading.list_orders(
        session,
        services.catalogue,
        str(account.id),
        status=status,
        symbol=symbol,
        strategy=strategy,
        tag=tag,
        after=after,
        until=until,
        limit=limit,
        offset=offset,
        nested=nested,
    )
    return [OrderRead.of_view(view) for view in views]


@router.get(
    "/orders/by-client-id/{client_order_id}",
    response_model=OrderRead,
    summary="One order, by its client order id",
    responses=problem_responses(401, 404, 422, 429),
)
async def get_order_by_client_id(
    client_order_id: ClientOrderIdPath,
    account: OwnedAccountRef,
    session: SessionDep,
) -> OrderRead:
    view = await trading.get_order_by_client_id(session, str(account.id), client_order_id)
    return OrderRead.of_view(view)


@router.get(
    "/orders/{order_id}",
    response_model=OrderRead,
    summary="One order (a bracket entry with its legs)",
    responses=problem_responses(401, 404, 422, 429),
)
async def get_order(
    order_id: OrderIdPath, account: OwnedAccountRef, session: SessionDep
) -> OrderRead:
    return OrderRead.of_view(await trading.get_order(session, str(account.id), order_id))


@router.patch(
    "/orders/{order_id}",
    response_model=OrderRead,
    summary="Modify an open order",
    description="Changes the order in place (its id stays). A price the order's type does "
    "not have is a 422 `VALIDATION_ERROR` naming it. 422 `ORDER_NOT_MODIFIABLE` once it is "
    "no longer open; other 422 codes as for placing (`INVALID_TICK`, `INVALID_QUANTITY`…); "
    "the order is unchanged then.",
    responses=problem_responses(401, 403, 404, 422, 429, 503),
)
async def modify_order(
    order_id: OrderIdPath,
    body: OrderUpdate,
    account: WritableAccountRef,
    _limit: OrderRateLimit,
    session: SessionDep,
    services: ServicesDep,
) -> OrderRead:
    order = await trading.get_order(session, str(account.id), order_id)
    if misfits := body.misfits(order.order.type):  # malformed: the engine never sees it
        raise RequestValidationError(misfits)
    command = body.to_command(str(account.id), order_id)
    return OrderRead.of_view(await trading.modify_order(session, services.port, command))


@router.delete(
    "/orders/{order_id}",
    status_code=204,
    summary="Cancel an order",
    description="A bracket entry canceled before it fills takes its legs along. 422 "
    "`ORDER_NOT_CANCELABLE` once it is no longer open.",
    responses=problem_responses(401, 403, 404, 422, 429, 503),
)
async def cancel_order(
    order_id: OrderIdPath, account: WritableAccountRef, services: ServicesDep
) -> Response:
    command = CancelOrder(str(account.id), OrderId(order_id))
    await trading.cancel_order(services.port, command)
    return Response(status_code=204)


@router.delete(
    "/orders",
    response_model=list[CanceledOrderRead],
    status_code=207,
    summary="Cancel every open order (of one symbol)",
    description="207 with one result per canceled order, as Alpaca answers.",
    responses=problem_responses(401, 403, 404, 422, 429, 503),
)
async def cancel_all_orders(
    account: WritableAccountRef,
    services: ServicesDep,
    symbol: Annotated[
        str | None, Query(min_length=1, max_length=32, description="Only this symbol's orders.")
    ] = None,
) -> list[CanceledOrderRead]:
    command = CancelAllOrders(str(account.id), symbol)
    canceled = await trading.cancel_all_orders(services.port, command)
    return [
        CanceledOrderRead(id=order.id, status=200, body=OrderRead.of(order)) for order in canceled
    ]
