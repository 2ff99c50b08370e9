"""An account's own 1R in money (`risk_per_trade`): set when it is opened or by a PATCH,
reset to the default (1% of the starting balance) by a null, refused with a 422 naming it
when it is not positive money below the starting balance."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import httpx
import pytest

from propdesk.domain.accounts import Role

if TYPE_CHECKING:
    from conftest import MakeUser, TestUser

ACCOUNTS = "/api/v1/accounts"
CUSTOM = {"name": "custom", "max_loss": 2000}


async def _open(client: httpx.AsyncClient, user: TestUser, **body: Any) -> httpx.Response:
    payload = {"name": "eval", "rule_set": "topstep-50k", **body}
    return await client.post(ACCOUNTS, json=payload, headers=user.headers)


async def _patch(
    client: httpx.AsyncClient, user: TestUser, account_id: str, body: dict[str, Any]
) -> httpx.Response:
    return await client.patch(f"{ACCOUNTS}/{account_id}", json=body, headers=user.headers)


async def test_open_when_no_r_is_given_then_the_default_one_percent(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    response = await _open(client, await make_user())

    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["risk_per_trade"], body["risk_per_trade_source"]) == (500, "default")


@pytest.mark.parametrize(
    "body",
    [
        {"risk_per_trade": 250},
        {"rule_set": CUSTOM, "starting_balance": 25_000, "risk_per_trade": 250},
    ],
)
async def test_open_when_an_r_is_given_then_201_with_the_accounts_own(
    client: httpx.AsyncClient, make_user: MakeUser, body: dict[str, Any]
) -> None:
    user = await make_user()

    response = await _open(client, user, **body)

    assert response.status_code == 201, response.text
    opened = response.json()
    assert (opened["risk_per_trade"], opened["risk_per_trade_source"]) == (250, "account")
    fetched = await client.get(f"{ACCOUNTS}/{opened['id']}", headers=user.headers)
    assert fetched.json() == opened


@pytest.mark.parametrize(
    "body",
    [
        {"risk_per_trade": 0},
        {"risk_per_trade": -100},
        {"risk_per_trade": 12.345},  # money: cents at most
        {"risk_per_trade": "lots"},
        {"risk_per_trade": 50_000},  # the preset's starting balance
        {"risk_per_trade": 60_000},
        {"rule_set": CUSTOM, "starting_balance": 5000, "risk_per_trade": 5000},
    ],
)
async def test_open_when_the_r_is_bad_then_422_naming_it_and_nothing_stored(
    client: httpx.AsyncClient, make_user: MakeUser, body: dict[str, Any]
) -> None:
    user = await make_user()

    response = await _open(client, user, **body)

    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["code"] == "VALIDATION_ERROR"
    assert [e["loc"] for e in problem["errors"]] == [["body", "risk_per_trade"]]
    assert (await client.get(ACCOUNTS, headers=user.headers)).json() == []


async def test_patch_when_r_is_set_then_200_with_it_and_when_null_then_the_default_again(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    user = await make_user()
    opened = (await _open(client, user)).json()

    set_ = await _patch(client, user, opened["id"], {"risk_per_trade": 312.5})
    fetched = await client.get(f"{ACCOUNTS}/{opened['id']}", headers=user.headers)
    reset = await _patch(client, user, opened["id"], {"risk_per_trade": None})

    assert set_.status_code == 200, set_.text
    assert (set_.json()["risk_per_trade"], set_.json()["risk_per_trade_source"]) == (
        312.5,
        "account",
    )
    assert set_.json()["updated_at"] >= opened["updated_at"]
    assert fetched.json() == set_.json()
    assert reset.status_code == 200, reset.text
    assert (reset.json()["risk_per_trade"], reset.json()["risk_per_trade_source"]) == (
        500,
        "default",
    )


async def test_patch_when_only_renamed_then_the_r_is_kept(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    user = await make_user()
    opened = (await _open(client, user, risk_per_trade=250)).json()

    renamed = await _patch(client, user, opened["id"], {"name": "renamed"})
    both = await _patch(client, user, opened["id"], {"name": "again", "risk_per_trade": 400})

    assert (renamed.json()["name"], renamed.json()["risk_per_trade"]) == ("renamed", 250)
    assert (both.json()["name"], both.json()["risk_per_trade"]) == ("again", 400)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"risk_per_trade": 0}, "risk_per_trade"),
        ({"risk_per_trade": -1}, "risk_per_trade"),
        ({"risk_per_trade": 50_000}, "risk_per_trade"),  # the starting balance
        ({"risk_per_trade": 1e9}, "risk_per_trade"),
        ({"risk_per_trade": 1.005}, "risk_per_trade"),
        ({"name": "renamed", "risk_per_trade": 50_000.01}, "risk_per_trade"),
        ({"risk_per_trade": 250, "starting_balance": 1}, "starting_balance"),
        ({"rule_set": "custom"}, "rule_set"),
    ],
)
async def test_patch_when_the_body_is_bad_then_422_naming_the_field_and_nothing_changed(
    client: httpx.AsyncClient, make_user: MakeUser, body: dict[str, Any], field: str
) -> None:
    user = await make_user()
    opened = (await _open(client, user, risk_per_trade=250)).json()

    response = await _patch(client, user, opened["id"], body)
    after = await client.get(f"{ACCOUNTS}/{opened['id']}", headers=user.headers)

    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["code"] == "VALIDATION_ERROR"
    assert [e["loc"][:2] for e in problem["errors"]] == [["body", field]]
    assert after.json() == opened


async def test_patch_when_admin_then_200_and_when_read_only_403_and_when_someone_else_404(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    owner = await make_user()
    opened = (await _open(client, owner)).json()
    admin = await make_user(role=Role.admin)
    stranger = await make_user()
    read_only = await client.post(
        "/api/v1/api-keys", json={"name": "ro", "scopes": ["read"]}, headers=owner.headers
    )
    url = f"{ACCOUNTS}/{opened['id']}"

    by_admin = await _patch(client, admin, opened["id"], {"risk_per_trade": 200})
    by_key = await client.patch(
        url, json={"risk_per_trade": 300}, headers={"X-API-Key": read_only.json()["key"]}
    )
    by_stranger = await _patch(client, stranger, opened["id"], {"risk_per_trade": 300})

    assert (by_admin.status_code, by_admin.json()["risk_per_trade"]) == (200, 200)
    assert by_key.status_code == 403
    assert by_stranger.status_code == 404
    assert (await client.get(url, headers=owner.headers)).json()["risk_per_trade"] == 200
