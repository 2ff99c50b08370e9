"""Executions over REST: every fill, newest first, filtered by symbol, order and time."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from conftest import Desk, MakeDesk


async def executions(desk: Desk, **params: Any) -> list[dict[str, Any]]:
    response = await desk.get("/executions", **params)
    assert response.status_code == 200, response.text
    fills: list[dict[str, Any]] = response.json()
    return fills


async def test_executions_when_orders_filled_then_one_per_fill_newest_first(desk: Desk) -> None:
    await desk.quote("BTCUSD", "100.00", "100.01")
    await desk.quote("ETHUSD", "50.00", "50.02")
    buy = await desk.placed(qty=0.2)
    sell = await desk.placed(symbol="ETHUSD", side="sell", qty=1)
    await desk.placed(type="limit", limit_price=90, time_in_force="gtc")  # never fills

    fills = await executions(desk)

    assert [f["order_id"] for f in fills] == [sell["id"], buy["id"]]
    newest = fills[0]
    assert set(newest) == {
        "id", "order_id", "symbol", "side", "qty", "price", "commission", "liquidity",
        "transacted_at",
    }  # fmt: skip
    assert (newest["symbol"], newest["side"], newest["qty"]) == ("ETHUSD", "sell", 1)
    assert (newest["price"], newest["commission"], newest["liquidity"]) == (50.00, 0, "taker")
    assert newest["transacted_at"] == sell["filled_at"]


async def test_executions_when_filtered_then_by_symbol_order_time_and_page(desk: Desk) -> None:
    await desk.quote("BTCUSD", "100.00", "100.01")
    orders = [await desk.placed(qty=0.1) for _ in range(3)]
    first, second, third = orders

    by_order = await executions(desk, order_id=second["id"])
    by_symbol = await executions(desk, symbol="btcusd")
    other_symbol = await executions(desk, symbol="ETHUSD")
    after = await executions(desk, after=first["filled_at"])
    until = await executions(desk, until=first["filled_at"])
    page = await executions(desk, limit=1, offset=1)

    assert [f["order_id"] for f in by_order] == [second["id"]]
    assert [f["order_id"] for f in by_symbol] == [third["id"], second["id"], first["id"]]
    assert other_symbol == []
    assert [f["order_id"] for f in after] == [third["id"], second["id"]]
    assert [f["order_id"] for f in until] == [first["id"]]
    assert [f["order_id"] for f in page] == [second["id"]]


async def test_executions_when_someone_else_traded_then_not_listed(
    desk: Desk, make_desk: MakeDesk
) -> None:
    await desk.quote("BTCUSD", "100.00", "100.01")
    await (await make_desk()).placed()

    assert await executions(desk) == []


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 501}, {"until": "soon"}])
async def test_executions_when_a_parameter_is_bad_then_422(
    desk: Desk, params: dict[str, Any]
) -> None:
    response = await desk.get("/executions", **params)

    assert (response.status_code, response.json()["code"]) == (422, "VALIDATION_ERROR")
