"""Order placement's lean lane answers regular requests itself, and exactly as FastAPI's route
does: the same status, headers and bytes, errors included.

FastAPI's route is forced by a dependency override (while the app has overrides the lane stands
aside); the lane is proven taken by making FastAPI's dependency solver fail.
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from fastapi import FastAPI, Request
from fastapi.dependencies.models import Dependant
from starlette.routing import Match

from propdesk.api.deps import get_now
from propdesk.api.lean import LeanDependency, LeanLane, install_lean_lane
from propdesk.api.routers import orders
from propdesk.config import Settings
from propdesk.domain.accounts import Role

if TYPE_CHECKING:
    from conftest import Desk, MakeUser

BODY = {"type": "limit", "limit_price": 90, "time_in_force": "gtc", "client_order_id": "same"}
# Different on every response by design.
PER_RESPONSE = {"x-request-id", "x-process-time"}


def _now() -> datetime:
    return datetime.now(UTC)


def _answer(response: httpx.Response) -> tuple[int, bytes, list[tuple[str, str]]]:
    headers = sorted((k, v) for k, v in response.headers.items() if k not in PER_RESPONSE)
    return response.status_code, response.content, headers


async def _stock(app: FastAPI, send: Callable[[], Awaitable[httpx.Response]]) -> httpx.Response:
    """The answer of FastAPI's own route: any dependency override makes the lane stand aside."""
    app.dependency_overrides[get_now] = _now
    try:
        return await send()
    finally:
        app.dependency_overrides.clear()


@pytest.fixture
def settings(make_settings: Callable[..., Settings], request: pytest.FixtureRequest) -> Settings:
    """The suite's settings; a test changes some with `indirect` parametrization."""
    return make_settings(**getattr(request, "param", {}))


async def _broken(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError("FastAPI's dependency solver was called")


@pytest.fixture
def solver_broken(monkeypatch: pytest.MonkeyPatch) -> None:
    """FastAPI's per-request dependency solving fails: only the lean lane can answer."""
    monkeypatch.setattr("fastapi.routing.solve_dependencies", _broken)


async def _lane_and_stock(
    app: FastAPI, monkeypatch: pytest.MonkeyPatch, send: Callable[[], Awaitable[httpx.Response]]
) -> tuple[httpx.Response, httpx.Response]:
    """The lane's answer (proven its own: FastAPI's solver is broken meanwhile), then the
    FastAPI route's to the same request."""
    with monkeypatch.context() as patch:
        patch.setattr("fastapi.routing.solve_dependencies", _broken)
        lane = await send()
    return lane, await _stock(app, send)


def _solved_once_in_order(dependant: Dependant) -> list[LeanDependency]:
    """The route's dependencies as FastAPI solves them: depth first, each one's own before
    it, each call once (its value is cached for the request), with where each argument
    comes from."""
    solved: dict[object, LeanDependency] = {}

    def visit(node: Dependant) -> None:
        for sub in node.dependencies:
            visit(sub)
            assert sub.use_cache, sub.call  # else FastAPI would call it once per use
            dependency = LeanDependency(sub.call, _arguments(sub))  # type: ignore[arg-type]
            solved.setdefault(sub.call, dependency)

    visit(dependant)
    return list(solved.values())


def _arguments(node: Dependant) -> tuple[object, ...]:
    """Each parameter of the dependency in order: the request, a path parameter, or the
    value of one of its own dependencies (anything else the lean solver cannot give)."""
    own = {sub.name: sub.call for sub in node.dependencies}
    path = {param.name for param in node.path_params}
    assert node.call is not None
    arguments: list[object] = []
    for name in inspect.signature(node.call).parameters:
        if name in (node.request_param_name, node.http_connection_param_name):
            arguments.append(Request)
        elif name in path:
            arguments.append(name)
        else:
            assert name in own, f"{node.call!r}: {name} is neither a dependency nor the request"
            arguments.append(own[name])
    return tuple(arguments)


def _lane(app: FastAPI) -> LeanLane:
    lane = app.router.routes[0]
    assert isinstance(lane, LeanLane)
    return lane


def test_lane_when_installed_then_first_and_standing_for_the_declared_route(
    fastapi_app: FastAPI,
) -> None:
    lane = _lane(fastapi_app)

    assert (lane.method, lane.path) == ("POST", "/api/v1/accounts/{account_id}/orders")
    assert lane.route.endpoint is orders.place_order


def test_lean_dependencies_when_compared_then_the_declared_routes_as_fastapi_solves_them(
    fastapi_app: FastAPI,
) -> None:
    route = _lane(fastapi_app).route

    declared = _solved_once_in_order(route.dependant)

    assert list(orders.LEAN_DEPENDENCIES) == declared
    # What the endpoint itself takes beyond them: the body, the request and the response.
    endpoint = {sub.name for sub in route.dependant.dependencies}
    assert set(inspect.signature(orders.place_order).parameters) - endpoint == {
        "body",
        "request",
        "response",
    }


def test_lane_when_endpoint_has_no_route_then_refused(fastapi_app: FastAPI) -> None:
    with pytest.raises(LookupError):
        install_lean_lane(fastapi_app, _now, orders.place_order_lean)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({}, Match.FULL),
        ({"method": "GET"}, Match.NONE),
        ({"path": "/api/v1/accounts/x/orders/y"}, Match.NONE),
        ({"path": "/api/v1/accounts/x"}, Match.NONE),
        ({"root_path": "/behind-a-proxy"}, Match.NONE),
        ({"propdesk.lean.declined": True}, Match.NONE),
        ({"type": "websocket"}, Match.NONE),
    ],
    ids=["regular", "get", "deeper", "shallower", "root-path", "declined", "websocket"],
)
def test_lane_matches_only_its_regular_requests(
    fastapi_app: FastAPI, change: dict[str, Any], expected: Match
) -> None:
    scope = {"type": "http", "method": "POST", "path": "/api/v1/accounts/x/orders", **change}

    match, child = _lane(fastapi_app).matches(scope)

    assert match is expected
    if expected is Match.FULL:
        assert child["path_params"] == {"account_id": "x"}
        assert child["endpoint"] is orders.place_order


