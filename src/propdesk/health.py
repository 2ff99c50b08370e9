"""Whether this process can serve: the store, the engine and the feed, each checked apart."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Literal

from propdesk.config import FeedSource
from propdesk.marketdata.feed import Feed, FeedStatus
from propdesk.services import Services

CheckStatus = Literal["ok", "starting", "unavailable", "disabled"]
HealthStatus = Literal["starting", "ok", "degraded"]

MAX_NAMED_SYMBOLS = 5
"""A check's detail names this many of the symbols the feed still waits for, then counts."""


@dataclass(frozen=True, slots=True)
class Check:
    status: CheckStatus
    detail: str | None = None
    latency_ms: float | None = None


@dataclass(frozen=True, slots=True)
class Health:
    checks: dict[str, Check]

    @property
    def status(self) -> HealthStatus:
        """`degraded` when a component has failed, else `starting` while one is still coming
        up, else `ok`; only `ok` is ready for traffic."""
        statuses = {check.status for check in self.checks.values()}
        if "unavailable" in statuses:
            return "degraded"
        if "starting" in statuses:
            return "starting"
        return "ok"


def engine_running(services: Services) -> bool:
    """Whether the engine takes commands. Health asks here and nowhere else, so that when the
    gateways reach the engine through a trading port only this function changes."""
    return services.engine.running


async def readiness(services: Services) -> Health:
    return Health(
        {
            "database": await _database(services),
            "engine": Check("ok") if engine_running(services) else Check("unavailable"),
            "feed": feed_check(services.feed),
            "bus": Check("ok", "memory"),
        }
    )


async def _database(services: Services) -> Check:
    started = time.perf_counter()
    try:
        await services.database.ping()
    except Exception as exc:  # any failure of the driver means "not ready"
        return Check("unavailable", type(exc).__name__)
    return Check("ok", latency_ms=round((time.perf_counter() - started) * 1000, 3))


def feed_check(feed: Feed) -> Check:
    status = feed.status
    source = status.source
    if source == FeedSource.none.value:
        return Check("disabled")
    if not feed.healthy:
        return Check("unavailable", f"{source} is not running")
    if status.ready:
        return Check("ok", f"{source}, {status.ticks} ticks")
    if status.backfill is not None:
        done, total = status.backfill
        return Check("starting", f"{source}: backfilling history, {done} of {total} symbols")
    if status.waiting_for:
        return Check("starting", f"{source}: waiting for the first tick of {_names(status)}")
    # Between the task's start and its first step: the phases that have no figures to show.
    doing = "preparing" if status.phase == "preparing" else "starting"
    return Check("starting", f"{source}: {doing}")


def _names(status: FeedStatus) -> str:
    symbols = status.waiting_for
    named = ", ".join(symbols[:MAX_NAMED_SYMBOLS])
    more = len(symbols) - MAX_NAMED_SYMBOLS
    return f"{named} and {more} more" if more > 0 else named
