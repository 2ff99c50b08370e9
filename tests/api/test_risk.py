"""Risk over REST: a topstep-50k account losing past its daily loss limit in MNQ is flattened
and locked in the tick that did it, says why, refuses new exposure, and an admin can lift
the lock. The arithmetic is worked out by hand in the comments.

MNQ: $2 a point, $0.62 a side.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import pytest

from propdesk.domain.accounts import Role

if TYPE_CHECKING:
    from conftest import Desk, MakeUser

MONDAY_NOON_CHICAGO = datetime(2025, 1, 6, 18, tzinfo=UTC).timestamp()


async def _risk(desk: Desk) -> dict[str, Any]:
    response = await desk.get("/risk")
    assert response.status_code == 200, response.text
    risk: dict[str, Any] = response.json()
    return risk


async def test_risk_when_the_account_is_new_then_it_can_trade_with_every_rule_shown(
    combine: Desk,
) -> None:
    risk = await _risk(combine)

    assert (risk["can_trade"], risk["reason"], risk["lock"]) == (True, None, None)
    assert risk["rules"]["name"] == "topstep-50k"
    assert (risk["rules"]["daily_loss_limit"], risk["rules"]["max_loss"]) == (1000, 2000)
    assert risk["max_loss_floor"] == 48_000  # 50,000 − 2,000
    assert risk["balance_high"] == 50_000
    assert {t["name"] for t in risk["tripwires"]} >= {"daily_loss", "max_loss"}
    assert all(t["status"] == "ok" for t in risk["tripwires"])
    assert risk["profit_target"] == {"target": 3000, "progress": 0}
    assert risk["rules"]["calendar"] == "cme"
    [window] = risk["rules"]["windows"]
    assert (window["asset_class"], window["start"], window["end"]) == (
        "futures",
        "17:00:00",
        "15:10:00",
    )
    assert risk["trading_day"] == "2025-01-06"  # opened at noon on Monday
    roll = datetime.combine(date(2025, 1, 6), time(17), ZoneInfo("America/Chicago"))
    assert datetime.fromisoformat(risk["day_ends_at"]) == roll


async def test_order_after_the_1510_flatten_then_422_outside_trading_window_and_flat(
    combine: Desk,
) -> None:
    # Arrange: long 2 MNQ at noon; then the clock reaches 15:20 in Chicago
    await combine.placed(symbol="MNQ", qty=2)
    late = MONDAY_NOON_CHICAGO + 3 * 3600 + 20 * 60
    combine.services.engine.clock = lambda: late
    await combine.quote("MNQ", "21000.00", "21000.25", ts=late)
    # Act
    refused = await combine.order(symbol="MNQ", qty=1)
    # Assert: flattened at the first step past 15:10, and new exposure refused until 17:00
    assert refused.status_code == 422, refused.text
    problem = refused.json()
    assert problem["code"] == "OUTSIDE_TRADING_WINDOW"
    assert (await combine.get("/positions")).json() == []


async def test_order_when_max_contracts_would_be_passed_then_422_and_nothing_held(
    combine: Desk,
) -> None:
    # Arrange: one contract = 10 micros (a 50k account's margin holds 20 MNQ at most)
    response = await combine.client.post(
        "/api/v1/accounts",
        json={
            "name": "one-lot",
            "rule_set": {"name": "custom", "max_contracts": 1},
            "starting_balance": 1_000_000,
        },
        headers=combine.headers,
    )
    one_lot = type(combine)(combine.client, combine.services, combine.user, response.json()["id"])
    # Act: a working limit for 8 leaves room for 2
    resting = await one_lot.order(symbol="MNQ", qty=8, type="limit", limit_price=20000)
    refused = await one_lot.order(symbol="MNQ", qty=3)
    allowed = await one_lot.order(symbol="MNQ", qty=2)
    # Assert
    assert resting.status_code == 201, resting.text
    assert refused.status_code == 422
    assert refused.json()["code"] == "MAX_CONTRACTS"
    assert allowed.status_code == 201, allowed.text
    assert [p["qty"] for p in (await one_lot.get("/positions")).json()] == [2]


async def test_tick_when_the_daily_loss_limit_is_lost_then_flat_locked_and_explained(
    combine: Desk, make_user: MakeUser
) -> None:
    # Arrange: long 5 MNQ at 21,000.25, $3.10 paid
    bought = await combine.placed(symbol="MNQ", qty=5)
    # Act: bid 20,900: 5 × (20,900 − 21,000.25) × $2 = −1,002.50; today −1,005.60 ≤ −1,000
    await combine.quote("MNQ", "20900.00", "20900.25", ts=MONDAY_NOON_CHICAGO + 5)
    risk = await _risk(combine)
    # Assert: closed at the bid in the same tick: balance 50,000 − 1,002.50 − 6.20
    assert bought["filled_avg_price"] == 21000.25
    assert (await combine.get("/positions")).json() == []
    account = await combine.account()
    assert account["balance"] == pytest.approx(48_991.30)
    assert (account["status"], account["can_trade"]) == ("locked", False)
    assert risk["can_trade"] is False
    assert risk["lock"]["code"] == "DAILY_LOSS_LIMIT"
    assert risk["lock"]["until"] is not None  # the next session
    assert "daily loss limit" in risk["reason"]
    [event] = (await combine.get("/risk/events")).json()
    assert (event["code"], event["action"]) == ("DAILY_LOSS_LIMIT", "liquidate_and_lock")
    refused = await combine.order(symbol="MNQ", qty=1)
    assert refused.status_code == 422
    assert refused.json()["code"] == "ACCOUNT_LOCKED"

    # An admin lifts it; the owner may not
    combine.services.engine.clock = lambda: MONDAY_NOON_CHICAGO + 60
    admin = await make_user(role=Role.admin)
    by_owner = await combine.request("POST", "/risk/unlock")
    by_admin = await combine.request("POST", "/risk/unlock", headers=admin.headers)
    assert by_owner.status_code == 403
    assert by_admin.status_code == 200, by_admin.text
    assert by_admin.json()["can_trade"] is True
    assert (await combine.account())["status"] == "active"
    codes = [e["code"] for e in (await combine.get("/risk/events")).json()]
    assert codes == ["UNLOCKED", "DAILY_LOSS_LIMIT"]
