"""The read model: it follows the engine's commits, waits for a command's commit before its
answer goes out, and goes back to the store when it has missed one."""

from __future__ import annotations

import time
from decimal import Decimal
from typing import TYPE_CHECKING

import httpx
import pytest

from propdesk.bus.base import Topics
from propdesk.domain.bars import Tick
from propdesk.domain.commands import SubmitOrder
from propdesk.domain.orders import OrderSide
from propdesk.domain.results import Commit, CommitMark
from propdesk.services import Services
from propdesk.trading import reads as reads_module
from propdesk.trading.reads import ReadModel

if TYPE_CHECKING:
    from conftest import MakeUser


async def _account_with_a_position(
    services: Services, client: httpx.AsyncClient, user_headers: dict[str, str]
) -> tuple[str, Commit]:
    response = await client.post(
        "/api/v1/accounts",
        json={"name": "reads", "rule_set": {"name": "topstep-50k"}},
        headers=user_headers,
    )
    assert response.status_code == 201, response.text
    account = response.json()["id"]
    price = Decimal(100)
    tick = Tick("BTCUSD", time.time(), price, price, price + Decimal("0.01"), Decimal(1))
    await services.bus.publish(Topics.TICKS, tick)
    subscription = services.bus.subscribe(Topics.EVENTS)
    for _ in range(400):
        result = await services.port.send(
            SubmitOrder(account, "BTCUSD", OrderSide.buy, Decimal("0.1"))
        )
        if result.order is not None and result.order.status.value == "filled":
            break
    commit: Commit = subscription.get_nowait()
    while subscription.pending():
        commit = subscription.get_nowait()
    subscription.close()
    return account, commit


async def test_read_model_when_it_misses_a_commit_then_it_reloads_from_the_store(
    services: Services,
    client: httpx.AsyncClient,
    make_user: MakeUser,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Arrange: a read model with room for one commit only, and a committed position
    monkeypatch.setattr(reads_module, "EVENTS_QUEUE", 1)
    reads = ReadModel(services.bus, services.database, services.catalogue, services.live.tick)
    await reads.start()
    account, commit = await _account_with_a_position(services, client, (await make_user()).headers)
    # Act: three more commits arrive at once; two are lost to the full queue
    for _ in range(3):
        services.bus.publish_nowait(Topics.EVENTS, commit)
    await reads.caught_up(CommitMark(commit.mark.shard, commit.mark.run, commit.mark.seq))
    # Assert: it went back to the store, and shows what the engine committed
    try:
        assert [p.qty for p in reads.positions(account)] == [Decimal("0.1")]
        assert reads.account(account) == services.reads.account(account)
    finally:
        await reads.stop()


async def test_caught_up_when_the_commit_never_shows_then_it_gives_up_in_time(
    services: Services,
) -> None:
    started = time.perf_counter()

    await services.reads.caught_up(CommitMark(0, "another-run", 1), within=0.05)

    assert time.perf_counter() - started < 1


async def test_caught_up_when_nothing_was_published_then_at_once(services: Services) -> None:
    await services.reads.caught_up(CommitMark(0, "any-run", 0), within=10)
