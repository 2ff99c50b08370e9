"""Health that tells the truth: live while the process serves, ready only once the store
answers, the engine runs and the feed has backfilled and printed."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from propdesk import __version__
from propdesk.bus.base import Topics
from propdesk.config import FeedSource, Settings
from propdesk.marketdata import feed as feed_module
from propdesk.marketdata.feed import Feed
from propdesk.services import Services

WEDNESDAY = 1_772_640_000  # 2026-03-04 10:00 Chicago: every market in the catalogue open
READINESS = ("/api/v1/health", "/api/v1/health/ready")


class SteppingClock:
    """A quarter of a second of market time per reading, so the feed runs at full speed."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        self.now += 0.25
        return self.now


class FrozenClock:
    """Markets open, but no time passes after the first step: nothing more prints. Tells
    when the feed has stepped (the readings before its second step: two in preparing, one
    per step)."""

    def __init__(self, now: float) -> None:
        self.now = now
        self.readings = 0
        self.stepped = asyncio.Event()

    def __call__(self) -> float:
        self.readings += 1
        if self.readings > 3:
            self.stepped.set()
        return self.now


class Gate:
    """Holds the backfill's simulation (it runs in a thread) until released."""

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.released = threading.Event()

    def wrap(self, simulate: Callable[..., Any]) -> Callable[..., Any]:
        def gated(*args: Any, **kwargs: Any) -> Any:
            self.entered.set()
            self.released.wait(timeout=30)
            return simulate(*args, **kwargs)

        return gated


@pytest.fixture
def gate(monkeypatch: pytest.MonkeyPatch) -> Iterator[Gate]:
    held = Gate()
    monkeypatch.setattr(
        feed_module, "simulate_minute_bars", held.wrap(feed_module.simulate_minute_bars)
    )
    yield held
    held.released.set()  # never leave a worker thread waiting


def simulator_feed(
    services: Services,
    make_settings: Callable[..., Settings],
    clock: Callable[[], float],
    backfill_days: int = 1,
) -> Feed:
    """The simulator in place of the app's feed (off in tests), on the app's store and bus."""
    settings = make_settings(
        feed=FeedSource.simulator, backfill_days=backfill_days, feed_tick_interval=0.001
    )
    feed = Feed(settings, services.catalogue, services.database, services.bus, clock=clock)
    services.feed = feed
    return feed


async def test_live_when_served_then_200_ok_without_checks(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/health/live")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "version": __version__, "checks": {}}


@pytest.mark.parametrize("path", READINESS)
async def test_readiness_when_every_component_is_ready_then_200_ok(
    client: httpx.AsyncClient, path: str
) -> None:
    response = await client.get(path)

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert {name: check["status"] for name, check in body["checks"].items()} == {
        "database": "ok",
        "engine": "ok",
        "feed": "disabled",
        "bus": "ok",
    }


async def test_health_when_the_feed_backfills_then_503_starting_until_it_has_printed_then_200(
    client: httpx.AsyncClient,
    services: Services,
    make_settings: Callable[..., Settings],
    gate: Gate,
) -> None:
    ticks = services.bus.subscribe(Topics.TICKS)
    feed = simulator_feed(services, make_settings, SteppingClock(WEDNESDAY))
    await feed.start()
    try:
        assert await asyncio.to_thread(gate.entered.wait, 30)
        backfilling = [await client.get(path) for path in READINESS]
        alive = await client.get("/api/v1/health/live")

        gate.released.set()
        async with asyncio.timeout(30):  # a deadline: every market prints within milliseconds
            while not feed.ready:
                await ticks.get()
        ready = [await client.get(path) for path in READINESS]
    finally:
        await feed.stop()

    symbols = len(services.catalogue)
    for response in backfilling:
        assert response.status_code == 503
        body = response.json()
        assert body["status"] == "starting"
        assert body["checks"]["feed"] == {
            "status": "starting",
            "detail": f"simulator: backfilling history, 0 of {symbols} symbols",
            "latency_ms": None,
        }
        assert body["checks"]["database"]["status"] == "ok"
        assert body["checks"]["engine"]["status"] == "ok"
    assert alive.status_code == 200
    for response in ready:
        assert response.status_code == 200
        assert response.json()["status"] == "ok"
        assert response.json()["checks"]["feed"]["status"] == "ok"


async def test_ready_when_the_feed_waits_for_first_ticks_then_503_naming_the_symbols(
    client: httpx.AsyncClient, services: Services, make_settings: Callable[..., Settings]
) -> None:
    clock = FrozenClock(WEDNESDAY)
    feed = simulator_feed(services, make_settings, clock, backfill_days=0)
    await feed.start()
    try:
        async with asyncio.timeout(30):
            await clock.stepped.wait()
        response = await client.get("/api/v1/health/ready")
        waiting = feed.status.waiting_for
    finally:
        await feed.stop()

    assert response.status_code == 503
    assert response.json()["status"] == "starting"
    assert waiting
    named = ", ".join(waiting[:5])
    more = f" and {len(waiting) - 5} more" if len(waiting) > 5 else ""
    assert response.json()["checks"]["feed"]["detail"] == (
        f"simulator: waiting for the first tick of {named}{more}"
    )


async def test_ready_when_the_engine_has_stopped_then_503_degraded_naming_it(
    client: httpx.AsyncClient, services: Services
) -> None:
    await services.engine.stop()

    response = await client.get("/api/v1/health/ready")
    alive = await client.get("/api/v1/health/live")

    assert response.status_code == 503
    assert response.json()["status"] == "degraded"
    assert response.json()["checks"]["engine"] == {
        "status": "unavailable",
        "detail": None,
        "latency_ms": None,
    }
    assert alive.status_code == 200


async def test_ready_when_the_store_does_not_answer_then_503_degraded_naming_it(
    client: httpx.AsyncClient, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def refuse() -> None:
        raise ConnectionRefusedError

    monkeypatch.setattr(services.database, "ping", refuse)

    response = await client.get("/api/v1/health")

    assert response.status_code == 503
    assert response.json()["status"] == "degraded"
    assert response.json()["checks"]["database"]["status"] == "unavailable"
    assert response.json()["checks"]["database"]["detail"] == "ConnectionRefusedError"


async def test_openapi_when_read_then_readiness_routes_declare_their_503(
    client: httpx.AsyncClient,
) -> None:
    paths = (await client.get("/api/v1/openapi.json")).json()["paths"]

    for path in READINESS:
        assert set(paths[path]["get"]["responses"]) == {"200", "503"}
    assert set(paths["/api/v1/health/live"]["get"]["responses"]) == {"200"}
