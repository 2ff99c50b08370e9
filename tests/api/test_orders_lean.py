"""The lean order route answers regular requests itself, and exactly as FastAPI's handler does.

FastAPI's handler is forced by a dependency override (any override sends every request of the
lean route through it); the lean path is proven taken by making FastAPI's dependency solver
fail.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from fastapi import FastAPI

from propdesk.api.deps import get_now

if TYPE_CHECKING:
    from conftest import Desk

BODY = {"type": "limit", "limit_price": 90, "time_in_force": "gtc", "client_order_id": "same"}


def _now() -> datetime:
    return datetime.now(UTC)


def _answer(response: httpx.Response) -> tuple[int, bytes, str, str | None]:
    return (
        response.status_code,
        response.content,
        response.headers["content-type"],
        response.headers.get("location"),
    )


@pytest.fixture
def solver_broken(monkeypatch: pytest.MonkeyPatch) -> None:
    """FastAPI's per-request dependency solving fails: only the lean path can answer."""

    async def broken(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("FastAPI's dependency solver was called")

    monkeypatch.setattr("fastapi.routing.solve_dependencies", broken)


async def test_place_when_regular_then_answered_without_fastapis_dependency_solver(
    desk: Desk, solver_broken: None
) -> None:
    await desk.quote("BTCUSD", "100.00", "100.01")

    response = await desk.order(qty=2)

    assert response.status_code == 201, response.text
    assert response.json()["filled_avg_price"] == 100.01


async def test_place_when_lean_and_fastapi_answer_the_same_retry_then_same_bytes(
    desk: Desk, fastapi_app: FastAPI
) -> None:
    await desk.quote("BTCUSD", "100.00", "100.01")
    first = await desk.order(**BODY)
    lean_retry = await desk.order(**BODY)
    fastapi_app.dependency_overrides[get_now] = _now
    try:
        stock_retry = await desk.order(**BODY)
    finally:
        fastapi_app.dependency_overrides.clear()

    assert first.status_code == 201, first.text
    assert _answer(lean_retry) == _answer(stock_retry)
    assert lean_retry.status_code == 200
    assert lean_retry.content == first.content
    assert first.headers["location"] == lean_retry.headers["location"]


@pytest.mark.parametrize(
    ("content", "headers"),
    [
        (b'{"symbol": "BTCUSD", "side": "buy", "type": "market"}', {}),  # no qty
        (b'{"symbol": "BTCUSD", "side": "buy", "type": "market", "qty": 0.1', {}),  # cut off
        (b"[]", {}),
        (b'{"symbol": "BTCUSD", "side": "buy", "type": "market", "qty": 0.1}', None),
        (b"symbol=BTCUSD", {"content-type": "application/x-www-form-urlencoded"}),
    ],
    ids=["missing-field", "broken-json", "not-an-object", "no-content-type", "form"],
)
async def test_place_when_irregular_then_fastapis_answer_unchanged(
    desk: Desk, fastapi_app: FastAPI, content: bytes, headers: dict[str, str] | None
) -> None:
    async def post() -> httpx.Response:
        sent = {**desk.headers, "content-type": "application/json", **(headers or {})}
        if headers is None:
            del sent["content-type"]
        return await desk.client.post(desk.url("/orders"), content=content, headers=sent)

    lean = await post()
    fastapi_app.dependency_overrides[get_now] = _now
    try:
        stock = await post()
    finally:
        fastapi_app.dependency_overrides.clear()

    assert (lean.status_code, stock.status_code) == (422, 422)
    assert lean.json() == stock.json()


@pytest.mark.parametrize(
    ("path", "status"),
    [("/api/v1/accounts/not-a-uuid/orders", 422), ("/api/v1/accounts/{other}/orders", 404)],
)
async def test_place_when_bad_account_then_same_answer_as_before(
    desk: Desk, make_desk: Any, path: str, status: int
) -> None:
    other = await make_desk()
    response = await desk.client.post(
        path.format(other=other.account_id),
        json={"symbol": "BTCUSD", "side": "buy", "type": "market", "qty": 0.1},
        headers=desk.headers,
    )

    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"


async def test_place_when_no_credentials_then_401_before_the_body_is_judged(desk: Desk) -> None:
    response = await desk.client.post(desk.url("/orders"), json={"symbol": "BTCUSD"})

    assert response.status_code == 401
