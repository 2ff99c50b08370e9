"""WebSocket fan-out: 100 and 1,000 clients on one symbol's one-minute bars at 10 updates/s,
beside a bare Starlette broadcast to the same number of clients, measured in the same run.

- Ours: the real app as a uvicorn subprocess (SQLite file, feed off) with a publisher task on
  its bus: a forming MNQ bar every 100 ms, `volume` stamped with the wall time of publication.
  Every client subscribes to `bars.MNQ.1`, so the whole path is measured: bus → hub topic →
  one encode → each connection's queue → its writer → uvicorn.
- Ceiling: a bare Starlette app in another uvicorn subprocess that keeps a set of sockets and
  sends each the same JSON (encoded once) in a loop, awaiting every send.
- Clients: one separate process (bench.wsload, raw asyncio streams) per run; latency is its
  receive time minus the publication time (both processes read the same wall clock).
- Once the clients are subscribed each server runs a full garbage collection before the
  warm-up: the thousand connects leave garbage whose collection (a full one in the real
  app's larger heap pauses it for ~100 ms) would otherwise land in the short window at
  random. Full collections in the window and their longest pause are reported beside.

Then the same 1,000 clients at a rate neither server can carry (saturation), to compare what
each delivers at most. On a 2-core machine the client process shares the CPU, so this is a
bound on the pair, not the server alone (`server_cpu_share` shows how busy each server was).
"""

from __future__ import annotations

import asyncio
import gc
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import orjson
from fastapi import FastAPI
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket

from bench.harness import Result, server

ROOT = Path(__file__).resolve().parents[1]
CLIENTS = (100, 1_000)
HZ = 10.0
WARMUP, SECONDS = 1.0, 6.0
SATURATION_HZ, SATURATION_SECONDS = 200.0, 3.0
LATENCY_TARGET_MS = 100.0


def _bar(seq: int) -> dict[str, Any]:
    minute = int(time.time()) // 60 * 60
    close = 21000.25 + seq % 8 * 0.25
    return {
        "ts": minute,
        "open": 21000.0,
        "high": 21002.25,
        "low": 20998.0,
        "close": close,
        "volume": time.time(),  # the publication time: clients measure latency from it
    }


class Pacer:
    """Calls at `hz` per second on the loop's clock, catching up rather than drifting."""

    def __init__(self, hz: float) -> None:
        self.hz = hz

    async def ticks(self) -> AsyncIterator[int]:
        loop = asyncio.get_running_loop()
        due, n = loop.time(), 0
        while True:
            yield n
            n += 1
            due += 1 / self.hz
            await asyncio.sleep(max(0.0, due - loop.time()))


class Collections:
    """Full (generation 2) garbage collections and their pauses, since the last settle."""

    def __init__(self) -> None:
        self.pauses: list[float] = []
        self._started = 0.0
        gc.callbacks.append(self._observe)

    def _observe(self, phase: str, info: dict[str, Any]) -> None:
        if info["generation"] != 2:
            return
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.pauses.append((time.perf_counter() - self._started) * 1000)


def _bench_routes(pacer: Pacer) -> list[Route]:
    """What the client process drives: the publication rate, a settle (a full collection,
    so that the garbage of a thousand connects is not collected in the measured window), and
    the server's CPU time and collection pauses."""
    collections = Collections()

    async def stats(_: Request) -> Response:
        pauses = collections.pauses
        return JSONResponse(
            {
                "cpu": time.process_time(),
                "full_collections": len(pauses),
                "max_collection_ms": round(max(pauses), 1) if pauses else 0.0,
            }
        )

    async def settle(_: Request) -> Response:
        gc.collect()
        collections.pauses.clear()
        return JSONResponse({"settled": True})

    async def rate(request: Request) -> Response:
        pacer.hz = float(request.query_params["hz"])
        return JSONResponse({"hz": pacer.hz})

    return [
        Route("/bench/stats", stats),
        Route("/bench/settle", settle, methods=["POST"]),
        Route("/bench/rate", rate, methods=["POST"]),
    ]


def make_app() -> FastAPI:
    """Ours (a uvicorn factory): the real app plus a publisher of bars on its bus."""
    from propdesk.app import create_app
    from propdesk.bus.base import Topics
    from propdesk.domain.bars import Bar, BarEvent

    app = create_app()
    pacer = Pacer(HZ)
    inner = app.router.lifespan_context

    async def publish(bus: Any) -> None:
        async for n in pacer.ticks():
            bar = _bar(n)
            event = BarEvent(Bar("MNQ", **bar), closed=False)
            await bus.publish(Topics.BARS, event)

    @asynccontextmanager
    async def lifespan(application: Any) -> AsyncIterator[Any]:
        async with inner(application) as state:
            task = asyncio.create_task(publish(application.state.services.bus))
            try:
                yield state
            finally:
                task.cancel()

    app.router.lifespan_context = lifespan
    app.router.routes.extend(_bench_routes(pacer))
    return app


