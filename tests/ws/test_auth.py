"""Who may connect and what they may read: tokens, API keys, 1008, public topics, ownership."""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from propdesk.domain.accounts import Role

if TYPE_CHECKING:
    from conftest import MakeUser

Connect = Any


async def open_account(client: httpx.AsyncClient, headers: dict[str, str]) -> str:
    response = await client.post(
        "/api/v1/accounts",
        json={"name": f"combine-{uuid.uuid4().hex[:6]}", "rule_set": {"name": "topstep-50k"}},
        headers=headers,
    )
    assert response.status_code == 201, response.text
    account_id: str = response.json()["id"]
    return account_id


async def test_connect_when_anonymous_then_connected_says_so(ws_connect: Connect) -> None:
    async with ws_connect(read_connected=False) as ws:
        connected = await ws.expect("connected", authenticated=False, username=None)

    assert connected["heartbeat_seconds"] == 15
    assert connected["auth_timeout_seconds"] == 5


async def test_query_token_when_valid_then_connected_as_the_user(
    ws_connect: Connect, make_user: MakeUser
) -> None:
    user = await make_user()

    async with ws_connect(user.access_token, read_connected=False) as ws:
        await ws.expect("connected", authenticated=True, user_id=user.id, role="trader")


async def test_auth_message_when_first_then_connected_again_with_its_id(
    ws_connect: Connect, make_user: MakeUser
) -> None:
    user = await make_user()

    async with ws_connect() as ws:
        reply = await ws.request({"type": "auth", "token": user.access_token, "id": "sign-in"})

    assert reply["type"] == "connected"
    assert (reply["id"], reply["authenticated"], reply["username"]) == (
        "sign-in",
        True,
        user.username,
    )


async def test_api_key_when_sent_then_authenticates_by_query_and_by_message(
    ws_connect: Connect, make_user: MakeUser, client: httpx.AsyncClient
) -> None:
    user = await make_user()
    response = await client.post(
        "/api/v1/api-keys", json={"name": "bot", "scopes": ["read"]}, headers=user.headers
    )
    key = response.json()["key"]

    async with ws_connect(key, read_connected=False) as ws:
        by_query = await ws.expect("connected", authenticated=True)
    async with ws_connect() as ws:
        by_message = await ws.request({"type": "auth", "token": key})

    assert by_query["user_id"] == by_message["user_id"] == user.id


@pytest.mark.parametrize(
    "token", ["not-a-token", "pd_0123456789ab_wrongsecret", "eyJhbGciOiJIUzI1NiJ9.e30.bad"]
)
async def test_query_token_when_bad_then_closed_with_1008(ws_url: str, token: str) -> None:
    async with connect(f"{ws_url}?token={token}") as socket:
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(socket.recv(), 5)

    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 1008
    assert "invalid" in closed.value.rcvd.reason


async def test_auth_message_when_bad_then_closed_with_1008(ws_connect: Connect) -> None:
    async with ws_connect() as ws:
        await ws.send({"type": "auth", "token": "pd_0123456789ab_wrongsecret"})
        with pytest.raises(ConnectionClosed) as closed:
            await ws.receive()

    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 1008


async def test_auth_message_when_not_first_then_refused_and_connection_stays(
    ws_connect: Connect, make_user: MakeUser
) -> None:
    user = await make_user()

    async with ws_connect() as ws:
        await ws.request({"type": "ping"})
        refused = await ws.request({"type": "auth", "token": user.access_token, "id": 2})
        pong = await ws.request({"type": "ping", "id": 3})

    assert (refused["type"], refused["code"], refused["id"]) == ("error", "AUTH_WINDOW_CLOSED", 2)
    assert pong["type"] == "pong"


@pytest.mark.settings(ws_auth_timeout_seconds=0.05)
async def test_auth_message_when_after_the_timeout_then_refused(
    ws_connect: Connect, make_user: MakeUser
) -> None:
    user = await make_user()

    async with ws_connect() as ws:
        await asyncio.sleep(0.1)
        refused = await ws.request({"type": "auth", "token": user.access_token})

    assert refused["code"] == "AUTH_WINDOW_CLOSED"


async def test_auth_message_when_already_signed_in_then_refused(
    ws_connect: Connect, make_user: MakeUser
) -> None:
    user = await make_user()

    async with ws_connect(user.access_token) as ws:
        refused = await ws.request({"type": "auth", "token": user.access_token})

    assert refused["code"] == "ALREADY_AUTHENTICATED"


