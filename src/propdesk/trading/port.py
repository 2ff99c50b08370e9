"""The trading port: how a gateway sends the engine a command and gets its durable result.

Commands travel as bus requests to the engine shard that owns the account, so a gateway
works the same in the engine's process or in another one; it never holds the engine.
"""

from __future__ import annotations

from typing import Protocol

import structlog

from propdesk.bus.base import (
    Bus,
    BusTimeoutError,
    NoHandlerError,
    Topics,
    UnavailableError,
    shard_of,
)
from propdesk.domain.results import CommandResult, TradingCommand
from propdesk.errors import ServiceUnavailableError
from propdesk.trading.reads import ReadModel

log = structlog.get_logger(__name__)

RETRY_AFTER = 1
"""Seconds to wait before retrying a command the engine did not answer."""
DEADLINE = 10.0
"""Seconds a command may take to become durable before the caller is told to retry."""


class TradingPort(Protocol):
    async def send(self, command: TradingCommand, *, deadline: float = DEADLINE) -> CommandResult:
        """Apply `command` and answer once it is durable. Raises ServiceUnavailableError
        (503, with `retry_after`) when the engine cannot be reached or cannot commit."""
        ...


class BusTradingPort:
    """The port over a bus's request/reply, routed by account to its engine shard."""

    def __init__(self, bus: Bus, *, shards: int = 1) -> None:
        self._bus = bus
        self._shards = shards
        self._channels = [Topics.commands(shard) for shard in range(shards)]

    async def send(self, command: TradingCommand, *, deadline: float = DEADLINE) -> CommandResult:
        channel = self._channels[shard_of(command.account_id, self._shards)]
        try:
            result: CommandResult = await self._bus.request(channel, command, deadline=deadline)
        except (BusTimeoutError, NoHandlerError, UnavailableError) as error:
            log.warning("engine unavailable", command=type(command).__name__, error=str(error))
            raise ServiceUnavailableError(
                "the trading engine did not answer: retry the request (an order retried with "
                "the same client_order_id is never placed twice)",
                retry_after=RETRY_AFTER,
                code="ENGINE_UNAVAILABLE",
            ) from error
        return result


class ReadYourWritesPort:
    """A port whose results the read model already shows when they are answered: a client
    that placed an order and then lists its positions sees what the order did."""

    def __init__(self, port: TradingPort, reads: ReadModel) -> None:
        self._port = port
        self._reads = reads

    async def send(self, command: TradingCommand, *, deadline: float = DEADLINE) -> CommandResult:
        result = await self._port.send(command, deadline=deadline)
        if result.commit is not None:
            await self._reads.caught_up(result.commit)
        return result
