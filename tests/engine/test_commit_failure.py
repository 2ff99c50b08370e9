"""A failed commit acknowledges nothing, voids what was applied after it, and the engine goes
on from what the store holds.

The engine applies the next batch while the last one commits; these tests hold a commit open
(or make it fail) to put batches in that window.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from propdesk.bus.base import UnavailableError
from propdesk.domain.orders import OrderStatus
from propdesk.services import Services
from propdesk.store.repositories import trading as store

from .test_engine import market, open_account, quote

if TYPE_CHECKING:
    from conftest import HoldWrites, MakeUser


async def _orders(services: Services, account_id: str) -> list[Any]:
    async with services.database.session() as session:
        return await store.list_orders(
            session, account_id, status="all", symbol=None, after=None, until=None,
            limit=500, offset=0, nested=False,
        )  # fmt: skip


@pytest.fixture
async def account(services: Services, client: httpx.AsyncClient, make_user: MakeUser) -> str:
    account_id = await open_account(client, (await make_user()).headers)
    await quote(services, "BTCUSD", "100.00", "100.01")
    return account_id


async def test_commit_when_it_fails_then_its_batch_and_the_ones_applied_after_it_fail(
    services: Services, account: str, held_writes: HoldWrites
) -> None:
    writes = held_writes()
    writes.failures = 1
    first = asyncio.create_task(services.engine.send(market(account, client_order_id="a")))
    await writes.entered.wait()  # the first batch is committing
    second = asyncio.create_task(services.engine.send(market(account, client_order_id="b")))
    await asyncio.sleep(0.05)  # applied on top of the first, waiting for its commit

    writes.release.set()
    results = await asyncio.gather(first, second, return_exceptions=True)

    # Only the kind of failure crosses the bus: "unavailable, retry".
    assert [type(r) for r in results] == [UnavailableError, UnavailableError]
    assert services.engine.stats.commit_failures == 1
    assert await _orders(services, account) == []
    # Memory went back to the store: neither order exists, both ids are free again.
    retry = await services.engine.send(market(account, client_order_id="a"))
    assert retry.order is not None
    assert retry.order.status is OrderStatus.filled
    assert not retry.replayed
    assert [o.client_order_id for o in await _orders(services, account)] == ["a"]
    position = services.engine.position(account, "BTCUSD")
    assert position is not None
    assert str(position.qty) == "0.1"


async def test_commit_when_batches_queue_behind_it_then_they_commit_together_in_order(
    services: Services, account: str, held_writes: HoldWrites
) -> None:
    writes = held_writes()
    first = asyncio.create_task(services.engine.send(market(account, client_order_id="a")))
    await writes.entered.wait()
    queued = [
        asyncio.create_task(services.engine.send(market(account, client_order_id=f"q{i}")))
        for i in range(5)
    ]
    await asyncio.sleep(0.05)
    replay = asyncio.create_task(services.engine.send(market(account, client_order_id="a")))
    await asyncio.sleep(0.05)
    assert not first.done()
    assert not replay.done()

    writes.release.set()
    acks = await asyncio.gather(first, *queued, replay)

    assert writes.calls == 2  # the first batch, then everything that queued behind it
    assert acks[-1].replayed
    assert acks[-1].order is not None
    assert acks[-1].order.id == acks[0].order.id  # type: ignore[union-attr]
    stored = await _orders(services, account)
    assert sorted(o.client_order_id for o in stored) == ["a", "q0", "q1", "q2", "q3", "q4"]


async def test_stop_when_batches_are_waiting_for_their_commit_then_they_are_committed(
    services: Services, account: str, held_writes: HoldWrites
) -> None:
    writes = held_writes()
    pending = asyncio.create_task(services.engine.send(market(account, client_order_id="late")))
    await writes.entered.wait()

    stopping = asyncio.create_task(services.engine.stop())
    await asyncio.sleep(0.05)
    writes.release.set()
    await stopping

    ack = await pending
    assert ack.order is not None
    assert [o.client_order_id for o in await _orders(services, account)] == ["late"]


async def test_committer_when_it_hits_a_bug_then_later_commands_still_work(
    services: Services, account: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = services.bus.publish_nowait
    broken = {"once": True}

    def publish_nowait(topic: str, message: Any) -> None:
        if broken.pop("once", False):
            raise RuntimeError("a bug in publishing")
        real(topic, message)

    monkeypatch.setattr(services.bus, "publish_nowait", publish_nowait)

    first = await services.engine.send(market(account, client_order_id="first"))  # durable
    later = await services.engine.send(market(account, client_order_id="second"))

    assert first.order is not None
    assert later.order is not None
    assert later.order.status is OrderStatus.filled
    stored = sorted(o.client_order_id for o in await _orders(services, account))
    assert stored == ["first", "second"]
