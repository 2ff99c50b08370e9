"""The long-lived objects of one process, built in the app's lifespan and torn down with it."""

from __future__ import annotations

from dataclasses import dataclass, field

import structlog

from propdesk.accounts.owners import AccountOwners
from propdesk.auth.cache import CredentialCache
from propdesk.auth.passwords import PasswordHasher
from propdesk.auth.ratelimit import RateLimiter
from propdesk.auth.users import ensure_first_admin
from propdesk.bus.memory import MemoryBus
from propdesk.config import Settings
from propdesk.engine.engine import Engine
from propdesk.marketdata.barcache import BarCache
from propdesk.marketdata.catalogue import Catalogue
from propdesk.marketdata.feed import Feed
from propdesk.marketdata.live import LiveState
from propdesk.store.db import Database, open_database
from propdesk.ws.hub import Hub

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
    hasher: PasswordHasher
    limiter: RateLimiter
    engine: Engine
    hub: Hub
    credentials: CredentialCache = field(default_factory=lambda: CredentialCache(0))
    """Credentials verified in the last few seconds (auth.cache)."""
    account_owners: AccountOwners = field(default_factory=AccountOwners)

    @classmethod
    async def start(cls, settings: Settings) -> Services:
        database = await open_database(settings.database_url)
        catalogue = Catalogue.load(settings.instruments_file)
        bus = MemoryBus()
        feed = Feed(settings, catalogue, database, bus)
        live = LiveState(bus, catalogue, database)
        bars = BarCache(database, catalogue)
        hasher = PasswordHasher.from_settings(settings)
        limiter = RateLimiter.from_settings(settings)
        engine = Engine(database, catalogue, bus, settings=settings.broker_settings())
        hub = Hub.from_settings(settings, bus, catalogue, live, bars, reader=engine)
        services = cls(
            settings, database, catalogue, bus, feed, live, bars, hasher, limiter, engine, hub
        )
        services.credentials = CredentialCache(settings.auth_cache_seconds)
        await ensure_first_admin(database, settings, hasher)
        # Consumers subscribe before the producer starts, so that no tick is missed.
        await engine.start()
        await live.start()
        await feed.start()
        log.info("started", database=database.engine.dialect.name, feed=settings.feed.value)
        return services

    async def stop(self) -> None:
        await self.hub.stop()
        await self.feed.stop()
        await self.engine.stop()
        await self.live.stop()
        await self.bus.close()
        await self.limiter.close()
        await self.database.dispose()
        log.info("stopped")