def make_bare_app() -> Starlette:
    """The ceiling (a uvicorn factory): a set of sockets and a loop that sends to each."""
    sockets: set[WebSocket] = set()
    pacer = Pacer(HZ)

    async def stream(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_text('{"type":"connected"}')
        await websocket.receive_text()  # the subscription
        await websocket.send_text('{"type":"subscribed","id":null,"topics":["bars.MNQ.1"]}')
        sockets.add(websocket)
        try:
            while (await websocket.receive())["type"] != "websocket.disconnect":
                pass
        finally:
            sockets.discard(websocket)

    async def broadcast() -> None:
        async for n in pacer.ticks():
            message = {
                "type": "bars.update",
                "topic": "bars.MNQ.1",
                "seq": n + 1,
                "snapshot": False,
                "symbol": "MNQ",
                "resolution": "1",
                "bar": _bar(n),
                "closed": False,
            }
            text = orjson.dumps(message).decode()
            for websocket in list(sockets):
                try:
                    await websocket.send_text(text)
                except Exception:  # noqa: S112 - a client that left: the next loop drops it
                    continue

    async def health(_: Request) -> Response:
        return Response(b"ok")

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        task = asyncio.create_task(broadcast())
        try:
            yield
        finally:
            task.cancel()

    routes = [Route("/health", health), WebSocketRoute("/ws", stream), *_bench_routes(pacer)]
    return Starlette(routes=routes, lifespan=lifespan)


def _load(
    url: str, clients: int, warmup: float, seconds: float, options: list[str]
) -> dict[str, Any]:
    """One run of bench.wsload in its own process (the clients never share the server's)."""
    command = [sys.executable, "-m", "bench.wsload", url, "--clients", str(clients)]
    command += ["--warmup", str(warmup), "--seconds", str(seconds), *options]
    done = subprocess.run(
        command, capture_output=True, text=True, cwd=ROOT, timeout=120, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"bench.wsload failed:\n{done.stderr}")
    result: dict[str, Any] = orjson.loads(done.stdout)
    return result


def _measure(base: str, ws_url: str, clients: int, **load: float) -> dict[str, Any]:
    options = ["--bench-url", base]
    if "hz" in load:
        options += ["--rate", str(load["hz"]), str(HZ)]
    return _load(ws_url, clients, load.get("warmup", WARMUP), load.get("seconds", SECONDS), options)


def _ws(base: str, path: str) -> str:
    return base.replace("http://", "ws://") + path


def run() -> list[Result]:
    with tempfile.TemporaryDirectory(prefix="propdesk-bench-ws-") as tmp:
        env = {
            "PROPDESK_DATABASE_URL": f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}",
            "PROPDESK_FEED": "none",
            "PROPDESK_BACKFILL_DAYS": "0",
            "PROPDESK_LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(ROOT),
        }
        runs: dict[tuple[str, int], dict[str, Any]] = {}
        with (
            server("bench.bench_ws:make_app", "/api/v1/health", env, tmp) as ours,
            server(
                "bench.bench_ws:make_bare_app", "/health", {"PYTHONPATH": str(ROOT)}, tmp
            ) as bare,
        ):
            targets = {"ours": (ours, _ws(ours, "/api/v1/ws")), "bare": (bare, _ws(bare, "/ws"))}
            for clients in CLIENTS:
                for name, (base, url) in targets.items():
                    runs[(name, clients)] = _measure(base, url, clients)
            for name, (base, url) in targets.items():
                runs[(name, 0)] = _measure(
                    base,
                    url,
                    CLIENTS[-1],
                    warmup=0.5,
                    seconds=SATURATION_SECONDS,
                    hz=SATURATION_HZ,
                )

    results = []
    for clients in CLIENTS:
        mine, ceiling = runs[("ours", clients)], runs[("bare", clients)]
        offered = clients * HZ
        results.append(
            Result(
                name=f"WebSocket fan-out, {clients:,} clients × {HZ:g} updates/s: delivered",
                unit="msg/s",
                value=round(mine["rate"], 1),
                ceiling_name="bare Starlette broadcast, same clients",
                ceiling=round(ceiling["rate"], 1),
                target="≥ 70% of ceiling",
                met=mine["rate"] >= 0.7 * ceiling["rate"],
                extra={"offered": offered, "ours": mine, "bare": ceiling},
            )
        )
        results.append(
            Result(
                name=f"WebSocket fan-out, {clients:,} clients: p99 delivery latency",
                unit="ms",
                value=round(mine["p99_ms"], 2),
                ceiling_name="bare Starlette broadcast",
                ceiling=round(ceiling["p99_ms"], 2),
                higher_is_better=False,
                target=f"< {LATENCY_TARGET_MS:g} ms" if clients == CLIENTS[-1] else None,
                met=mine["p99_ms"] < LATENCY_TARGET_MS if clients == CLIENTS[-1] else None,
                extra={
                    "p50_ms": round(mine["p50_ms"], 2),
                    "bare_p50_ms": round(ceiling["p50_ms"], 2),
                    "max_ms": round(mine["max_ms"], 2),
                    "bare_max_ms": round(ceiling["max_ms"], 2),
                    "server_cpu_share": mine["server_cpu_share"],
                    "bare_server_cpu_share": ceiling["server_cpu_share"],
                    "full_collections_in_window": mine["server_full_collections"],
                    "max_collection_ms": mine["server_max_collection_ms"],
                },
            )
        )
    mine, ceiling = runs[("ours", 0)], runs[("bare", 0)]
    results.append(
        Result(
            name=f"WebSocket fan-out at saturation, {CLIENTS[-1]:,} clients × {SATURATION_HZ:g}/s",
            unit="msg/s",
            value=round(mine["rate"], 1),
            ceiling_name="bare Starlette broadcast, same clients",
            ceiling=round(ceiling["rate"], 1),
            extra={"offered": CLIENTS[-1] * SATURATION_HZ, "ours": mine, "bare": ceiling},
        )
    )
    return results