async def test_anonymous_when_subscribing_then_only_public_topics_are_open(
    ws_connect: Connect,
) -> None:
    account = str(uuid.uuid4())

    async with ws_connect() as ws:
        bars = await ws.request({"type": "bars.subscribe", "symbol": "MNQ", "resolution": "1"})
        quotes = await ws.request({"type": "quotes.subscribe", "symbols": ["ES"]})
        signals = await ws.request({"type": "signals.subscribe"})
        refusals = [
            await ws.request({"type": f"{kind}.subscribe", "account_id": account, "id": kind})
            for kind in ("orders", "executions", "positions", "account", "risk", "trades")
        ]

    assert [bars["type"], quotes["type"], signals["type"]] == ["subscribed"] * 3
    assert signals["topics"] == ["signals.*"]
    assert {(r["type"], r["code"]) for r in refusals} == {("error", "NOT_AUTHENTICATED")}
    assert [r["id"] for r in refusals] == [
        "orders",
        "executions",
        "positions",
        "account",
        "risk",
        "trades",
    ]


async def test_account_topic_when_someone_elses_then_not_found_and_no_data(
    ws_connect: Connect, make_user: MakeUser, client: httpx.AsyncClient
) -> None:
    owner, other = await make_user(), await make_user()
    account = await open_account(client, owner.headers)

    async with ws_connect(other.access_token) as ws:
        replies = [
            await ws.request({"type": f"{kind}.subscribe", "account_id": account})
            for kind in ("orders", "executions", "positions", "account", "risk", "trades")
        ]
        missing = await ws.request({"type": "orders.subscribe", "account_id": str(uuid.uuid4())})
        await ws.silent()

    assert {(r["type"], r["code"]) for r in replies} == {("error", "NOT_FOUND")}
    # Someone else's account answers exactly as a missing one does.
    assert replies[0]["reason"] == f"no account {account}"
    assert missing["code"] == "NOT_FOUND"
    assert missing["reason"].startswith("no account ")


async def test_account_topic_when_owned_or_admin_then_subscribed(
    ws_connect: Connect, make_user: MakeUser, client: httpx.AsyncClient
) -> None:
    owner, admin = await make_user(), await make_user(role=Role.admin)
    account = await open_account(client, owner.headers)

    for user in (owner, admin):
        async with ws_connect(user.access_token) as ws:
            reply = await ws.request({"type": "risk.subscribe", "account_id": account, "id": 1})
            assert (reply["type"], reply["topics"]) == ("subscribed", [f"risk.{account}"])


async def test_account_topic_when_the_token_was_revoked_then_refused(
    ws_connect: Connect, make_user: MakeUser, client: httpx.AsyncClient
) -> None:
    user = await make_user()
    account = await open_account(client, user.headers)

    async with ws_connect(user.access_token) as ws:
        signed_out = await client.post(
            "/api/v1/auth/logout", json={"refresh_token": user.refresh_token}
        )
        assert signed_out.status_code in (200, 204), signed_out.text
        reply = await ws.request({"type": "orders.subscribe", "account_id": account})

    assert (reply["type"], reply["code"]) == ("error", "NOT_AUTHENTICATED")


async def test_query_token_when_the_server_logs_the_socket_then_it_is_redacted(
    ws_connect: Connect, make_user: MakeUser
) -> None:
    user = await make_user()
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign]
    server_log = logging.getLogger("uvicorn.error")
    level = server_log.level
    server_log.addHandler(handler)
    server_log.setLevel(logging.INFO)
    try:
        async with ws_connect(f"{user.access_token}&x=1") as ws:
            await ws.request({"type": "ping"})
    finally:
        server_log.removeHandler(handler)
        server_log.setLevel(level)

    lines = [record.getMessage() for record in records]
    accepted = [line for line in lines if "[accepted]" in line]
    assert accepted
    assert "token=[redacted]&x=1" in accepted[0]
    assert not any(user.access_token in line for line in lines)


@pytest.mark.settings(rate_limit_user="2/minute")
async def test_account_topics_when_over_the_users_budget_then_rate_limited(
    ws_connect: Connect, make_user: MakeUser, client: httpx.AsyncClient
) -> None:
    user = await make_user()
    account = await open_account(client, user.headers)  # one request of the budget

    async with ws_connect(user.access_token) as ws:
        first = await ws.request({"type": "risk.subscribe", "account_id": account})
        await ws.receive()  # its snapshot
        second = await ws.request({"type": "risk.subscribe", "account_id": account, "id": 2})
        public = await ws.request({"type": "quotes.subscribe", "symbols": ["ES"]})

    assert first["type"] == "subscribed"
    assert (second["type"], second["code"], second["id"]) == ("error", "RATE_LIMITED", 2)
    assert public["type"] == "subscribed"  # market topics cost nothing