async def test_place_when_regular_then_answered_without_fastapis_dependency_solver(
    desk: Desk, solver_broken: None
) -> None:
    await desk.quote("BTCUSD", "100.00", "100.01")

    response = await desk.order(qty=2)

    assert response.status_code == 201, response.text
    assert response.json()["filled_avg_price"] == 100.01


async def test_place_when_lane_and_fastapi_answer_the_same_retry_then_same_answer(
    desk: Desk, fastapi_app: FastAPI
) -> None:
    await desk.quote("BTCUSD", "100.00", "100.01")
    first = await desk.order(**BODY)
    lane_retry = await desk.order(**BODY)
    stock_retry = await _stock(fastapi_app, lambda: desk.order(**BODY))

    assert first.status_code == 201, first.text
    assert _answer(lane_retry) == _answer(stock_retry)
    assert lane_retry.status_code == 200
    assert lane_retry.content == first.content
    assert first.headers["location"] == lane_retry.headers["location"]
    assert {"content-security-policy", "x-request-id"} <= set(lane_retry.headers)


async def test_place_when_rejected_then_lane_and_fastapi_answer_alike(
    desk: Desk, fastapi_app: FastAPI
) -> None:
    await desk.quote("BTCUSD", "100.00", "100.01")
    lane = await desk.order(type="limit", limit_price=90.001)
    stock = await _stock(fastapi_app, lambda: desk.order(type="limit", limit_price=90.001))

    assert (lane.status_code, stock.status_code) == (422, 422)
    lane_problem, stock_problem = lane.json(), stock.json()
    assert lane_problem["code"] == "INVALID_TICK"
    # Each recorded its own rejected order.
    assert lane_problem.pop("order_id") != stock_problem.pop("order_id")
    assert lane_problem == stock_problem
    assert _answer(lane)[2] == _answer(stock)[2]


