"""The trading port: commands routed by account to their engine shard, bus failures as 503,
and answers held until this process's read model shows them."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

from propdesk.bus.base import UnavailableError, shard_of
from propdesk.bus.memory import MemoryBus
from propdesk.domain.commands import CancelOrder
from propdesk.domain.orders import OrderId
from propdesk.domain.results import CommandResult, ResetAccount
from propdesk.errors import ServiceUnavailableError
from propdesk.trading.port import BusTradingPort

ACCOUNTS = [f"00000000-0000-4000-8000-{n:012d}" for n in range(40)]


def test_shard_of_when_one_shard_then_always_zero() -> None:
    assert {shard_of(account, 1) for account in ACCOUNTS} == {0}


def test_shard_of_when_several_shards_then_stable_and_spread() -> None:
    shards = [shard_of(account, 4) for account in ACCOUNTS]

    assert shards == [shard_of(account, 4) for account in ACCOUNTS]
    assert set(shards) == {0, 1, 2, 3}


async def test_send_when_two_shards_then_each_command_reaches_its_accounts_shard() -> None:
    bus = MemoryBus()
    channels = [bus.channel(f"engine.commands.{shard}") for shard in range(2)]
    port = BusTradingPort(bus, shards=2)

    async def serve(shard: int) -> None:
        while True:
            request = await channels[shard].get()
            assert shard_of(request.message.account_id, 2) == shard
            request.reply(CommandResult((), rejected=f"shard-{shard}"))

    servers = [asyncio.create_task(serve(shard)) for shard in range(2)]
    results = [await port.send(ResetAccount(account, Decimal(1000))) for account in ACCOUNTS[:10]]
    for server in servers:
        server.cancel()

    assert [r.rejected for r in results] == [f"shard-{shard_of(a, 2)}" for a in ACCOUNTS[:10]]


@pytest.mark.parametrize("served", [False, True])
async def test_send_when_the_engine_is_gone_or_cannot_commit_then_503_with_retry_after(
    served: bool,
) -> None:
    bus = MemoryBus()
    port = BusTradingPort(bus)
    if served:
        channel = bus.channel("engine.commands.0")
        asyncio.get_running_loop().call_soon(
            lambda: channel.get_nowait().fail(UnavailableError("the store is down"))
        )

    with pytest.raises(ServiceUnavailableError) as raised:
        await port.send(CancelOrder(ACCOUNTS[0], OrderId("o-1")))

    assert (raised.value.code, raised.value.retry_after) == ("ENGINE_UNAVAILABLE", 1)


async def test_send_when_the_engine_does_not_answer_in_time_then_503() -> None:
    bus = MemoryBus()
    bus.channel("engine.commands.0")

    with pytest.raises(ServiceUnavailableError):
        await BusTradingPort(bus).send(CancelOrder(ACCOUNTS[0], OrderId("o-1")), deadline=0.01)
