"""The account's status at a glance: active or locked and why, its day in R (the account's
own `risk_per_trade`, else 1% of the starting balance), and the fields later issues fill
(regime, strategy) still null.

MNQ: $2 a point, $0.62 a side. A topstep-50k account: R = 500 by default.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from conftest import Desk

MONDAY_NOON_CHICAGO = datetime(2025, 1, 6, 18, tzinfo=UTC).timestamp()


async def _status(desk: Desk) -> dict[str, Any]:
    response = await desk.get("/status")
    assert response.status_code == 200, response.text
    status: dict[str, Any] = response.json()
    return status


async def test_status_when_the_account_is_new_then_active_and_flat_in_r(combine: Desk) -> None:
    status = await _status(combine)

    assert status == {
        "account_id": combine.account_id,
        "system_state": "active",
        "can_trade": True,
        "risk_reason": None,
        "current_regime": None,
        "active_strategy": None,
        "risk_per_trade": 500,
        "daily_pnl_r": 0,
        "weekly_pnl_r": 0,
        "current_r": 0,
        "consecutive_red_days": 0,
    }


async def test_status_when_a_position_is_open_then_its_day_and_open_pnl_in_r(
    combine: Desk,
) -> None:
    # Long 5 MNQ at 21,000.25 ($3.10 paid); bid 20,975.25: 5 × (−25) × 2 = −250 open
    await combine.placed(symbol="MNQ", qty=5)
    await combine.quote("MNQ", "20975.25", "20975.50", ts=MONDAY_NOON_CHICAGO + 5)

    status = await _status(combine)

    assert status["current_r"] == -0.5  # −250 ÷ 500
    assert status["daily_pnl_r"] == -0.51  # −253.10 ÷ 500 = −0.5062
    assert status["weekly_pnl_r"] == -0.51  # Monday: the week is the day so far
    assert status["system_state"] == "active"


async def test_status_when_the_daily_loss_limit_locked_it_then_locked_with_the_reason(
    combine: Desk,
) -> None:
    # Long 5 MNQ; bid 20,900 closes it at −1,002.50, $6.20 paid both ways: −1,008.70 today
    await combine.placed(symbol="MNQ", qty=5)
    await combine.quote("MNQ", "20900.00", "20900.25", ts=MONDAY_NOON_CHICAGO + 5)

    status = await _status(combine)

    assert (status["system_state"], status["can_trade"]) == ("locked", False)
    assert "daily loss limit" in status["risk_reason"]
    assert status["current_r"] == 0  # flattened
    assert status["daily_pnl_r"] == -2.02  # −1,008.70 ÷ 500 = −2.0174


async def test_status_when_the_account_is_custom_then_r_is_one_percent_of_its_start(
    combine: Desk,
) -> None:
    response = await combine.client.post(
        "/api/v1/accounts",
        json={"name": "big", "rule_set": "custom", "starting_balance": 250_000},
        headers=combine.headers,
    )
    big = type(combine)(combine.client, combine.services, combine.user, response.json()["id"])

    status = await _status(big)

    assert status["risk_per_trade"] == 2500


async def test_status_when_the_account_sets_its_r_then_its_figures_are_in_that_r(
    combine: Desk,
) -> None:
    # Arrange: R = 250; long 5 MNQ at 21,000.25 ($3.10 paid); bid 20,975.25: −250 open
    patched = await combine.request("PATCH", "", json={"risk_per_trade": 250})
    assert patched.status_code == 200, patched.text
    await combine.placed(symbol="MNQ", qty=5)
    await combine.quote("MNQ", "20975.25", "20975.50", ts=MONDAY_NOON_CHICAGO + 5)
    # Act
    status = await _status(combine)
    # Assert
    assert status["risk_per_trade"] == 250
    assert status["current_r"] == -1  # −250 ÷ 250
    assert status["daily_pnl_r"] == -1.01  # −253.10 ÷ 250 = −1.0124


async def test_status_when_the_accounts_r_is_reset_then_back_to_one_percent(
    combine: Desk,
) -> None:
    # Long 5 MNQ, −250 open, −253.10 today (as above)
    await combine.request("PATCH", "", json={"risk_per_trade": 125.5})
    await combine.placed(symbol="MNQ", qty=5)
    await combine.quote("MNQ", "20975.25", "20975.50", ts=MONDAY_NOON_CHICAGO + 5)
    own = await _status(combine)

    await combine.request("PATCH", "", json={"risk_per_trade": None})
    default = await _status(combine)

    assert (own["risk_per_trade"], own["current_r"], own["daily_pnl_r"]) == (125.5, -1.99, -2.02)
    assert (default["risk_per_trade"], default["current_r"], default["daily_pnl_r"]) == (
        500,
        -0.5,
        -0.51,
    )


async def test_status_when_opened_with_an_r_then_that_r(combine: Desk) -> None:
    response = await combine.client.post(
        "/api/v1/accounts",
        json={"name": "own-r", "rule_set": "topstep-50k", "risk_per_trade": 400},
        headers=combine.headers,
    )
    assert response.status_code == 201, response.text
    own = type(combine)(combine.client, combine.services, combine.user, response.json()["id"])

    status = await _status(own)

    assert status["risk_per_trade"] == 400
