"""API keys: the secret once, scopes, revocation, and what a key may not do."""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx

from propdesk.domain.accounts import Role

if TYPE_CHECKING:
    from conftest import MakeUser, TestUser

KEYS = "/api/v1/api-keys"
ME = "/api/v1/users/me"
OPEN_ACCOUNT = {"name": "bot account", "rule_set": {"name": "topstep-50k"}}


async def create_key(
    client: httpx.AsyncClient, user: TestUser, scopes: list[str], name: str = "bot"
) -> httpx.Response:
    return await client.post(KEYS, json={"name": name, "scopes": scopes}, headers=user.headers)


async def test_create_when_signed_in_then_key_shown_once_and_listed_without_it(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    user = await make_user()

    created = await create_key(client, user, ["read"])
    listed = await client.get(KEYS, headers=user.headers)

    assert created.status_code == 201
    assert created.headers["cache-control"] == "no-store"
    body = created.json()
    assert body["key"].startswith(f"pd_{body['prefix']}_")
    assert body["scopes"] == ["read"]
    assert listed.status_code == 200
    assert [k["id"] for k in listed.json()] == [body["id"]]
    assert "key" not in listed.json()[0]
    assert body["key"] not in listed.text
    assert body["key"].split("_", 2)[2] not in listed.text


async def test_key_when_used_then_authenticates_as_its_user_and_records_last_use(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    user = await make_user("judy")
    key = (await create_key(client, user, ["read"])).json()["key"]

    response = await client.get(ME, headers={"X-API-Key": key})
    listed = await client.get(KEYS, headers=user.headers)

    assert response.status_code == 200
    assert response.json()["username"] == "judy"
    assert listed.json()[0]["last_used_at"] is not None


async def test_key_when_trade_scoped_then_implies_read_and_may_write(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    user = await make_user()
    created = (await create_key(client, user, ["trade"])).json()

    response = await client.post(
        "/api/v1/accounts", json=OPEN_ACCOUNT, headers={"X-API-Key": created["key"]}
    )

    assert created["scopes"] == ["read", "trade"]
    assert response.status_code == 201


async def test_key_when_read_only_writes_then_403(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    user = await make_user()
    key = (await create_key(client, user, ["read"])).json()["key"]

    listed = await client.get("/api/v1/accounts", headers={"X-API-Key": key})
    response = await client.post("/api/v1/accounts", json=OPEN_ACCOUNT, headers={"X-API-Key": key})

    assert listed.status_code == 200
    assert response.status_code == 403
    assert response.json()["code"] == "READ_ONLY"


async def test_create_when_called_with_a_key_then_403(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    user = await make_user()
    key = (await create_key(client, user, ["trade"])).json()["key"]

    response = await client.post(
        KEYS, json={"name": "child", "scopes": ["trade"]}, headers={"X-API-Key": key}
    )

    assert response.status_code == 403
    assert response.json()["code"] == "API_KEY_FORBIDDEN"


async def test_create_when_viewer_then_read_keys_only(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    viewer = await make_user(role=Role.viewer)

    read = await create_key(client, viewer, ["read"])
    trade = await create_key(client, viewer, ["trade"])

    assert read.status_code == 201
    assert trade.status_code == 403


async def test_create_when_scopes_bad_then_422(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    user = await make_user()

    empty = await create_key(client, user, [])
    unknown = await create_key(client, user, ["admin"])

    assert empty.status_code == 422
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["loc"][:2] == ["body", "scopes"]


async def test_delete_when_own_key_then_revoked_and_refused(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    user = await make_user()
    created = (await create_key(client, user, ["read"])).json()

    deleted = await client.delete(f"{KEYS}/{created['id']}", headers=user.headers)
    response = await client.get(ME, headers={"X-API-Key": created["key"]})
    listed = await client.get(KEYS, headers=user.headers)
    again = await client.delete(f"{KEYS}/{created['id']}", headers=user.headers)

    assert deleted.status_code == 204
    assert response.status_code == 401
    assert response.json()["code"] == "API_KEY_REVOKED"
    assert listed.json() == []
    assert again.status_code == 404


async def test_delete_when_someone_elses_key_then_404_and_key_still_works(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    owner = await make_user()
    other = await make_user()
    created = (await create_key(client, owner, ["read"])).json()

    response = await client.delete(f"{KEYS}/{created['id']}", headers=other.headers)
    still = await client.get(ME, headers={"X-API-Key": created["key"]})

    assert response.status_code == 404
    assert still.status_code == 200


async def test_key_when_malformed_or_wrong_secret_then_401(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    user = await make_user()
    key = (await create_key(client, user, ["read"])).json()["key"]
    wrong_secret = key[:-4] + ("AAAA" if not key.endswith("AAAA") else "BBBB")

    malformed = await client.get(ME, headers={"X-API-Key": "not-a-key"})
    wrong = await client.get(ME, headers={"X-API-Key": wrong_secret})
    unknown = await client.get(ME, headers={"X-API-Key": "pd_000000000000_" + "x" * 43})

    assert malformed.status_code == 401
    assert wrong.status_code == 401
    assert unknown.status_code == 401
