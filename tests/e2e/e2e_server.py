"""The server the end-to-end tests drive (a `propdesk serve` subprocess on a free port, its
own SQLite database, the simulator feed) and the guard over what the page does."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import ConsoleMessage, Response

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
WEB_DIST = ROOT / "web" / "dist"
ADMIN_PASSWORD = "e2e-admin-password"
READY_SECONDS = 90


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Server:
    """A `propdesk serve` subprocess; `restart` stops it and starts it again on its port."""

    directory: Path
    port: int = field(default_factory=_free_port)
    process: subprocess.Popen[bytes] | None = None
    settings: dict[str, str] = field(default_factory=dict)
    """`PROPDESK_*` settings over the suite's own (another feed, strategies to run)."""

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PROPDESK_")}
        env.update(
            PROPDESK_DATABASE_URL=f"sqlite+aiosqlite:///{self.directory / 'e2e.db'}",
            PROPDESK_BACKFILL_DAYS="2",
            PROPDESK_ADMIN_PASSWORD=ADMIN_PASSWORD,
            PROPDESK_RATE_LIMITS_ENABLED="false",
            # Futures orders are refused MARKET_CLOSED at night and at weekends otherwise;
            # the fills the tests watch are on BTCUSD, which trades around the clock.
            PROPDESK_QUEUE_OUTSIDE_SESSION="true",
            # Two-minute tokens: the page refreshes them quietly while the suite runs.
            PROPDESK_ACCESS_TOKEN_MINUTES="2",
            PROPDESK_PASSWORD_HASH_TIME_COST="1",
            PROPDESK_PASSWORD_HASH_MEMORY_KIB="8",
            PROPDESK_PASSWORD_HASH_PARALLELISM="1",
            PROPDESK_LOG_LEVEL="WARNING",
            PROPDESK_WEB_DIR=str(WEB_DIST),
        )
        env.update(self.settings)
        return env

    def _command(self, *args: str) -> list[str]:
        return [str(Path(sys.executable).with_name("propdesk")), *args]

    def start(self) -> None:
        log = (self.directory / "server.log").open("ab")
        self.process = subprocess.Popen(  # noqa: S603 - our own CLI
            self._command("serve", "--host", "127.0.0.1", "--port", str(self.port)),
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + READY_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                if httpx.get(f"{self.base_url}/api/v1/health/ready", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.25)
        tail = (self.directory / "server.log").read_text(errors="replace")[-3000:]
        self.stop()
        raise RuntimeError(f"propdesk serve never got ready:\n{tail}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def _run(self, *args: str) -> None:
        subprocess.run(  # noqa: S603 - our own CLI
            self._command(*args), env=self.env, check=True, capture_output=True
        )

    def migrate(self) -> None:
        self._run("migrate")

    def import_bars(self, csv: Path, symbol: str) -> None:
        self._run("bars", "import", str(csv), "--symbol", symbol)


def start_server(
    directory: Path,
    settings: dict[str, str] | None = None,
    bars: dict[str, Path] | None = None,
) -> Iterator[Server]:
    """A migrated server, started (with `bars`' CSV files imported first), stopped after."""
    if not CHROMIUM.exists():
        pytest.skip("needs Debian's chromium at /usr/bin/chromium (.ci/run installs it)")
    if not (WEB_DIST / "index.html").is_file():
        pytest.fail("the dashboard is not built: run `make web` (make test does)")
    server = Server(directory, settings=settings or {})
    server.migrate()
    for symbol, csv in (bars or {}).items():
        server.import_bars(csv, symbol)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@dataclass
class PageGuard:
    """What the page did that it must not: a script error, a console error, a request to
    any host but its own server, a 5xx answer. 4xx answers the test asked for (a rejected
    order) show in Chromium's console as "Failed to load resource"; those are the server's
    word, not bugs. So is one 5xx: 503 `REGIME_WARMING_UP` from the regime route, which the
    page asks for the chart's symbol and shows as "warming up"; any other 5xx is a bug."""

    origin: str
    errors: list[str] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)
    expected: list[str] = field(
        default_factory=lambda: [
            "Failed to load resource: the server responded with a status of 4",
            "Failed to load resource: the server responded with a status of 503",
        ]
    )

    def allow(self, prefix: str) -> None:
        """A console error the test provokes on purpose (a server it stops)."""
        self.expected.append(prefix)

    def on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error" and not message.text.startswith(tuple(self.expected)):
            self.errors.append(message.text)

    def on_response(self, response: Response) -> None:
        warming = response.status == 503 and "/api/v1/market/regime/" in response.url
        if response.status >= 500 and not warming:
            self.errors.append(f"{response.status} from {response.url}")

    def check_url(self, url: str) -> None:
        own = (self.origin, self.origin.replace("http", "ws", 1), "data:", "blob:")
        if not url.startswith(own):
            self.foreign.append(url)
