"""The long-lived objects of one process, built in the app's lifespan and torn down with it."""

from __future__ import annotations

from dataclasses import dataclass

import structlog

from propdesk.bus.memory import MemoryBus
from propdesk.config import Settings
from propdesk.marketdata.barcache import BarCache
from propdesk.marketdata.catalogue import Catalogue
from propdesk.marketdata.feed import Feed
from propdesk.marketdata.live import LiveState
from propdesk.store.db import Database, open_database

log = structlog.get_logger(__name__)


@dataclass
class Services:
    settings: Settings
    database: Database
    catalogue: Catalogue
    bus: MemoryBus
    feed: Feed
    live: LiveState
    bars: BarCache

    @classmethod
    async def start(cls, settings: Settings) -> Services:
        database = await open_database(settings.database_url)
        catalogue = Catalogue.load(settings.instruments_file)
        bus = MemoryBus()
        feed = Feed(settings, catalogue, database, bus)
        live = LiveState(bus, catalogue, database)
        bars = BarCache(database, catalogue)
        services = cls(settings, database, catalogue, bus, feed, live, bars)
        # Consumers subscribe before the producer starts, so that no tick is missed.
        await live.start()
        await feed.start()
        log.info("started", database=database.engine.dialect.name, feed=settings.feed.value)
        return services

    async def stop(self) -> None:
        await self.feed.stop()
        await self.live.stop()
        await self.bus.close()
        await self.database.dispose()
        log.info("stopped")
