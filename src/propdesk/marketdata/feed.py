"""The feed service: runs the configured source and publishes ticks and bars on the bus."""

from __future__ import annotations

import time
from dataclasses import dataclass

from propdesk.bus.memory import MemoryBus
from propdesk.config import FeedSource, Settings
from propdesk.marketdata.catalogue import Catalogue
from propdesk.store.db import Database


@dataclass(frozen=True, slots=True)
class FeedStatus:
    source: str
    running: bool
    last_tick_at: float | None
    ticks: int


class Feed:
    """Placeholder lifecycle; the simulator and replay sources plug in here."""

    def __init__(
        self, settings: Settings, catalogue: Catalogue, database: Database, bus: MemoryBus
    ) -> None:
        self.settings = settings
        self.catalogue = catalogue
        self.database = database
        self.bus = bus
        self._running = False
        self._last_tick_at: float | None = None
        self._ticks = 0

    @property
    def status(self) -> FeedStatus:
        return FeedStatus(self.settings.feed.value, self._running, self._last_tick_at, self._ticks)

    @property
    def healthy(self) -> bool:
        return self.settings.feed is FeedSource.none or self._running

    async def start(self) -> None:
        self._running = self.settings.feed is not FeedSource.none
        self._started_at = time.time()

    async def stop(self) -> None:
        self._running = False
