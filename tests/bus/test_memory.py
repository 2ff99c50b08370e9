from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

from propdesk.bus.base import BusTimeoutError, HandlerFailedError, NoHandlerError, UnavailableError
from propdesk.bus.codec import JsonCodec
from propdesk.bus.memory import MemoryBus
from propdesk.domain.bars import Tick
from propdesk.domain.codec import CodecError, from_plain, to_plain
from propdesk.domain.commands import CancelOrder
from propdesk.domain.orders import Fill, FillId, Liquidity, OrderId, OrderSide
from propdesk.domain.results import CommandResult


async def test_publish_when_two_subscribers_then_each_gets_every_message_in_order() -> None:
    bus = MemoryBus()
    first, second = bus.subscribe("t"), bus.subscribe("t")

    for n in range(3):
        await bus.publish("t", n)

    assert [await first.get() for _ in range(3)] == [0, 1, 2]
    assert [await second.get() for _ in range(3)] == [0, 1, 2]


async def test_publish_when_subscriber_full_then_oldest_dropped_and_counted() -> None:
    bus = MemoryBus()
    slow = bus.subscribe("t", maxsize=2)

    for n in range(5):
        bus.publish_nowait("t", n)

    assert slow.dropped == 3
    assert [await slow.get(), await slow.get()] == [3, 4]


async def test_close_when_subscription_closed_then_no_longer_receives() -> None:
    bus = MemoryBus()
    subscription = bus.subscribe("t")

    subscription.close()
    await bus.publish("t", 1)

    assert bus.subscriber_count("t") == 0
    assert subscription.pending() == 0


async def test_request_when_handler_replies_then_caller_gets_reply() -> None:
    bus = MemoryBus()
    queue = bus.channel("commands")

    async def handler() -> None:
        request = await queue.get()
        request.reply(request.message * 2)

    task = asyncio.create_task(handler())
    assert await bus.request("commands", 21) == 42
    await task


async def test_request_when_nobody_serves_then_no_handler_error() -> None:
    bus = MemoryBus()

    with pytest.raises(NoHandlerError):
        await bus.request("commands", 1)


async def test_request_when_handler_silent_then_timeout() -> None:
    bus = MemoryBus()
    bus.channel("commands")

    with pytest.raises(BusTimeoutError):
        await bus.request("commands", 1, deadline=0.01)


async def test_request_when_the_reply_comes_after_the_deadline_then_dropped() -> None:
    bus = MemoryBus()
    queue = bus.channel("commands")

    with pytest.raises(BusTimeoutError):
        await bus.request("commands", 1, deadline=0.01)
    late = queue.get_nowait()
    late.reply("too late")  # the handler answers anyway: nobody hears it, nothing breaks

    assert late.future.exception() is not None


async def test_request_when_the_caller_is_cancelled_then_the_handler_can_still_reply() -> None:
    bus = MemoryBus()
    queue = bus.channel("commands")
    caller = asyncio.create_task(bus.request("commands", 1))
    await asyncio.sleep(0)

    caller.cancel()
    with pytest.raises(asyncio.CancelledError):
        await caller
    queue.get_nowait().reply("applied anyway")  # no error for the engine


async def test_close_channel_when_requests_pending_then_callers_fail_fast() -> None:
    bus = MemoryBus()
    channel = bus.channel("commands")
    pending = asyncio.create_task(bus.request("commands", 1))
    await asyncio.sleep(0)

    channel.close()

    with pytest.raises(NoHandlerError):
        await pending


async def test_channel_when_second_handler_then_refused() -> None:
    bus = MemoryBus()
    bus.channel("commands")

    with pytest.raises(RuntimeError, match="already has a handler"):
        bus.channel("commands")


async def test_close_channel_when_closed_then_another_handler_may_serve_it() -> None:
    bus = MemoryBus()
    bus.channel("commands").close()

    served = bus.channel("commands")

    assert served.pending() == 0


# ---------------------------------------------------------------------- encoding mode

CODEC = JsonCodec(to_plain, from_plain)
FILL = Fill(
    id=FillId("f-1"),
    order_id=OrderId("o-1"),
    account_id="a",
    symbol="MNQ",
    side=OrderSide.buy,
    qty=Decimal("2"),
    price=Decimal("21000.25"),
    commission=Decimal("1.24"),
    liquidity=Liquidity.taker,
    ts=1_700_000_000.123456,
)


async def test_publish_when_encoding_then_subscribers_get_an_equal_copy() -> None:
    bus = MemoryBus(codec=CODEC)
    subscription = bus.subscribe("t")
    tick = Tick("MNQ", 1_700_000_000.5, Decimal("1.25"), Decimal("1"), Decimal("1.5"), Decimal(3))

    bus.publish_nowait("t", (tick, FILL))

    received = await subscription.get()
    assert received == (tick, FILL)
    assert received[0] is not tick


async def test_publish_when_encoding_an_unknown_value_then_fails_at_once() -> None:
    bus = MemoryBus(codec=CODEC)
    bus.subscribe("t")

    with pytest.raises(CodecError):
        bus.publish_nowait("t", object())


async def test_request_when_encoding_then_message_and_reply_cross_as_copies() -> None:
    bus = MemoryBus(codec=CODEC)
    channel = bus.channel("commands")
    command = CancelOrder("a", OrderId("o-1"))

    async def handler() -> None:
        request = await channel.get()
        assert request.message == command
        assert request.message is not command
        request.reply(CommandResult((), rejected="ORDER_NOT_FOUND"))

    task = asyncio.create_task(handler())
    assert await bus.request("commands", command) == CommandResult((), rejected="ORDER_NOT_FOUND")
    await task


@pytest.mark.parametrize(
    ("error", "expected"),
    [(UnavailableError("store down"), UnavailableError), (KeyError("x"), HandlerFailedError)],
)
async def test_request_when_encoding_and_the_handler_fails_then_only_its_kind_crosses(
    error: BaseException, expected: type[BaseException]
) -> None:
    bus = MemoryBus(codec=CODEC)
    channel = bus.channel("commands")
    caller = asyncio.create_task(bus.request("commands", 1))
    await asyncio.sleep(0)

    channel.get_nowait().fail(error)

    with pytest.raises(expected):
        await caller
