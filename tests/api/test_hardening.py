"""Security headers, CORS, the OpenAPI security schemes, and no secret in any log line."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI

from propdesk.app import create_app
from propdesk.config import Settings

if TYPE_CHECKING:
    from conftest import MakeUser


async def test_api_response_when_served_then_carries_security_headers(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/api/v1/version")
    problem = await client.get("/api/v1/users/me")

    for answer in (response, problem):
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["x-frame-options"] == "DENY"
        assert answer.headers["referrer-policy"] == "no-referrer"
        assert answer.headers["content-security-policy"].startswith("default-src 'none'")
    assert "strict-transport-security" not in response.headers  # development: plain HTTP


@pytest.mark.parametrize("path", ["/api/v1/docs", "/api/v1/redoc"])
async def test_docs_when_served_then_csp_lets_their_cdn_and_inline_start_load(
    client: httpx.AsyncClient, path: str
) -> None:
    response = await client.get(path)

    assert response.status_code == 200
    policy = response.headers["content-security-policy"]
    script_src = next(d for d in policy.split("; ") if d.startswith("script-src"))
    assert "https://cdn.jsdelivr.net" in script_src
    assert "'unsafe-inline'" in script_src
    assert "frame-ancestors 'none'" in policy
    assert "https://cdn.jsdelivr.net" in response.text  # where the page loads its bundle from
    assert response.headers["x-frame-options"] == "DENY"


async def test_cors_when_no_origins_configured_then_browsers_get_no_grant(
    client: httpx.AsyncClient,
) -> None:
    response = await client.options(
        "/api/v1/accounts",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"},
    )

    assert "access-control-allow-origin" not in response.headers


async def test_cors_when_origin_configured_then_only_that_origin_granted(
    make_settings: Callable[..., Settings],
) -> None:
    application = create_app(make_settings(cors_origins=["https://desk.example"]))
    async with LifespanManager(application) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            allowed = await client.options(
                "/api/v1/accounts",
                headers={
                    "Origin": "https://desk.example",
                    "Access-Control-Request-Method": "POST",
                    "Access-Control-Request-Headers": "authorization",
                },
            )
            refused = await client.get(
                "/api/v1/version", headers={"Origin": "https://evil.example"}
            )

    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == "https://desk.example"
    assert "authorization" in allowed.headers["access-control-allow-headers"].lower()
    assert allowed.headers["x-content-type-options"] == "nosniff"
    assert "x-request-id" in allowed.headers  # the preflight is a request like any other
    assert "access-control-allow-origin" not in refused.headers


async def test_production_when_served_then_strict_transport_security(
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings(
        env="production", secret_key="p" * 40, admin_password="production-admin-pw"
    )
    async with LifespanManager(create_app(settings)) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            response = await client.get("/api/v1/version")
            register = await client.post(
                "/api/v1/auth/register", json={"username": "x-user", "password": "long-enough-1"}
            )

    assert response.headers["strict-transport-security"].startswith("max-age=")
    assert register.status_code == 403  # sign-up is off by default in production


def test_openapi_when_generated_then_shows_password_flow_and_api_key_schemes(
    fastapi_app: FastAPI,
) -> None:
    document = fastapi_app.openapi()

    schemes = document["components"]["securitySchemes"]
    assert schemes["OAuth2Password"]["type"] == "oauth2"
    assert schemes["OAuth2Password"]["flows"]["password"]["tokenUrl"] == "/api/v1/auth/token"
    assert schemes["APIKey"] == {
        "type": "apiKey",
        "in": "header",
        "name": "X-API-Key",
        "description": schemes["APIKey"]["description"],
    }
    account = document["paths"]["/api/v1/accounts/{account_id}"]["get"]
    assert {"OAuth2Password": []} in account["security"]
    assert {"APIKey": []} in account["security"]
    assert {"401", "404", "429"} <= set(account["responses"])
    assert {t["name"] for t in document["tags"]} >= {"auth", "users", "api-keys", "accounts"}


async def test_swagger_authorize_when_password_form_posted_then_token_works(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    user = await make_user()

    # What Swagger UI's Authorize sends for the OAuth2 password flow.
    response = await client.post(
        "/api/v1/auth/token",
        data={"grant_type": "password", "username": user.username, "password": user.password},
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )

    assert response.status_code == 200
    assert response.json()["token_type"] == "bearer"


async def test_logs_when_signing_up_in_and_creating_keys_then_no_secret_appears(
    client: httpx.AsyncClient,
    capfd: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    password = "Sup3r-Secret-Passw0rd"
    registered = await client.post(
        "/api/v1/auth/register", json={"username": "logan", "password": password}
    )
    wrong = await client.post(
        "/api/v1/auth/token", data={"username": "logan", "password": password + "-wrong"}
    )
    pair = (
        await client.post("/api/v1/auth/token", data={"username": "logan", "password": password})
    ).json()
    headers = {"Authorization": f"Bearer {pair['access_token']}"}
    created = (
        await client.post(
            "/api/v1/api-keys", json={"name": "bot", "scopes": ["trade"]}, headers=headers
        )
    ).json()
    used = await client.get("/api/v1/users/me", headers={"X-API-Key": created["key"]})
    rotated = (
        await client.post("/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    ).json()
    replayed = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]}
    )
    await client.post("/api/v1/auth/logout", json={"refresh_token": rotated["refresh_token"]})
    out, err = capfd.readouterr()
    logs = "\n".join((out, err, caplog.text))
    secrets = {
        "password": password,
        "access token": pair["access_token"],
        "access token signature": pair["access_token"].rsplit(".", 1)[1],
        "refresh token": pair["refresh_token"],
        "rotated refresh token": rotated["refresh_token"],
        "api key": created["key"],
        "api key secret": created["key"].split("_", 2)[2],
    }

    assert registered.status_code == 201
    assert wrong.status_code == 401
    assert used.status_code == 200
    assert replayed.status_code == 401
    assert "api key created" in logs  # the capture works: the events are there...
    assert created["prefix"] in logs  # ...with what identifies a key without opening it
    assert [name for name, secret in secrets.items() if secret in logs] == []
