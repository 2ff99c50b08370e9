"""Positions over REST: valued at the quotes, closed at market in part, whole, or all at once."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import Desk

MONDAY_NOON_CHICAGO = datetime(2025, 1, 6, 18, tzinfo=UTC).timestamp()
SATURDAY_AFTER = datetime(2025, 1, 11, 18, tzinfo=UTC).timestamp()


async def at(desk: Desk, ts: float) -> None:
    """The engine's clock stops at `ts` (the CME's hours depend on it)."""
    desk.services.engine.clock = lambda: ts


async def test_buy_2_mnq_when_the_price_moves_10_points_then_the_position_makes_40(
    desk: Desk,
) -> None:
    await at(desk, MONDAY_NOON_CHICAGO)
    await desk.quote("MNQ", "21000.00", "21000.25", ts=MONDAY_NOON_CHICAGO)
    order = await desk.placed(symbol="MNQ", qty=2)
    before = (await desk.get("/positions/MNQ")).json()

    await desk.quote("MNQ", "21010.25", "21010.50", ts=MONDAY_NOON_CHICAGO + 1)
    response = await desk.get("/positions/MNQ")
    account = await desk.account()

    assert (order["status"], order["filled_avg_price"]) == ("filled", 21000.25)
    assert (before["current_price"], before["unrealized_pl"]) == (21000.00, -1.0)  # the spread
    assert response.status_code == 200
    assert response.json() == {
        "symbol": "MNQ",
        "qty": 2,
        "side": "long",
        "avg_entry_price": 21000.25,
        "cost_basis": 84001.0,  # 2 × 21000.25 × $2
        "market_value": 84041.0,
        "current_price": 21010.25,  # the bid: what selling would get
        "unrealized_pl": 40.0,
        "unrealized_plpc": pytest.approx(40 / 84001),
        "realized_pl": 0,
        "point_value": 2,
        "opened_at": response.json()["opened_at"],
    }
    assert response.json()["opened_at"].startswith("2025-01-06T18:00:00")
    assert account["unrealized_pnl"] == 40
    assert account["commissions"] == account["commissions_today"] == 1.24  # 2 × 0.62
    assert account["balance"] == 1_000_000 - 1.24
    assert account["equity"] == 1_000_000 - 1.24 + 40
    assert account["pnl_today"] == pytest.approx(38.76)
    assert account["margin_used"] == 4800  # 2 × 2400
    assert account["buying_power"] == pytest.approx(1_000_000 - 1.24 + 40 - 4800)


async def test_positions_when_long_and_short_then_both_listed_signed(desk: Desk) -> None:
    await desk.quote("BTCUSD", "100.00", "100.01")
    await desk.quote("ETHUSD", "50.00", "50.02")
    await desk.placed(qty=2)
    await desk.placed(symbol="ETHUSD", side="sell", qty=0.5)

    positions = {p["symbol"]: p for p in (await desk.get("/positions")).json()}

    assert set(positions) == {"BTCUSD", "ETHUSD"}
    btc, eth = positions["BTCUSD"], positions["ETHUSD"]
    assert (btc["qty"], btc["side"], btc["current_price"]) == (2, "long", 100.00)
    assert (btc["market_value"], btc["unrealized_pl"]) == (200.00, -0.02)
    assert (eth["qty"], eth["side"], eth["avg_entry_price"]) == (-0.5, "short", 50.00)
    assert eth["current_price"] == 50.02  # the ask: what buying back would cost
    assert (eth["cost_basis"], eth["market_value"]) == (-25.0, -25.01)
    assert eth["unrealized_pl"] == -0.01


async def test_position_when_flat_or_unknown_then_404_position_not_found(desk: Desk) -> None:
    await desk.quote("BTCUSD", "100.00", "100.01")
    await desk.placed(qty=0.1)
    await desk.placed(qty=0.1, side="sell")  # flat again

    flat = await desk.get("/positions/BTCUSD")
    never = await desk.get("/positions/ETHUSD")
    unknown = await desk.get("/positions/NOPE")

    for response in (flat, never, unknown):
        assert response.status_code == 404
        assert response.json()["code"] == "POSITION_NOT_FOUND"
    assert (await desk.get("/positions")).json() == []


async def test_close_when_part_of_the_position_then_200_with_the_closing_order(
    desk: Desk,
) -> None:
    await desk.quote("BTCUSD", "100.00", "100.01")
    await desk.placed(qty=2)
    await desk.quote("BTCUSD", "105.00", "105.01")

    response = await desk.request("DELETE", "/positions/btcusd", params={"qty": "0.5"})

    assert response.status_code == 200, response.text
    closing = response.json()
    assert (closing["side"], closing["qty"], closing["type"]) == ("sell", 0.5, "market")
    assert (closing["status"], closing["filled_avg_price"]) == ("filled", 105.00)
    position = (await desk.get("/positions/BTCUSD")).json()
    assert position["qty"] == 1.5
    assert position["realized_pl"] == pytest.approx(2.495)  # 0.5 × (105.00 - 100.01)
    assert (await desk.account())["realized_pnl"] == pytest.approx(2.495)


async def test_close_when_whole_then_flat_and_the_symbols_orders_canceled(desk: Desk) -> None:
    await desk.quote("BTCUSD", "100.00", "100.01")
    await desk.quote("ETHUSD", "50.00", "50.02")
    await desk.placed(qty=1)
    exit_order = await desk.placed(side="sell", type="limit", limit_price=120, time_in_force="gtc")
    other = await desk.placed(symbol="ETHUSD", type="limit", limit_price=40, time_in_force="gtc")

    response = await desk.request("DELETE", "/positions/BTCUSD")

    assert response.status_code == 200
    assert (response.json()["qty"], response.json()["status"]) == (1, "filled")
    assert (await desk.get("/positions/BTCUSD")).status_code == 404
    assert (await desk.get(f"/orders/{exit_order['id']}")).json()["status"] == "canceled"
    assert [o["id"] for o in await desk.orders()] == [other["id"]]


@pytest.mark.parametrize(
    ("symbol", "qty", "status", "code"),
    [
        ("ETHUSD", None, 404, "POSITION_NOT_FOUND"),
        ("BTCUSD", "2", 422, "INVALID_QUANTITY"),  # more than the position
        ("BTCUSD", "0.00000000001", 422, "VALIDATION_ERROR"),  # finer than the store keeps
        ("BTCUSD", "0.12345", 422, "INVALID_QUANTITY"),  # off the lot step
        ("BTCUSD", "-1", 422, "VALIDATION_ERROR"),
        ("BTCUSD", "NaN", 422, "VALIDATION_ERROR"),
        ("BTCUSD", "half", 422, "VALIDATION_ERROR"),
    ],
)
async def test_close_when_refused_then_the_status_and_code_and_the_position_unchanged(
    desk: Desk, symbol: str, qty: str | None, status: int, code: str
) -> None:
    await desk.quote("BTCUSD", "100.00", "100.01")
    await desk.placed(qty=1)
    params = {} if qty is None else {"qty": qty}

    response = await desk.request("DELETE", f"/positions/{symbol}", params=params)

    assert response.status_code == status
    assert response.json()["code"] == code
    assert (await desk.get("/positions/BTCUSD")).json()["qty"] == 1


async def test_close_when_the_market_is_closed_then_422_market_closed(desk: Desk) -> None:
    await at(desk, MONDAY_NOON_CHICAGO)
    await desk.quote("MNQ", "21000.00", "21000.25", ts=MONDAY_NOON_CHICAGO)
    await desk.placed(symbol="MNQ", qty=1)
    await at(desk, SATURDAY_AFTER)

    response = await desk.request("DELETE", "/positions/MNQ")

    assert (response.status_code, response.json()["code"]) == (422, "MARKET_CLOSED")
    assert (await desk.get("/positions/MNQ")).json()["qty"] == 1


async def test_close_all_when_positions_and_orders_then_207_per_position_and_no_order_left(
    desk: Desk,
) -> None:
    await desk.quote("BTCUSD", "100.00", "100.01")
    await desk.quote("ETHUSD", "50.00", "50.02")
    await desk.placed(qty=1)
    await desk.placed(symbol="ETHUSD", side="sell", qty=2)
    await desk.placed(type="limit", limit_price=90, time_in_force="gtc")

    response = await desk.request("DELETE", "/positions")

    assert response.status_code == 207
    results = {r["symbol"]: r for r in response.json()}
    assert {s: r["status"] for s, r in results.items()} == {"BTCUSD": 200, "ETHUSD": 200}
    assert (results["BTCUSD"]["body"]["side"], results["BTCUSD"]["body"]["qty"]) == ("sell", 1)
    assert (results["ETHUSD"]["body"]["side"], results["ETHUSD"]["body"]["qty"]) == ("buy", 2)
    assert {r["body"]["status"] for r in results.values()} == {"filled"}
    assert (await desk.get("/positions")).json() == []
    assert await desk.orders() == []
    assert (await desk.request("DELETE", "/positions")).json() == []


async def test_close_all_when_one_market_is_closed_then_that_one_answers_its_problem(
    desk: Desk,
) -> None:
    await at(desk, MONDAY_NOON_CHICAGO)
    await desk.quote("MNQ", "21000.00", "21000.25", ts=MONDAY_NOON_CHICAGO)
    await desk.quote("BTCUSD", "100.00", "100.01", ts=MONDAY_NOON_CHICAGO)
    await desk.placed(symbol="MNQ", qty=2, time_in_force="gtc")
    await desk.placed(qty=1, time_in_force="gtc")
    await at(desk, SATURDAY_AFTER)

    response = await desk.request("DELETE", "/positions")

    assert response.status_code == 207
    mnq, btc = response.json()
    assert (mnq["symbol"], mnq["status"], mnq["body"]["code"]) == ("MNQ", 422, "MARKET_CLOSED")
    assert (btc["symbol"], btc["status"], btc["body"]["status"]) == ("BTCUSD", 200, "filled")
    assert [p["symbol"] for p in (await desk.get("/positions")).json()] == ["MNQ"]
