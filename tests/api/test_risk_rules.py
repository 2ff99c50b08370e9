"""PUT an account's rules: the owner's change waits for the next trading day (the roll itself
is crossed in tests/domain/risk/test_rule_changes.py), an admin's is in force at once and
shown by the account too, a locked account's owner is refused, bad input changes nothing.

MNQ: $2 a point, $0.62 a side.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from propdesk.domain.accounts import Role

if TYPE_CHECKING:
    from conftest import Desk, MakeUser

MONDAY_NOON_CHICAGO = datetime(2025, 1, 6, 18, tzinfo=UTC).timestamp()
NEW_RULES = {
    "daily_loss_limit": 500,
    "daily_loss_action": "liquidate",
    "max_loss": 1500,
    "drawdown": "static",
    "locks_at_starting_balance": False,
    "max_contracts": 2,
    "max_contracts_per_symbol": 1,
    "micro_weight": 0.2,
    "max_trades_per_day": 3,
    "max_trades_per_week": 10,
    "max_consecutive_red_days": 4,
    "warning_ratio": 0.5,
    "profit_target": 2500,
    "calendar": "cme",
    "windows": [
        {
            "asset_class": "futures",
            "start": "17:00:00",
            "end": "15:05:00",
            "timezone": "America/Chicago",
            "flatten": True,
        }
    ],
}


async def _put(desk: Desk, body: Any, **kwargs: Any) -> httpx.Response:
    return await desk.request("PUT", "/risk/rules", json=body, **kwargs)


async def _risk(desk: Desk) -> dict[str, Any]:
    response = await desk.get("/risk")
    assert response.status_code == 200, response.text
    risk: dict[str, Any] = response.json()
    return risk


async def test_put_rules_by_the_owner_when_unlocked_then_pending_and_the_rules_unchanged(
    combine: Desk,
) -> None:
    before = await _risk(combine)

    response = await _put(combine, NEW_RULES)

    assert response.status_code == 200, response.text
    answered = response.json()
    assert answered["rules"] == before["rules"]
    assert answered["pending_rules"] == {"name": "custom", **NEW_RULES}
    assert before["pending_rules"] is None
    assert (await _risk(combine))["pending_rules"] == answered["pending_rules"]
    account = await combine.account()
    assert account["rule_set"]["name"] == "topstep-50k"  # in force from the next day only
    [event] = (await combine.get("/risk/events")).json()
    assert event["code"] == "RULES_CHANGED"
    assert "next trading day" in event["reason"]


async def test_put_rules_by_an_admin_then_in_force_at_once_and_the_account_shows_them(
    combine: Desk, make_user: MakeUser
) -> None:
    admin = await make_user(role=Role.admin)
    await _put(combine, {"max_contracts": 3})  # the owner's, waiting: the admin's drops it

    response = await _put(combine, NEW_RULES, headers=admin.headers)

    assert response.status_code == 200, response.text
    risk = response.json()
    assert risk["rules"] == {"name": "custom", **NEW_RULES}
    assert risk["pending_rules"] is None
    assert risk["max_loss_floor"] == 48_500  # static: 50,000 − 1,500
    account = await combine.account()
    assert account["rule_set"] == {
        "name": "custom",
        "daily_loss_limit": 500,
        "max_loss": 1500,
        "drawdown": "static",
        "locks_at_starting_balance": False,
        "max_contracts": 2,
        "calendar": "cme",
    }
    refused = await combine.order(symbol="MNQ", qty=11)  # 2.2 contracts (a micro is 0.2)
    assert refused.status_code == 422
    assert refused.json()["code"] == "MAX_CONTRACTS"


async def test_put_rules_by_the_owner_when_locked_then_422_account_locked_and_unchanged(
    combine: Desk, make_user: MakeUser
) -> None:
    # Locked: long 5 MNQ at 21,000.25, bid 20,900: −1,002.50 − 3.10 ≤ −1,000 today
    await combine.placed(symbol="MNQ", qty=5)
    await combine.quote("MNQ", "20900.00", "20900.25", ts=MONDAY_NOON_CHICAGO + 5)
    before = await _risk(combine)
    assert before["can_trade"] is False

    by_owner = await _put(combine, NEW_RULES)
    admin = await make_user(role=Role.admin)
    by_admin = await _put(combine, {"max_contracts": 2}, headers=admin.headers)

    assert by_owner.status_code == 422
    problem = by_owner.json()
    assert problem["code"] == "ACCOUNT_LOCKED"
    assert "unlocked" in problem["detail"]
    assert by_admin.status_code == 200, by_admin.text
    after = by_admin.json()
    assert after["rules"]["max_contracts"] == 2
    assert after["can_trade"] is False  # a change of the rules lifts no lock
    assert after["pending_rules"] is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"daily_loss_limit": 0}, "daily_loss_limit"),
        ({"daily_loss_limit": -5}, "daily_loss_limit"),
        ({"max_loss": 50_000}, "max_loss"),  # not below the starting balance
        ({"max_contracts": 0}, "max_contracts"),
        ({"max_contracts_per_symbol": 10_001}, "max_contracts_per_symbol"),
        ({"micro_weight": 1.5}, "micro_weight"),
        ({"warning_ratio": 0}, "warning_ratio"),
        ({"max_trades_per_day": 1.5}, "max_trades_per_day"),
        ({"max_consecutive_red_days": 0}, "max_consecutive_red_days"),
        ({"profit_target": "lots"}, "profit_target"),
        ({"daily_loss_action": "shout"}, "daily_loss_action"),
        ({"drawdown": "sometimes"}, "drawdown"),
        ({"name": "topstep-50k"}, "name"),
        ({"trading_hours": "09:30-16:00"}, "trading_hours"),
        ({"calendar": "lunar"}, "calendar"),
        ({"windows": [{"asset_class": "futures", "start": "09:00", "end": "09:00"}]}, "windows"),
        ({"windows": [{"asset_class": "bonds", "start": "08:00", "end": "15:00"}]}, "windows"),
        (
            {
                "windows": [
                    {"asset_class": "stock", "start": "09:30", "end": "16:00", "timezone": "NY"}
                ]
            },
            "windows",
        ),
        (
            {
                "windows": [
                    {"asset_class": "futures", "start": "17:00", "end": "15:10"},
                    {"asset_class": "futures", "start": "08:30", "end": "15:00"},
                ]
            },
            "windows",
        ),
    ],
)
async def test_put_rules_when_a_value_is_bad_then_422_naming_it_and_nothing_changed(
    combine: Desk, make_user: MakeUser, body: dict[str, Any], field: str
) -> None:
    admin = await make_user(role=Role.admin)
    before = await _risk(combine)

    response = await _put(combine, body, headers=admin.headers)

    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["code"] == "VALIDATION_ERROR"
    assert [e["loc"][:2] for e in problem["errors"]] == [["body", field]]
    after = await _risk(combine)
    assert (after["rules"], after["pending_rules"]) == (before["rules"], None)
    assert (await combine.account())["rule_set"]["name"] == "topstep-50k"
    assert (await combine.get("/risk/events")).json() == []


async def test_put_rules_when_the_body_is_not_an_object_then_422(combine: Desk) -> None:
    response = await _put(combine, [1, 2])

    assert response.status_code == 422
    assert (await _risk(combine))["pending_rules"] is None
