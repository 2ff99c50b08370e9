"""Paper accounts: presets and custom rule sets, listing, renaming, resetting."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from sqlalchemy import update

from propdesk.config import Settings
from propdesk.domain.accounts import AccountStatus, Role
from propdesk.store.db import Database
from propdesk.store.models import Account

if TYPE_CHECKING:
    from conftest import Desk, MakeUser, TestUser

ACCOUNTS = "/api/v1/accounts"
CUSTOM = {
    "name": "custom",
    "daily_loss_limit": 400,
    "max_loss": 1200.5,
    "drawdown": "intraday",
    "locks_at_starting_balance": False,
    "max_contracts": 2,
    "calendar": "cme",
}


async def open_account(client: httpx.AsyncClient, user: TestUser, **body: Any) -> httpx.Response:
    payload = {"name": "eval", "rule_set": {"name": "topstep-50k"}, **body}
    return await client.post(ACCOUNTS, json=payload, headers=user.headers)


async def test_rule_sets_when_listed_then_the_three_topstep_presets(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/api/v1/rule-sets")

    assert response.status_code == 200
    by_name = {preset["name"]: preset for preset in response.json()}
    assert set(by_name) == {"topstep-50k", "topstep-100k", "topstep-150k"}
    assert by_name["topstep-100k"]["starting_balance"] == 100000
    assert by_name["topstep-100k"]["rule_set"] == {
        "name": "topstep-100k",
        "daily_loss_limit": 2000,
        "max_loss": 3000,
        "drawdown": "end_of_day",
        "locks_at_starting_balance": True,
        "max_contracts": 10,
        "calendar": "cme",
    }


@pytest.mark.parametrize(
    ("preset", "balance", "daily", "max_loss", "contracts"),
    [
        ("topstep-50k", 50000, 1000, 2000, 5),
        ("topstep-100k", 100000, 2000, 3000, 10),
        ("topstep-150k", 150000, 3000, 4500, 15),
    ],
)
async def test_open_when_preset_then_201_with_the_presets_balance_and_rules(
    client: httpx.AsyncClient,
    make_user: MakeUser,
    preset: str,
    balance: int,
    daily: int,
    max_loss: int,
    contracts: int,
) -> None:
    user = await make_user()

    response = await open_account(client, user, rule_set={"name": preset})

    assert response.status_code == 201
    body = response.json()
    assert body["owner_id"] == user.id
    assert body["starting_balance"] == body["balance"] == balance
    assert body["currency"] == "USD"
    assert body["rule_set"]["daily_loss_limit"] == daily
    assert body["rule_set"]["max_loss"] == max_loss
    assert body["rule_set"]["max_contracts"] == contracts
    assert body["status"] == "active"
    assert body["can_trade"] is True
    assert response.headers["location"].endswith(f"{ACCOUNTS}/{body['id']}")
    assert uuid.UUID(body["id"])


async def test_open_when_custom_then_201_with_exact_parameters(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    user = await make_user()

    response = await open_account(
        client, user, rule_set=CUSTOM, starting_balance=25000.25, currency="EUR"
    )

    assert response.status_code == 201
    body = response.json()
    assert body["starting_balance"] == 25000.25
    assert body["currency"] == "EUR"
    assert body["rule_set"] == CUSTOM
    fetched = await client.get(f"{ACCOUNTS}/{body['id']}", headers=user.headers)
    assert fetched.json() == body


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"starting_balance": 60000}, "starting_balance"),  # not the preset's
        ({"currency": "EUR"}, "currency"),  # not the preset's
        ({"rule_set": CUSTOM}, "starting_balance"),  # custom needs one
        ({"rule_set": CUSTOM, "starting_balance": 1000}, "starting_balance"),  # below max_loss
        ({"rule_set": {**CUSTOM, "max_contracts": 0}, "starting_balance": 5000}, "max_contracts"),
        (
            {"rule_set": {**CUSTOM, "daily_loss_limit": 0}, "starting_balance": 5000},
            "daily_loss_limit",
        ),
        ({"rule_set": {**CUSTOM, "max_loss": -5}, "starting_balance": 5000}, "max_loss"),
        ({"rule_set": {**CUSTOM, "max_loss": 1.001}, "starting_balance": 5000}, "max_loss"),
        ({"rule_set": {"name": "topstep-50k", "max_contracts": 9}}, "max_contracts"),
        ({"rule_set": {"name": "topstep-1m"}}, "rule_set"),
        ({"rule_set": "topstep-1m"}, "rule_set"),
        ({"rule_set": 50}, "rule_set"),
        ({"rule_set": "custom"}, "starting_balance"),  # no preset: no balance of its own
        ({"rule_set": None}, "starting_balance"),
        ({"name": ""}, "name"),
        ({"currency": "usd", "rule_set": CUSTOM, "starting_balance": 5000}, "currency"),
        ({"owner_id": 1}, "owner_id"),
    ],
)
async def test_open_when_input_invalid_then_422_naming_it_and_nothing_stored(
    client: httpx.AsyncClient, make_user: MakeUser, body: dict[str, Any], field: str
) -> None:
    user = await make_user()

    response = await open_account(client, user, **body)
    listed = await client.get(ACCOUNTS, headers=user.headers)

    assert response.status_code == 422
    assert field in response.json()["detail"]
    assert listed.json() == []


async def test_open_when_rule_set_is_a_presets_name_then_as_with_the_object(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    user = await make_user()

    by_name = await open_account(client, user, name="by name", rule_set="topstep-100k")
    by_object = await open_account(client, user, name="object", rule_set={"name": "topstep-100k"})

    assert (by_name.status_code, by_object.status_code) == (201, 201), by_name.text
    assert by_name.json()["rule_set"] == by_object.json()["rule_set"]
    assert by_name.json()["starting_balance"] == 100000


async def test_open_when_rule_set_name_unknown_then_422_listing_the_presets(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    user = await make_user()

    response = await open_account(client, user, rule_set="topstep-1m")

    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["loc"] == ["body", "rule_set"]
    assert error["type"] == "rule_set_unknown"
    assert all(preset in error["msg"] for preset in ("topstep-50k", "topstep-150k", "custom"))


NO_LIMITS = {
    "name": "custom",
    "daily_loss_limit": None,
    "max_loss": None,
    "drawdown": "end_of_day",
    "locks_at_starting_balance": True,
    "max_contracts": None,
    "calendar": "cme",
}


@pytest.mark.parametrize(
    "rule_set",
    [{}, {"rule_set": None}, {"rule_set": "custom"}, {"rule_set": {"name": "custom"}}],
    ids=["omitted", "null", "name", "object"],
)
async def test_open_when_no_limits_are_given_then_custom_without_limits(
    client: httpx.AsyncClient, make_user: MakeUser, rule_set: dict[str, Any]
) -> None:
    user = await make_user()
    payload = {"name": "free", "starting_balance": 10000, **rule_set}

    response = await client.post(ACCOUNTS, json=payload, headers=user.headers)

    assert response.status_code == 201, response.text
    assert response.json()["rule_set"] == NO_LIMITS
    fetched = await client.get(f"{ACCOUNTS}/{response.json()['id']}", headers=user.headers)
    assert fetched.json()["rule_set"] == NO_LIMITS


async def test_open_when_custom_names_some_limits_then_only_those_enforced(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    user = await make_user()

    response = await open_account(
        client, user, rule_set={"name": "custom", "max_loss": 750}, starting_balance=10000
    )

    assert response.status_code == 201, response.text
    assert response.json()["rule_set"] == {**NO_LIMITS, "max_loss": 750}


async def test_open_when_no_limits_then_the_account_trades(
    client: httpx.AsyncClient, desk: Desk
) -> None:
    account = await client.post(
        ACCOUNTS, json={"name": "free", "starting_balance": 1_000_000}, headers=desk.headers
    )
    await desk.quote("BTCUSD", "100.00", "100.01")

    order = await client.post(
        f"{ACCOUNTS}/{account.json()['id']}/orders",
        json={"symbol": "BTCUSD", "side": "buy", "type": "market", "qty": 1},
        headers=desk.headers,
    )

    assert order.status_code == 201, order.text


async def test_open_when_name_taken_by_same_owner_then_409(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    user = await make_user()
    other = await make_user()
    await open_account(client, user, name="combine")

    duplicate = await open_account(client, user, name="combine")
    elsewhere = await open_account(client, other, name="combine")

    assert duplicate.status_code == 409
    assert duplicate.json()["code"] == "ACCOUNT_NAME_TAKEN"
    assert elsewhere.status_code == 201


async def test_list_when_trader_then_own_only_and_when_admin_then_all(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    first = await make_user()
    second = await make_user()
    admin = await make_user(role=Role.admin)
    await open_account(client, first, name="one")
    await open_account(client, first, name="two")
    await open_account(client, second, name="three")

    mine = await client.get(ACCOUNTS, headers=first.headers)
    everyone = await client.get(ACCOUNTS, headers=admin.headers)

    assert [a["name"] for a in mine.json()] == ["one", "two"]
    assert sorted(a["name"] for a in everyone.json()) == ["one", "three", "two"]


async def test_update_when_renamed_then_200_and_when_name_taken_then_409(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    user = await make_user()
    first = (await open_account(client, user, name="first")).json()
    await open_account(client, user, name="second")

    renamed = await client.patch(
        f"{ACCOUNTS}/{first['id']}", json={"name": "  renamed  "}, headers=user.headers
    )
    clash = await client.patch(
        f"{ACCOUNTS}/{first['id']}", json={"name": "second"}, headers=user.headers
    )
    forbidden_field = await client.patch(
        f"{ACCOUNTS}/{first['id']}", json={"starting_balance": 1}, headers=user.headers
    )

    assert renamed.status_code == 200
    assert renamed.json()["name"] == "renamed"
    assert renamed.json()["updated_at"] >= first["updated_at"]
    assert clash.status_code == 409
    assert forbidden_field.status_code == 422


async def test_reset_when_balance_moved_and_locked_then_back_to_start_with_period_closed(
    client: httpx.AsyncClient, make_user: MakeUser, settings: Settings
) -> None:
    user = await make_user()
    account = (await open_account(client, user)).json()
    database = Database(settings.database_url)
    try:  # what the risk rules will do: lock the account (trading moves the balance: the
        # engine owns it, and test_account_trading resets an account that has traded)
        async with database.session() as session:
            await session.execute(
                update(Account)
                .where(Account.id == uuid.UUID(account["id"]))
                .values(status=AccountStatus.locked)
            )
    finally:
        await database.dispose()
    locked = (await client.get(f"{ACCOUNTS}/{account['id']}", headers=user.headers)).json()

    response = await client.post(f"{ACCOUNTS}/{account['id']}/reset", headers=user.headers)
    periods = await client.get(f"{ACCOUNTS}/{account['id']}/periods", headers=user.headers)

    assert locked["can_trade"] is False
    assert response.status_code == 200
    assert response.json()["balance"] == 50000
    assert response.json()["status"] == "active"
    assert response.json()["can_trade"] is True
    first, second = periods.json()
    assert first["number"] == 1
    assert first["starting_balance"] == 50000
    assert first["ending_balance"] == 50000
    assert first["ended_at"] is not None
    assert second["number"] == 2
    assert second["starting_balance"] == 50000
    assert second["ended_at"] is None
    assert second["ending_balance"] is None


async def test_reset_when_repeated_then_one_closed_period_per_reset(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    user = await make_user()
    account = (await open_account(client, user)).json()

    for _ in range(3):
        await client.post(f"{ACCOUNTS}/{account['id']}/reset", headers=user.headers)
    periods = (await client.get(f"{ACCOUNTS}/{account['id']}/periods", headers=user.headers)).json()

    assert [p["number"] for p in periods] == [1, 2, 3, 4]
    assert [p["ended_at"] is None for p in periods] == [False, False, False, True]


async def test_reset_when_api_keys_exist_then_they_keep_working(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    user = await make_user()
    account = (await open_account(client, user)).json()
    key = (
        await client.post(
            "/api/v1/api-keys", json={"name": "bot", "scopes": ["trade"]}, headers=user.headers
        )
    ).json()["key"]

    await client.post(f"{ACCOUNTS}/{account['id']}/reset", headers={"X-API-Key": key})
    response = await client.get(f"{ACCOUNTS}/{account['id']}", headers={"X-API-Key": key})

    assert response.status_code == 200


async def test_get_when_id_not_a_uuid_then_422_and_when_unknown_then_404(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    user = await make_user()

    malformed = await client.get(f"{ACCOUNTS}/42", headers=user.headers)
    unknown = await client.get(f"{ACCOUNTS}/{uuid.uuid4()}", headers=user.headers)

    assert malformed.status_code == 422
    assert unknown.status_code == 404
    assert unknown.headers["content-type"] == "application/problem+json"


async def test_open_when_custom_on_the_crypto_calendar_then_its_day_is_the_utc_day(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    user = await make_user()
    rule_set = {
        "name": "custom",
        "daily_loss_limit": 300,
        "calendar": "crypto",
        "windows": [{"asset_class": "crypto", "start": "08:00", "end": "20:00", "timezone": "UTC"}],
    }
    payload = {"name": "coins", "starting_balance": 10000, "rule_set": rule_set}

    response = await client.post(ACCOUNTS, json=payload, headers=user.headers)

    assert response.status_code == 201, response.text
    assert response.json()["rule_set"]["calendar"] == "crypto"
    risk = await client.get(f"{ACCOUNTS}/{response.json()['id']}/risk", headers=user.headers)
    assert risk.status_code == 200, risk.text
    rules = risk.json()["rules"]
    assert rules["calendar"] == "crypto"
    assert rules["windows"] == [
        {
            "asset_class": "crypto",
            "start": "08:00:00",
            "end": "20:00:00",
            "timezone": "UTC",
            "flatten": True,
        }
    ]
