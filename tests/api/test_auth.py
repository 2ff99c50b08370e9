"""Sign-up, sign-in, refresh rotation with reuse detection, sign-out, and every 401."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import httpx
import jwt
from asgi_lifespan import LifespanManager
from fastapi import FastAPI

from propdesk.api.deps import get_now
from propdesk.app import create_app
from propdesk.config import Settings
from propdesk.domain.accounts import Role

if TYPE_CHECKING:
    from conftest import MakeUser

ME = "/api/v1/users/me"


@asynccontextmanager
async def serve(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    application = create_app(settings)
    async with LifespanManager(application, startup_timeout=60) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client


async def sign_in(client: httpx.AsyncClient, username: str, password: str) -> httpx.Response:
    return await client.post(
        "/api/v1/auth/token", data={"username": username, "password": password}
    )


def move_clock(fastapi_app: FastAPI, by: timedelta) -> None:
    later = datetime.now(UTC) + by
    fastapi_app.dependency_overrides[get_now] = lambda: later


# --- sign-up -----------------------------------------------------------------------------


async def test_register_when_signup_open_then_201_trader_without_password(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        "/api/v1/auth/register", json={"username": "Alice", "password": "correct-horse-battery"}
    )

    assert response.status_code == 201
    body = response.json()
    assert body["username"] == "alice"
    assert body["role"] == "trader"
    assert body["is_active"] is True
    assert body["created_at"].endswith("Z")
    assert "password" not in response.text
    assert "argon2" not in response.text


async def test_register_when_signup_closed_then_403_and_no_user(
    make_settings: Callable[..., Settings],
) -> None:
    async with serve(make_settings(allow_signup=False)) as client:
        response = await client.post(
            "/api/v1/auth/register", json={"username": "mallory", "password": "correct-horse-1"}
        )
        signed_in = await sign_in(client, "mallory", "correct-horse-1")

    assert response.status_code == 403
    assert response.json()["code"] == "SIGNUP_DISABLED"
    assert signed_in.status_code == 401


async def test_register_when_username_taken_in_other_case_then_409(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    await make_user("bob")

    response = await client.post(
        "/api/v1/auth/register", json={"username": "BOB", "password": "correct-horse-battery"}
    )

    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "USERNAME_TAKEN"


async def test_register_when_input_bad_then_422_naming_the_field(
    client: httpx.AsyncClient,
) -> None:
    short = await client.post(
        "/api/v1/auth/register", json={"username": "ok-name", "password": "pw-7x"}
    )
    spaced = await client.post(
        "/api/v1/auth/register", json={"username": "no spaces", "password": "long-enough-1"}
    )
    extra = await client.post(
        "/api/v1/auth/register",
        json={"username": "eve", "password": "long-enough-1", "role": "admin"},
    )

    assert short.status_code == 422
    assert short.json()["errors"][0]["loc"] == ["body", "password"]
    assert "pw-7x" not in short.text  # the rejected password is not echoed back
    assert spaced.status_code == 422
    assert spaced.json()["errors"][0]["loc"] == ["body", "username"]
    assert extra.status_code == 422
    assert extra.json()["errors"][0]["loc"] == ["body", "role"]


# --- sign-in -----------------------------------------------------------------------------


async def test_token_when_credentials_right_then_pair_that_opens_the_api(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    user = await make_user("carol")

    response = await sign_in(client, "Carol", user.password)

    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 15 * 60
    me = await client.get(ME, headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200
    assert me.json()["username"] == "carol"


async def test_token_when_password_wrong_or_user_unknown_then_same_401(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    await make_user("dave")

    wrong = await sign_in(client, "dave", "not-the-password")
    unknown = await sign_in(client, "nobody", "not-the-password")

    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["detail"] == unknown.json()["detail"]
    assert wrong.headers["www-authenticate"].startswith("Bearer")
    assert wrong.headers["content-type"] == "application/problem+json"


async def test_token_when_user_deactivated_then_401(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    admin = await make_user(role=Role.admin)
    user = await make_user("erin")
    await client.patch(f"/api/v1/users/{user.id}", json={"is_active": False}, headers=admin.headers)

    response = await sign_in(client, "erin", user.password)

    assert response.status_code == 401


async def test_token_when_admin_configured_then_admin_signs_in(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    assert settings.admin_password is not None

    response = await sign_in(client, "admin", settings.admin_password.get_secret_value())
    me = await client.get(
        ME, headers={"Authorization": f"Bearer {response.json()['access_token']}"}
    )

    assert response.status_code == 200
    assert me.json()["role"] == "admin"


# --- 401: no, bad, expired and revoked credentials ---------------------------------------


async def test_protected_route_when_no_credentials_then_401_problem(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get(ME)

    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.json()["code"] == "NOT_AUTHENTICATED"


async def test_protected_route_when_bearer_garbage_then_401(client: httpx.AsyncClient) -> None:
    response = await client.get(ME, headers={"Authorization": "Bearer not.a.jwt"})

    assert response.status_code == 401


async def test_protected_route_when_token_signed_with_another_key_then_401(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    user = await make_user()
    claims = jwt.decode(
        user.access_token, options={"verify_signature": False}, algorithms=["HS256"]
    )
    forged = jwt.encode(claims, "an-attacker-key-that-is-also-32-bytes-long", algorithm="HS256")

    response = await client.get(ME, headers={"Authorization": f"Bearer {forged}"})

    assert response.status_code == 401


async def test_protected_route_when_access_token_expired_then_401_token_expired(
    client: httpx.AsyncClient, make_user: MakeUser, fastapi_app: FastAPI
) -> None:
    user = await make_user()
    move_clock(fastapi_app, timedelta(minutes=15, seconds=1))

    response = await client.get(ME, headers=user.headers)

    assert response.status_code == 401
    assert response.json()["code"] == "TOKEN_EXPIRED"


async def test_protected_route_when_access_token_nearly_expired_then_200(
    client: httpx.AsyncClient, make_user: MakeUser, fastapi_app: FastAPI
) -> None:
    user = await make_user()
    move_clock(fastapi_app, timedelta(minutes=14))

    response = await client.get(ME, headers=user.headers)

    assert response.status_code == 200


async def test_protected_route_when_signed_out_then_access_token_revoked(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    user = await make_user()

    logout = await client.post("/api/v1/auth/logout", json={"refresh_token": user.refresh_token})
    response = await client.get(ME, headers=user.headers)

    assert logout.status_code == 204
    assert response.status_code == 401
    assert response.json()["code"] == "TOKEN_REVOKED"


# --- refresh rotation --------------------------------------------------------------------


async def test_refresh_when_token_fresh_then_new_pair_and_old_one_spent(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    user = await make_user()

    response = await client.post("/api/v1/auth/refresh", json={"refresh_token": user.refresh_token})

    assert response.status_code == 200
    pair = response.json()
    assert pair["refresh_token"] != user.refresh_token
    assert pair["access_token"] != user.access_token
    assert response.headers["cache-control"] == "no-store"
    me = await client.get(ME, headers={"Authorization": f"Bearer {pair['access_token']}"})
    assert me.status_code == 200


async def test_refresh_when_used_token_replayed_then_401_and_whole_family_revoked(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    user = await make_user()
    rotated = (
        await client.post("/api/v1/auth/refresh", json={"refresh_token": user.refresh_token})
    ).json()

    replay = await client.post("/api/v1/auth/refresh", json={"refresh_token": user.refresh_token})
    successor = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": rotated["refresh_token"]}
    )
    access = await client.get(ME, headers={"Authorization": f"Bearer {rotated['access_token']}"})

    assert replay.status_code == 401
    assert replay.json()["code"] == "REFRESH_TOKEN_REUSED"
    assert successor.status_code == 401
    assert access.status_code == 401


async def test_refresh_when_reuse_revokes_then_other_sign_ins_survive(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    user = await make_user()
    other = (await sign_in(client, user.username, user.password)).json()
    await client.post("/api/v1/auth/refresh", json={"refresh_token": user.refresh_token})

    await client.post("/api/v1/auth/refresh", json={"refresh_token": user.refresh_token})
    response = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": other["refresh_token"]}
    )

    assert response.status_code == 200


async def test_refresh_when_token_unknown_then_401(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/v1/auth/refresh", json={"refresh_token": "made-up"})

    assert response.status_code == 401


async def test_refresh_when_token_expired_then_401(
    client: httpx.AsyncClient, make_user: MakeUser, fastapi_app: FastAPI
) -> None:
    user = await make_user()
    move_clock(fastapi_app, timedelta(days=30, seconds=1))

    response = await client.post("/api/v1/auth/refresh", json={"refresh_token": user.refresh_token})

    assert response.status_code == 401


async def test_refresh_when_signed_out_then_401(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    user = await make_user()
    await client.post("/api/v1/auth/logout", json={"refresh_token": user.refresh_token})

    response = await client.post("/api/v1/auth/refresh", json={"refresh_token": user.refresh_token})

    assert response.status_code == 401


async def test_logout_when_token_unknown_then_204_idempotent(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/v1/auth/logout", json={"refresh_token": "made-up"})

    assert response.status_code == 204