@pytest.mark.parametrize(
    ("content", "headers"),
    [
        (b'{"symbol": "BTCUSD", "side": "buy", "type": "market"}', {}),  # no qty
        (b'{"symbol": "BTCUSD", "side": "buy", "type": "market", "qty": 0.1', {}),  # cut off
        (b"[]", {}),
        (b'{"symbol": "BTCUSD", "side": "buy", "type": "market", "qty": 0.1}', None),
        (b"symbol=BTCUSD", {"content-type": "application/x-www-form-urlencoded"}),
        (b'{"symbol": "BTCUSD", "side": "buy", "type": "limit", "qty": 0.1}', {}),
        (
            b'{"symbol": "BTCUSD", "side": "buy", "type": "market", "qty": 0.1, '
            b'"limit_price": 90, "trail_price": 1}',
            {},
        ),
        (
            b'{"symbol": "BTCUSD", "side": "buy", "type": "trailing_stop", "qty": 0.1, '
            b'"trail_price": 1, "trail_percent": 1}',
            {},
        ),
        (
            b'{"symbol": "BTCUSD", "side": "buy", "type": "market", "qty": 0.1, '
            b'"order_class": "bracket", "take_profit": {"limit_price": 110}, '
            b'"stop_loss": {"limit_price": 89}}',
            {},
        ),
    ],
    ids=[
        "missing-field",
        "broken-json",
        "not-an-object",
        "no-content-type",
        "form",
        "limit-without-limit-price",
        "market-with-prices",
        "two-trails",
        "stop-loss-without-stop",
    ],
)
async def test_place_when_irregular_then_fastapis_answer_unchanged(
    desk: Desk, fastapi_app: FastAPI, content: bytes, headers: dict[str, str] | None
) -> None:
    async def post() -> httpx.Response:
        sent = {**desk.headers, "content-type": "application/json", **(headers or {})}
        if headers is None:
            del sent["content-type"]
        return await desk.client.post(desk.url("/orders"), content=content, headers=sent)

    lane = await post()
    stock = await _stock(fastapi_app, post)

    assert (lane.status_code, stock.status_code) == (422, 422)
    assert _answer(lane) == _answer(stock)
    assert lane.json()["code"] == "VALIDATION_ERROR"
    assert await desk.orders(status="all") == []


@pytest.mark.parametrize(
    ("path", "status"),
    [("/api/v1/accounts/not-a-uuid/orders", 422), ("/api/v1/accounts/{other}/orders", 404)],
)
async def test_place_when_bad_account_then_lane_and_fastapi_answer_alike(
    desk: Desk, fastapi_app: FastAPI, make_desk: Any, path: str, status: int
) -> None:
    other = await make_desk()

    async def post() -> httpx.Response:
        return await desk.client.post(
            path.format(other=other.account_id),
            json={"symbol": "BTCUSD", "side": "buy", "type": "market", "qty": 0.1},
            headers=desk.headers,
        )

    lane = await post()
    stock = await _stock(fastapi_app, post)

    assert lane.status_code == status
    assert lane.headers["content-type"] == "application/problem+json"
    assert _answer(lane) == _answer(stock)


async def test_place_when_no_credentials_then_401_before_the_body_is_judged(
    desk: Desk, fastapi_app: FastAPI
) -> None:
    async def post() -> httpx.Response:
        return await desk.client.post(desk.url("/orders"), json={"symbol": "BTCUSD"})

    lane = await post()
    stock = await _stock(fastapi_app, post)

    assert lane.status_code == 401
    assert _answer(lane) == _answer(stock)


ORDER = {"symbol": "BTCUSD", "side": "buy", "type": "limit", "qty": 0.1, "limit_price": 90}


