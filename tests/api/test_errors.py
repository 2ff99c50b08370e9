"""Validation and unhandled errors become problem details, never tracebacks."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI, Query

from propdesk.api.errors import install_error_handlers


@pytest.fixture
def bare_app() -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/boom")
    async def boom() -> dict[str, str]:
        raise RuntimeError("secret internal detail")

    @app.get("/needs-int")
    async def needs_int(count: int = Query(..., ge=1)) -> dict[str, int]:
        return {"count": count}

    return app


async def test_unhandled_error_when_raised_then_500_problem_without_traceback(
    bare_app: FastAPI,
) -> None:
    transport = httpx.ASGITransport(app=bare_app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        response = await client.get("/boom")

    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert "secret internal detail" not in response.text
    assert "Traceback" not in response.text


async def test_validation_error_when_field_bad_then_422_naming_it(bare_app: FastAPI) -> None:
    transport = httpx.ASGITransport(app=bare_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        response = await client.get("/needs-int", params={"count": "many"})

    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "VALIDATION_ERROR"
    assert body["errors"][0]["loc"] == ["query", "count"]
    assert "query.count" in body["detail"]
