"""The long-lived objects of one process, built in the app's lifespan and torn down with it."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import structlog

from propdesk.accounts.owners import AccountOwners
from propdesk.auth.cache import CredentialCache
from propdesk.auth.passwords import PasswordHasher
from propdesk.auth.ratelimit import RateLimiter
from propdesk.auth.users import ensure_first_admin
from propdesk.autotrade.runtime import AutoTrader, last_tick_clock
from propdesk.bus.codec import JsonCodec
from propdesk.bus.memory import MemoryBus
from propdesk.config import Settings
from propdesk.domain import codec
from propdesk.engine.engine import Engine
from propdesk.marketdata.barcache import BarCache
from propdesk.marketdata.catalogue import Catalogue
from propdesk.marketdata.feed import Feed
from propdesk.marketdata.live import LiveState
from propdesk.signals.plugins import discover
from propdesk.signals.runner import SignalRunner
from propdesk.store.db import Database, open_database
from propdesk.system.regimes import NoRegimes, RegimeReadings
from propdesk.trading.port import BusTradingPort, ReadYourWritesPort, TradingPort
from propdesk.trading.reads import ReadModel
from propdesk.ws.hub import Hub
from propdesk.ws.payloads import RegimePayload, SignalPayload

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
    """Wiring only: gateways reach it through `port` and read what it committed in `reads`."""
    port: TradingPort
    reads: ReadModel
    hub: Hub
    signals: SignalRunner
    """Regimes and the enabled strategies over the feed's bars (its writer of signals)."""
    autotrader: AutoTrader
    """Turns the signals on the bus into bracket orders on the accounts that trade them."""
    credentials: CredentialCache = field(default_factory=lambda: CredentialCache(0))
    """Credentials verified in the last few seconds (auth.cache)."""
    account_owners: AccountOwners = field(default_factory=AccountOwners)
    regimes: RegimeReadings = field(default_factory=NoRegimes)
    """The current regime of each symbol (the signals runtime's, once it runs)."""
    started_at: float = field(default_factory=time.time)
    """UNIX seconds when the process's services started."""

    @classmethod
    async def start(cls, settings: Settings) -> Services:
        database = await open_database(settings.database_url)
        catalogue = Catalogue.load(settings.instruments_file)
        encoding = None
        if settings.bus_encode:
            models = (SignalPayload, RegimePayload)  # the signal runner publishes them as they are
            encoding = JsonCodec(codec.to_plain, codec.from_plain, models=models)
        bus = MemoryBus(codec=encoding)
        feed = Feed(settings, catalogue, database, bus)
        live = LiveState(bus, catalogue, database)
        bars = BarCache(database, catalogue)
        try:  # a bad PROPDESK_STRATEGIES refuses to start, naming it
            signals = SignalRunner(
                settings, catalogue, database, bus, bars, discover(), ready=lambda: feed.ready
            )
        except BaseException:
            await database.dispose()
            raise
        hasher = PasswordHasher.from_settings(settings)
        limiter = RateLimiter.from_settings(settings)
        broker_settings = settings.broker_settings()
        engine = Engine(database, catalogue, bus, settings=broker_settings)
        reads = ReadModel(bus, database, catalogue, live.tick, broker_settings.mark)
        port = ReadYourWritesPort(BusTradingPort(bus), reads)
        hub = Hub.from_settings(settings, bus, catalogue, live, bars, reader=reads)
        clock = last_tick_clock(live.tick)
        autotrader = AutoTrader(bus, database, catalogue, port, reads, clock=clock)
        services = cls(
            settings,
            database,
            catalogue,
            bus,
            feed,
            live,
            bars,
            hasher,
            limiter,
            engine,
            port,
            reads,
            hub,
            signals,
            autotrader,
        )
        services.credentials = CredentialCache(settings.auth_cache_seconds)
        services.regimes = signals.regimes  # the system status reads the runner's regimes
        await ensure_first_admin(database, settings, hasher)
        # Consumers subscribe before the producers start, so that no tick or commit is missed.
        await reads.start()
        await engine.start()
        await autotrader.start()
        await live.start()
        await signals.start()
        await feed.start()
        log.info("started", database=database.engine.dialect.name, feed=settings.feed.value)
        return services

    async def stop(self) -> None:
        await self.hub.stop()
        await self.autotrader.stop()
        await self.feed.stop()
        await self.signals.stop()
        await self.engine.stop()
        await self.reads.stop()
        await self.live.stop()
        await self.bus.close()
        await self.limiter.close()
        await self.database.dispose()
        log.info("stopped")