@pytest.mark.parametrize(
    "credentials",
    [{}, {"Authorization": "Bearer not-a-token"}, {"X-API-Key": "pd_nope_nope"}],
    ids=["none", "bad-token", "bad-key"],
)
async def test_place_when_unauthenticated_with_a_valid_body_then_lane_and_fastapi_401_alike(
    desk: Desk,
    fastapi_app: FastAPI,
    monkeypatch: pytest.MonkeyPatch,
    credentials: dict[str, str],
) -> None:
    async def post() -> httpx.Response:
        return await desk.client.post(desk.url("/orders"), json=ORDER, headers=credentials)

    lane, stock = await _lane_and_stock(fastapi_app, monkeypatch, post)

    assert lane.status_code == 401, lane.text
    assert "www-authenticate" in lane.headers
    assert _answer(lane) == _answer(stock)


async def test_place_when_the_owner_is_a_viewer_then_lane_and_fastapi_403_alike(
    desk: Desk, fastapi_app: FastAPI, monkeypatch: pytest.MonkeyPatch, make_user: MakeUser
) -> None:
    admin = await make_user(role=Role.admin)
    demoted = await desk.client.patch(
        f"/api/v1/users/{desk.user.id}", json={"role": "viewer"}, headers=admin.headers
    )
    assert demoted.status_code == 200, demoted.text

    async def post() -> httpx.Response:
        return await desk.order(**ORDER)

    lane, stock = await _lane_and_stock(fastapi_app, monkeypatch, post)

    assert (lane.status_code, lane.json()["code"]) == (403, "READ_ONLY")
    assert _answer(lane) == _answer(stock)
    assert await desk.orders(status="all") == []


async def test_place_when_the_api_key_is_read_only_then_lane_and_fastapi_403_alike(
    desk: Desk, fastapi_app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    created = await desk.client.post(
        "/api/v1/api-keys", json={"name": "ro", "scopes": ["read"]}, headers=desk.headers
    )
    key = {"X-API-Key": created.json()["key"]}

    async def post() -> httpx.Response:
        return await desk.client.post(desk.url("/orders"), json=ORDER, headers=key)

    lane, stock = await _lane_and_stock(fastapi_app, monkeypatch, post)

    assert (lane.status_code, lane.json()["code"]) == (403, "READ_ONLY")
    assert _answer(lane) == _answer(stock)


async def test_place_when_the_client_order_id_is_taken_by_another_body_then_409_alike(
    desk: Desk, fastapi_app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    await desk.quote("BTCUSD", "100.00", "100.01")
    await desk.placed(**ORDER, time_in_force="gtc", client_order_id="taken")

    async def post() -> httpx.Response:
        return await desk.order(
            **{**ORDER, "limit_price": 91, "time_in_force": "gtc", "client_order_id": "taken"}
        )

    lane, stock = await _lane_and_stock(fastapi_app, monkeypatch, post)

    assert (lane.status_code, lane.json()["code"]) == (409, "DUPLICATE_CLIENT_ORDER_ID")
    assert _answer(lane) == _answer(stock)
    assert len(await desk.orders(status="all")) == 1


@pytest.mark.parametrize("settings", [{"rate_limit_orders": "1/minute"}], indirect=True)
async def test_place_when_rate_limited_then_lane_and_fastapi_429_with_the_same_retry_after(
    desk: Desk, fastapi_app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    await desk.order(**ORDER)  # the minute's one order
    # From now on the limiter's clock stands still: both answers wait the same whole seconds.
    frozen = time.time()
    monkeypatch.setattr("propdesk.auth.ratelimit.time", SimpleNamespace(time=lambda: frozen))

    lane, stock = await _lane_and_stock(fastapi_app, monkeypatch, lambda: desk.order(**ORDER))

    assert (lane.status_code, lane.json()["code"]) == (429, "RATE_LIMITED")
    assert 1 <= int(lane.headers["retry-after"]) <= 60
    assert _answer(lane) == _answer(stock)


async def test_place_when_the_engine_is_down_then_lane_and_fastapi_503_alike(
    desk: Desk, fastapi_app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    await desk.services.engine.stop()

    lane, stock = await _lane_and_stock(fastapi_app, monkeypatch, lambda: desk.order(**ORDER))

    assert (lane.status_code, lane.json()["code"]) == (503, "ENGINE_UNAVAILABLE")
    assert lane.headers["retry-after"] == "1"
    assert _answer(lane) == _answer(stock)
