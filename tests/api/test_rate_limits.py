"""Rate limits: brute force on sign-in, per user, per IP, order placement; 429 + Retry-After."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI

from propdesk.api.deps import CurrentUser, OrderRateLimit
from propdesk.app import create_app
from propdesk.config import Settings
from propdesk.domain.accounts import Role
from propdesk.services import Services

if TYPE_CHECKING:
    from conftest import MakeUser


@pytest.fixture
def settings(make_settings: Callable[..., Settings]) -> Settings:
    return make_settings(
        rate_limit_auth="3/minute",
        rate_limit_user="5/minute",
        rate_limit_ip="1000/minute",
        rate_limit_orders="2/minute",
    )


@asynccontextmanager
async def serve(settings: Settings, *clients: str) -> AsyncIterator[list[httpx.AsyncClient]]:
    """One app, and one HTTP client per client IP."""
    application = create_app(settings)
    async with LifespanManager(application, startup_timeout=60) as manager:
        opened = [
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=manager.app, client=(ip, 40000)),
                base_url="http://testserver",
            )
            for ip in clients
        ]
        try:
            yield opened
        finally:
            for client in opened:
                await client.aclose()


def assert_rate_limited(response: httpx.Response) -> None:
    assert response.status_code == 429
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "RATE_LIMITED"
    assert 1 <= int(response.headers["retry-after"]) <= 60


async def sign_in(client: httpx.AsyncClient, username: str, password: str) -> httpx.Response:
    return await client.post(
        "/api/v1/auth/token", data={"username": username, "password": password}
    )


async def test_sign_in_when_burst_of_guesses_then_429_with_retry_after(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    user = await make_user()
    for guess in range(3):
        assert (await sign_in(client, user.username, f"guess-{guess}")).status_code == 401

    response = await sign_in(client, user.username, user.password)

    assert_rate_limited(response)


async def test_sign_in_when_guesses_spread_over_ips_then_username_bucket_still_limits(
    settings: Settings,
) -> None:
    async with serve(settings, "10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4") as clients:
        answers = [(await sign_in(client, "admin", "guess")).status_code for client in clients]

    assert answers[:3] == [401, 401, 401]
    assert answers[3] == 429


async def test_register_when_burst_then_429_and_nothing_created(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    admin = await make_user(role=Role.admin)
    for n in range(3):
        body = {"username": f"bulk{n}", "password": "correct-horse-battery"}
        assert (await client.post("/api/v1/auth/register", json=body)).status_code == 201

    response = await client.post(
        "/api/v1/auth/register", json={"username": "bulk3", "password": "correct-horse-battery"}
    )
    users = await client.get("/api/v1/users", headers=admin.headers)

    assert_rate_limited(response)
    assert "bulk2" in users.text
    assert "bulk3" not in users.text


async def test_refresh_when_burst_then_429(client: httpx.AsyncClient) -> None:
    for _ in range(3):
        await client.post("/api/v1/auth/refresh", json={"refresh_token": "guess"})

    response = await client.post("/api/v1/auth/refresh", json={"refresh_token": "guess"})

    assert_rate_limited(response)


async def test_authenticated_requests_when_burst_then_429_for_that_user_only(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    busy = await make_user()
    calm = await make_user()
    for _ in range(5):
        assert (await client.get("/api/v1/users/me", headers=busy.headers)).status_code == 200

    limited = await client.get("/api/v1/users/me", headers=busy.headers)
    other = await client.get("/api/v1/users/me", headers=calm.headers)

    assert_rate_limited(limited)
    assert other.status_code == 200


async def test_user_bucket_when_keys_and_tokens_mixed_then_shared(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    user = await make_user()
    key = (
        await client.post(
            "/api/v1/api-keys", json={"name": "bot", "scopes": ["read"]}, headers=user.headers
        )
    ).json()["key"]
    for _ in range(4):
        await client.get("/api/v1/users/me", headers={"X-API-Key": key})

    response = await client.get("/api/v1/users/me", headers=user.headers)

    assert_rate_limited(response)


async def test_requests_when_burst_from_one_ip_then_429(
    make_settings: Callable[..., Settings],
) -> None:
    async with serve(make_settings(rate_limit_ip="2/minute"), "10.1.1.1", "10.1.1.2") as clients:
        busy, calm = clients
        first = await busy.get("/api/v1/rule-sets")
        second = await busy.get("/api/v1/rule-sets")
        third = await busy.get("/api/v1/rule-sets")
        other = await calm.get("/api/v1/rule-sets")

    assert (first.status_code, second.status_code) == (200, 200)
    assert_rate_limited(third)
    assert other.status_code == 200


async def test_order_rate_limit_when_burst_then_429_and_other_routes_unaffected(
    client: httpx.AsyncClient, make_user: MakeUser, fastapi_app: FastAPI
) -> None:
    async def place_order(principal: CurrentUser, _: OrderRateLimit) -> dict[str, int]:
        return {"user_id": principal.user_id}

    fastapi_app.add_api_route("/test/orders", place_order, methods=["POST"])
    user = await make_user()
    for _ in range(2):
        assert (await client.post("/test/orders", headers=user.headers)).status_code == 200

    limited = await client.post("/test/orders", headers=user.headers)
    reading = await client.get("/api/v1/users/me", headers=user.headers)

    assert_rate_limited(limited)
    assert reading.status_code == 200


async def test_place_order_when_burst_then_429_and_nothing_placed_beyond_the_limit(
    client: httpx.AsyncClient, make_user: MakeUser, services: Services
) -> None:
    user = await make_user()
    account = await client.post(
        "/api/v1/accounts",
        json={"name": "burst", "rule_set": {"name": "topstep-50k"}},
        headers=user.headers,
    )
    path = f"/api/v1/accounts/{account.json()['id']}/orders"
    body = {"symbol": "BTCUSD", "side": "buy", "type": "limit", "qty": 0.01, "limit_price": 90}

    answers = [(await client.post(path, json=body, headers=user.headers)) for _ in range(3)]

    assert [a.status_code for a in answers[:2]] == [201, 201]
    assert_rate_limited(answers[2])
    assert len(services.engine.open_orders(account.json()["id"])) == 2


async def test_limits_when_disabled_then_never_429(
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings(rate_limit_auth="1/minute", rate_limits_enabled=False)
    async with serve(settings, "10.2.2.2") as (client,):
        answers = {(await sign_in(client, "admin", "guess")).status_code for _ in range(4)}

    assert answers == {401}
