"""What is live right now, per symbol: the last quote and the forming one-minute bar.

Fed from the bus, so it works the same whether the feed runs in this process or another.
"""

from __future__ import annotations

from dataclasses import dataclass

from propdesk.bus.memory import MemoryBus
from propdesk.domain.bars import Bar, Tick
from propdesk.marketdata.catalogue import Catalogue


@dataclass(frozen=True, slots=True)
class Quote:
    """The latest tick plus the figures of the current trading day."""

    tick: Tick
    session_open: float
    session_high: float
    session_low: float
    session_volume: float
    previous_close: float | None


class LiveState:
    def __init__(self, bus: MemoryBus, catalogue: Catalogue) -> None:
        self.bus = bus
        self.catalogue = catalogue
        self._quotes: dict[str, Quote] = {}
        self._forming: dict[str, Bar] = {}

    async def start(self) -> None:
        """Begin following the bus (filled in with the feed)."""

    async def stop(self) -> None:
        """Stop following the bus."""

    def quote(self, symbol: str) -> Quote | None:
        return self._quotes.get(symbol)

    def forming_bar(self, symbol: str) -> Bar | None:
        return self._forming.get(symbol)
