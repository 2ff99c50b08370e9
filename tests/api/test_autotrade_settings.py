"""An account's auto-trading settings: off until set, replaced whole by a PUT, refused with a
422 naming the field (and nothing changed) when a sizing, a strategy, a symbol or a quantity
is wrong; the owner's (404 to anyone else), and written by a writer only."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from propdesk.domain.accounts import Role

if TYPE_CHECKING:
    from conftest import MakeUser

    from .conftest import Desk

SETTINGS = {"enabled": True, "strategies": ["ma_cross"], "symbols": ["MNQ"], "qty": 2}


async def _put(desk: Desk, body: dict[str, Any]) -> Any:
    return await desk.request("PUT", "/autotrade", json=body)


async def test_get_when_never_set_then_off_with_nothing_chosen(desk: Desk) -> None:
    response = await desk.get("/autotrade")

    assert response.status_code == 200, response.text
    assert response.json() == {
        "account_id": desk.account_id,
        "enabled": False,
        "strategies": [],
        "symbols": [],
        "qty": None,
        "risk_per_trade_r": None,
        "updated_at": None,
    }


async def test_put_when_valid_then_answered_and_read_back_in_the_catalogues_spelling(
    desk: Desk,
) -> None:
    body = {
        "enabled": True,
        "strategies": ["vwap_pullback", "ma_cross", "vwap_pullback"],
        "symbols": ["mnq", "BTCUSD", "MNQ"],
        "risk_per_trade_r": 0.5,
    }

    put = await _put(desk, body)
    got = await desk.get("/autotrade")

    assert put.status_code == 200, put.text
    assert got.json() == put.json()
    read = got.json()
    assert (read["strategies"], read["symbols"]) == (
        ["vwap_pullback", "ma_cross"],
        ["MNQ", "BTCUSD"],
    )
    assert (read["qty"], read["risk_per_trade_r"], read["enabled"]) == (None, 0.5, True)
    assert read["updated_at"] is not None


async def test_put_when_sent_again_then_it_replaces_the_settings(desk: Desk) -> None:
    await _put(desk, SETTINGS)

    response = await _put(desk, {**SETTINGS, "enabled": False, "symbols": ["ES"], "qty": 1})

    assert response.status_code == 200, response.text
    read = (await desk.get("/autotrade")).json()
    assert (read["enabled"], read["symbols"], read["qty"]) == (False, ["ES"], 1)


@pytest.mark.parametrize(
    ("change", "fields"),
    [
        ({"qty": None}, {"qty", "risk_per_trade_r"}),
        ({"risk_per_trade_r": 1}, {"qty", "risk_per_trade_r"}),
        ({"strategies": ["ma_cross", "martingale"]}, {"strategies.1"}),
        ({"symbols": ["MNQ", "DOGE"]}, {"symbols.1"}),
        ({"symbols": ["BTCUSD"], "qty": 0.00001}, {"qty"}),  # off BTCUSD's 0.0001 step
        ({"qty": 1.5}, {"qty"}),  # MNQ trades whole contracts
        ({"qty": -1}, {"qty"}),
        ({"risk_per_trade_r": 11, "qty": None}, {"risk_per_trade_r"}),
        ({"strategies": []}, {"strategies"}),
        ({"symbols": []}, {"symbols"}),
        ({"enabled": "yes please"}, {"enabled"}),
        ({"leverage": 100}, {"leverage"}),
    ],
)
async def test_put_when_a_field_is_wrong_then_422_naming_it_and_nothing_changes(
    desk: Desk, change: dict[str, Any], fields: set[str]
) -> None:
    await _put(desk, SETTINGS)
    before = (await desk.get("/autotrade")).json()

    response = await _put(desk, {**SETTINGS, **change})

    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["code"] == "VALIDATION_ERROR"
    named = {".".join(str(part) for part in error["loc"][1:]) for error in problem["errors"]}
    assert named == fields
    assert (await desk.get("/autotrade")).json() == before


async def test_autotrade_when_someone_elses_account_then_404_both_ways(
    desk: Desk, make_user: MakeUser
) -> None:
    stranger = await make_user()

    got = await desk.client.get(desk.url("/autotrade"), headers=stranger.headers)
    put = await desk.client.put(desk.url("/autotrade"), json=SETTINGS, headers=stranger.headers)

    assert (got.status_code, put.status_code) == (404, 404)


async def test_put_when_the_owners_key_only_reads_then_403_and_an_admin_may(
    desk: Desk, make_user: MakeUser
) -> None:
    admin = await make_user(role=Role.admin)
    created = await desk.client.post(
        "/api/v1/api-keys", json={"name": "ro", "scopes": ["read"]}, headers=desk.headers
    )
    read_only = {"X-API-Key": created.json()["key"]}

    refused = await desk.client.put(desk.url("/autotrade"), json=SETTINGS, headers=read_only)
    allowed = await desk.client.put(desk.url("/autotrade"), json=SETTINGS, headers=admin.headers)
    read = await desk.client.get(desk.url("/autotrade"), headers=read_only)

    assert refused.status_code == 403, refused.text
    assert allowed.status_code == 200, allowed.text
    assert read.json()["enabled"] is True
