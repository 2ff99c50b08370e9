"""Kill -9 in the middle of a stream of orders: every acknowledged order is there exactly once
after the restart, with its labels, and the working ones still work.

The server is a real uvicorn process on the test's database (SQLite file or PostgreSQL).
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.slow

STREAMS = 6
KILL_AFTER = 150
PASSWORD = "durable-password-1"
ADMIN_PASSWORD = "durable-admin-password"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def _server(
    database_url: str,
    cwd: Path,
    port: int,
    feed: str = "none",
    more_env: Mapping[str, str] | None = None,
) -> Iterator[subprocess.Popen[bytes]]:
    env = {
        **os.environ,
        "PROPDESK_DATABASE_URL": database_url,
        "PROPDESK_FEED": feed,
        "PROPDESK_FEED_TICK_INTERVAL": "0.05",
        "PROPDESK_BACKFILL_DAYS": "0",
        "PROPDESK_LOG_LEVEL": "WARNING",
        "PROPDESK_RATE_LIMITS_ENABLED": "false",
        "PROPDESK_ADMIN_PASSWORD": ADMIN_PASSWORD,
        "PROPDESK_PASSWORD_HASH_TIME_COST": "1",
        "PROPDESK_PASSWORD_HASH_MEMORY_KIB": "8",
        "PROPDESK_PASSWORD_HASH_PARALLELISM": "1",
        **(more_env or {}),
    }
    command = [sys.executable, "-m", "uvicorn", "--factory", "propdesk.app:create_app"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--no-access-log"]
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        command, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError("the server exited at start")
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=1)
                if health.status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the server did not start within 60 s")
            time.sleep(0.1)
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()


def _body(n: int) -> dict[str, object]:
    return {
        "symbol": "BTCUSD",
        "side": "buy",
        "type": "limit",
        "qty": 0.0001,
        "limit_price": 1000.0 + n % 100,
        "time_in_force": "gtc",
        "client_order_id": f"durable-{n}",
        "strategy": "durable",
        "tag": f"stream-{n % STREAMS}",
    }


async def _stream(
    http: httpx.AsyncClient, path: str, start: int, acked: dict[str, str], enough: asyncio.Event
) -> None:
    n = start
    while True:
        try:
            response = await http.post(path, json=_body(n))
        except httpx.TransportError:
            return  # the server died with this request in flight: not acknowledged
        if response.status_code in (200, 201):
            acked[f"durable-{n}"] = response.json()["id"]
            if len(acked) >= KILL_AFTER:
                enough.set()
        n += STREAMS


async def _all_orders(http: httpx.AsyncClient, path: str) -> list[dict[str, object]]:
    orders: list[dict[str, object]] = []
    while True:
        page = await http.get(path, params={"status": "all", "limit": 500, "offset": len(orders)})
        assert page.status_code == 200, page.text
        batch = page.json()
        orders += batch
        if len(batch) < 500:
            return orders


async def test_server_when_killed_mid_stream_then_every_acked_order_survives_once(
    database_url: str, tmp_path: Path
) -> None:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    acked: dict[str, str] = {}
    with _server(database_url, tmp_path, port) as process:
        async with httpx.AsyncClient(base_url=base, timeout=10) as http:
            credentials = {"username": "durable", "password": PASSWORD}
            assert (await http.post("/api/v1/auth/register", json=credentials)).is_success
            token = (await http.post("/api/v1/auth/token", data=credentials)).json()
            http.headers["Authorization"] = f"Bearer {token['access_token']}"
            account = await http.post(
                "/api/v1/accounts",
                json={"name": "durable", "starting_balance": 10_000_000, "rule_set": {
                    "name": "custom", "daily_loss_limit": 10**6, "max_loss": 10**6,
                    "max_contracts": 10_000,
                }},
            )  # fmt: skip
            assert account.status_code == 201, account.text
            path = f"/api/v1/accounts/{account.json()['id']}/orders"
            enough = asyncio.Event()
            streams = [
                asyncio.create_task(_stream(http, path, i, acked, enough)) for i in range(STREAMS)
            ]
            await asyncio.wait_for(enough.wait(), 60)
            os.kill(process.pid, signal.SIGKILL)  # no shutdown, no flush: the worst case
            await asyncio.wait_for(asyncio.gather(*streams), 15)

    with _server(database_url, tmp_path, port):
        async with httpx.AsyncClient(base_url=base, timeout=10) as http:
            http.headers["Authorization"] = f"Bearer {token['access_token']}"
            orders = await _all_orders(http, path)
            by_client_id: dict[object, list[dict[str, object]]] = {}
            for order in orders:
                by_client_id.setdefault(order["client_order_id"], []).append(order)

            missing = [c for c in acked if c not in by_client_id]
            doubled = [c for c, found in by_client_id.items() if len(found) > 1]
            assert missing == []
            assert doubled == []
            assert all(by_client_id[c][0]["id"] == order_id for c, order_id in acked.items())
            assert {o["status"] for o in orders} == {"new"}
            # with the labels they were placed with
            assert all(o["strategy"] == "durable" for o in orders)
            assert all(o["tag"] == f"stream-{int(str(o['client_order_id'])[8:]) % STREAMS}"
                       for o in orders)  # fmt: skip
            tagged = await http.get(path, params={"status": "all", "tag": "stream-0", "limit": 500})
            assert {o["tag"] for o in tagged.json()} == {"stream-0"}

            # Retrying what was in flight at the kill never doubles an order.
            highest = max(int(str(c).split("-")[1]) for c in by_client_id)
            for n in range(highest + 1):
                retry = await http.post(path, json=_body(n))
                assert retry.status_code in (200, 201), retry.text
            after = await _all_orders(http, path)
            assert len(after) == highest + 1
            assert len({o["client_order_id"] for o in after}) == highest + 1

            # Working orders keep working: the restarted engine cancels and modifies them.
            first, second = acked["durable-0"], acked["durable-1"]
            assert (await http.delete(f"{path}/{first}")).status_code == 204
            modified = await http.patch(f"{path}/{second}", json={"limit_price": 900.0})
            assert modified.status_code == 200, modified.text
            assert modified.json()["limit_price"] == 900.0


async def _sign_in(http: httpx.AsyncClient, username: str) -> dict[str, str]:
    credentials = {"username": username, "password": PASSWORD}
    assert (await http.post("/api/v1/auth/register", json=credentials)).is_success
    token: dict[str, str] = (await http.post("/api/v1/auth/token", data=credentials)).json()
    return {"Authorization": f"Bearer {token['access_token']}"}


async def test_server_when_killed_right_after_a_breach_then_still_locked_after_restart(
    database_url: str, tmp_path: Path
) -> None:
    # Arrange: a daily loss limit of one cent: buying at the ask, valued at the bid, breaches
    # in the fill's own step (the simulator's BTCUSD trades around the clock)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    with _server(database_url, tmp_path, port, feed="simulator") as process:
        async with httpx.AsyncClient(base_url=base, timeout=10) as http:
            http.headers.update(await _sign_in(http, "breaker"))
            account = await http.post(
                "/api/v1/accounts",
                json={"name": "tight", "starting_balance": 1_000_000, "rule_set": {
                    "name": "custom", "daily_loss_limit": 0.01,
                }},
            )  # fmt: skip
            assert account.status_code == 201, account.text
            risk_path = f"/api/v1/accounts/{account.json()['id']}/risk"
            order_path = f"/api/v1/accounts/{account.json()['id']}/orders"
            body = {"symbol": "BTCUSD", "side": "buy", "type": "market", "qty": 1}
            # Act: the order is answered once its fill, and the breach, are durable
            placed = await http.post(order_path, json=body)
            assert placed.status_code == 201, placed.text
            os.kill(process.pid, signal.SIGKILL)

    with _server(database_url, tmp_path, port, feed="simulator"):
        async with httpx.AsyncClient(base_url=base, timeout=10) as http:
            credentials = {"username": "breaker", "password": PASSWORD}
            token = (await http.post("/api/v1/auth/token", data=credentials)).json()
            http.headers["Authorization"] = f"Bearer {token['access_token']}"
            risk = await http.get(risk_path)
            refused = await http.post(order_path, json=body)
            positions = await http.get(risk_path.replace("/risk", "/positions"))

    # Assert
    assert risk.status_code == 200, risk.text
    assert risk.json()["can_trade"] is False
    assert risk.json()["lock"]["code"] == "DAILY_LOSS_LIMIT"
    assert (refused.status_code, refused.json()["code"]) == (422, "ACCOUNT_LOCKED")
    assert positions.json() == []
