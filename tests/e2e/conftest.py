"""End-to-end: the dashboard in headless Chromium (Debian's, never a downloaded build) against
a real `propdesk serve` on a free port, its own SQLite database and the simulator feed.

Every test waits for conditions, never for fixed times: the simulator moves on its own.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from browser_steps import PASSWORD, WIDE, Trader
from e2e_server import CHROMIUM, PageGuard, Server, start_server
from playwright.sync_api import Page, expect

expect.set_options(timeout=20_000)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    ours = [item for item in items if here in Path(str(item.fspath)).parents]
    # Playwright's synchronous API holds an event loop for the whole session, and the
    # asyncio tests run after it in the same process would fail on it: these run alone
    # (`make test` runs `pytest tests/e2e` after the rest).
    alone = len(ours) == len(items)
    for item in ours:
        item.add_marker(pytest.mark.e2e)
        if not alone:
            item.add_marker(pytest.mark.skip(reason="run alone: pytest tests/e2e (make test does)"))


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from start_server(tmp_path_factory.mktemp("e2e"))


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    args = ["--no-sandbox"] if os.geteuid() == 0 else []
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "args": args}


@pytest.fixture
def browser_context_args(browser_context_args: dict[str, Any], server: Server) -> dict[str, Any]:
    return {**browser_context_args, "base_url": server.base_url, "viewport": WIDE}


_names = itertools.count(1)


@pytest.fixture
def trader(server: Server) -> Trader:
    username = f"trader{os.getpid()}x{next(_names)}"
    api = f"{server.base_url}/api/v1"
    httpx.post(
        f"{api}/auth/register", json={"username": username, "password": PASSWORD}
    ).raise_for_status()
    answer = httpx.post(f"{api}/auth/token", data={"username": username, "password": PASSWORD})
    answer.raise_for_status()
    return Trader(server.base_url, username, answer.json()["access_token"])


@pytest.fixture(autouse=True)
def guard(request: pytest.FixtureRequest, server: Server) -> Iterator[PageGuard | None]:
    if "page" not in request.fixturenames:
        yield None
        return
    page: Page = request.getfixturevalue("page")
    watcher = PageGuard(server.base_url)
    page.on("console", watcher.on_console)
    page.on("pageerror", lambda error: watcher.errors.append(f"page error: {error}"))
    page.on("request", lambda request: watcher.check_url(request.url))
    page.on("response", watcher.on_response)
    page.on("websocket", lambda socket: watcher.check_url(socket.url))
    yield watcher
    assert watcher.errors == [], "console errors"
    assert watcher.foreign == [], "requests to other hosts"
