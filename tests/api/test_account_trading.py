"""The account's money as the broker values it, and a reset that goes through the broker."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import Desk

MONEY = (
    "balance", "equity", "realized_pnl", "unrealized_pnl", "realized_pnl_today", "pnl_today",
    "commissions", "commissions_today", "margin_used", "buying_power",
)  # fmt: skip


async def test_account_when_never_traded_then_the_starting_balance_and_zeros(desk: Desk) -> None:
    account = await desk.account()

    assert {name: account[name] for name in MONEY} == {
        "balance": 1_000_000,
        "equity": 1_000_000,
        "realized_pnl": 0,
        "unrealized_pnl": 0,
        "realized_pnl_today": 0,
        "pnl_today": 0,
        "commissions": 0,
        "commissions_today": 0,
        "margin_used": 0,
        "buying_power": 1_000_000,
    }
    listed = (await desk.client.get("/api/v1/accounts", headers=desk.headers)).json()
    assert listed == [account]


async def test_account_when_trading_then_pnl_margin_and_buying_power_follow(desk: Desk) -> None:
    await desk.quote("BTCUSD", "100.00", "100.01")
    await desk.placed(qty=2)
    await desk.placed(type="limit", limit_price=90, qty=1, time_in_force="gtc")
    await desk.quote("BTCUSD", "101.00", "101.01")
    await desk.request("DELETE", "/positions/BTCUSD", params={"qty": "1"})

    account = await desk.account()

    realized = 101.00 - 100.01
    unrealized = 101.00 - 100.01  # the other unit, at the bid
    assert account["balance"] == pytest.approx(1_000_000 + realized)
    assert account["realized_pnl"] == account["realized_pnl_today"] == pytest.approx(realized)
    assert account["unrealized_pnl"] == pytest.approx(unrealized)
    assert account["pnl_today"] == pytest.approx(realized + unrealized)
    assert account["equity"] == pytest.approx(1_000_000 + realized + unrealized)
    assert account["margin_used"] == 2 * 95_000  # 1 held + 1 working buy
    assert account["buying_power"] == pytest.approx(account["equity"] - 190_000)


async def test_reset_when_trading_then_orders_canceled_positions_gone_balance_back(
    desk: Desk,
) -> None:
    await desk.quote("BTCUSD", "100.00", "100.01")
    await desk.placed(qty=1)
    working = await desk.placed(type="limit", limit_price=90, time_in_force="gtc")
    await desk.quote("BTCUSD", "105.00", "105.01")
    await desk.request("DELETE", "/positions/BTCUSD", params={"qty": "0.5"})  # +2.495

    response = await desk.client.post(desk.url("/reset"), headers=desk.headers)
    periods = (await desk.get("/periods")).json()

    assert response.status_code == 200, response.text
    account = response.json()
    assert {name: account[name] for name in ("balance", "equity", "buying_power")} == {
        "balance": 1_000_000,
        "equity": 1_000_000,
        "buying_power": 1_000_000,
    }
    assert account["realized_pnl"] == account["unrealized_pnl"] == account["margin_used"] == 0
    assert await desk.account() == account
    assert (await desk.get("/positions")).json() == []
    assert await desk.orders() == []
    assert (await desk.get(f"/orders/{working['id']}")).json()["status"] == "canceled"
    closed, current = periods
    assert closed["ending_balance"] == pytest.approx(1_000_002.495)
    assert closed["ended_at"] is not None
    assert (current["starting_balance"], current["ended_at"]) == (1_000_000, None)
    # History stays: the closed period's orders and fills are still there.
    assert len(await desk.orders(status="all")) == 3
    assert len((await desk.get("/executions")).json()) == 2


async def test_reset_when_the_engine_is_down_then_503_and_the_period_stays_open(
    desk: Desk,
) -> None:
    await desk.services.engine.stop()

    response = await desk.client.post(desk.url("/reset"), headers=desk.headers)
    periods = (await desk.get("/periods")).json()

    assert response.status_code == 503
    assert response.headers["retry-after"] == "1"
    assert [p["ended_at"] for p in periods] == [None]
