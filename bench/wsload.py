"""A lean WebSocket load client: N connections over asyncio streams, each subscribing once and
timing every update it receives. Far lighter than a WebSocket library per connection, so that
on a 2-core machine the server, not the clients, is what gets measured.

`python -m bench.wsload URL --clients N --warmup S --seconds S` prints one JSON object. The
servers stamp each update's `bar.volume` with the wall time it was published at.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import struct
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import orjson

SUBSCRIBE = orjson.dumps({"type": "bars.subscribe", "symbol": "MNQ", "resolution": "1"})
CONNECT_CONCURRENCY = 50


@dataclass
class Stats:
    measuring: bool = False
    received: int = 0
    latencies: list[float] = field(default_factory=list)
    gaps: int = 0
    closed: dict[int, int] = field(default_factory=dict)
    subscribed: int = 0


def _frame(payload: bytes, opcode: int = 1) -> bytes:
    """A masked client frame (RFC 6455 §5.3)."""
    mask = os.urandom(4)
    length = len(payload)
    if length < 126:
        head = struct.pack("!BB", 0x80 | opcode, 0x80 | length)
    elif length < 65536:
        head = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, length)
    else:
        head = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, length)
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return head + mask + masked


async def _handshake(
    host: str, port: int, path: str
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    reader, writer = await asyncio.open_connection(host, port)
    key = base64.b64encode(os.urandom(16)).decode()
    writer.write(
        (
            f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
    )
    head = await reader.readuntil(b"\r\n\r\n")
    if b" 101 " not in head.split(b"\r\n", 1)[0]:
        raise ConnectionError(head.decode(errors="replace"))
    return reader, writer


async def _read_frame(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    first, second = await reader.readexactly(2)
    length = second & 0x7F
    if length == 126:
        (length,) = struct.unpack("!H", await reader.readexactly(2))
    elif length == 127:
        (length,) = struct.unpack("!Q", await reader.readexactly(8))
    return first & 0x0F, await reader.readexactly(length)


async def _client(
    url: str, stats: Stats, gate: asyncio.Semaphore, ready: asyncio.Event, clients: int
) -> None:
    parts = urlsplit(url)
    async with gate:
        reader, writer = await _handshake(
            parts.hostname or "127.0.0.1", parts.port or 80, parts.path
        )
        writer.write(_frame(SUBSCRIBE))
        while True:  # `connected`, then `subscribed` (and perhaps a snapshot)
            opcode, payload = await _read_frame(reader)
            if opcode == 1 and orjson.loads(payload)["type"] == "subscribed":
                break
    stats.subscribed += 1
    if stats.subscribed == clients:
        ready.set()
    last_seq = None
    try:
        while True:
            opcode, payload = await _read_frame(reader)
            if opcode == 1:
                if not stats.measuring:
                    continue
                message = orjson.loads(payload)
                if message["type"] != "bars.update" or message["snapshot"]:
                    continue
                stats.latencies.append(time.time() - message["bar"]["volume"])
                stats.received += 1
                seq = message["seq"]
                if last_seq is not None and seq != last_seq + 1:
                    stats.gaps += 1
                last_seq = seq
            elif opcode == 8:
                code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else 1005
                stats.closed[code] = stats.closed.get(code, 0) + 1
                return
            elif opcode == 9:
                writer.write(_frame(payload, opcode=10))
    except (asyncio.IncompleteReadError, ConnectionError):
        stats.closed[1006] = stats.closed.get(1006, 0) + 1
    finally:
        writer.close()


async def _call(url: str, *, post: bool = False) -> dict[str, Any]:
    """A bench server's control endpoint (rate, settle, cpu), off the event loop."""
    request = urllib.request.Request(url, method="POST" if post else "GET")  # noqa: S310

    def fetch() -> bytes:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            body: bytes = response.read()
            return body

    answer: dict[str, Any] = orjson.loads(await asyncio.to_thread(fetch))
    return answer


async def run(
    url: str,
    clients: int,
    warmup: float,
    seconds: float,
    *,
    bench_url: str | None = None,
    rate: tuple[float, float] | None = None,
) -> dict[str, object]:
    """With `bench_url` (the server's base URL): the server settles (a full collection)
    before the warm-up, reports its CPU time and collection pauses, and with `rate` publishes
    at `rate[0]` per second during the run (and `rate[1]` after), switched once every client
    is subscribed."""
    stats = Stats()
    ready = asyncio.Event()
    began = time.perf_counter()
    gate = asyncio.Semaphore(CONNECT_CONCURRENCY)
    tasks = [asyncio.create_task(_client(url, stats, gate, ready, clients)) for _ in range(clients)]
    await asyncio.wait_for(ready.wait(), 60)
    connect_seconds = time.perf_counter() - began
    server: dict[str, Any] = {}
    if bench_url is not None:
        if rate is not None:
            await _call(f"{bench_url}/bench/rate?hz={rate[0]}", post=True)
        await _call(f"{bench_url}/bench/settle", post=True)
    await asyncio.sleep(warmup)
    if bench_url is not None:
        server = await _call(f"{bench_url}/bench/stats")
    stats.measuring = True
    started = time.perf_counter()
    await asyncio.sleep(seconds)
    stats.measuring = False
    elapsed = time.perf_counter() - started
    if bench_url is not None:
        after = await _call(f"{bench_url}/bench/stats")
        server = {
            "server_cpu_share": round((after["cpu"] - server["cpu"]) / elapsed, 3),
            "server_full_collections": after["full_collections"],
            "server_max_collection_ms": after["max_collection_ms"],
        }
        if rate is not None:
            await _call(f"{bench_url}/bench/rate?hz={rate[1]}", post=True)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    ordered = sorted(stats.latencies)

    def ms(q: float) -> float | None:
        if not ordered:
            return None
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] * 1000

    return {
        "clients": clients,
        "seconds": elapsed,
        "received": stats.received,
        "rate": stats.received / elapsed,
        "p50_ms": ms(0.5),
        "p99_ms": ms(0.99),
        "max_ms": ms(1.0),
        "gaps": stats.gaps,
        "closed": stats.closed,
        "connect_seconds": connect_seconds,
        **server,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("--clients", type=int, required=True)
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument("--seconds", type=float, default=6.0)
    parser.add_argument("--bench-url", help="the server's base URL, for its /bench/… routes")
    parser.add_argument("--rate", type=float, nargs=2, metavar=("MEASURED", "RESTORED"))
    args = parser.parse_args()
    rate = tuple(args.rate) if args.rate else None
    result = asyncio.run(
        run(
            args.url,
            args.clients,
            args.warmup,
            args.seconds,
            bench_url=args.bench_url,
            rate=rate,  # type: ignore[arg-type]
        )
    )
    sys.stdout.write(orjson.dumps(result).decode() + "\n")


if __name__ == "__main__":
    main()
