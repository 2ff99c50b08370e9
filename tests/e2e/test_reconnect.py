"""The page's WebSocket through a server restart: it says so, comes back by itself and
resubscribes (a server of its own: the others' tests must not see it go)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from browser_steps import Trader, choose_symbol, sign_in
from e2e_server import PageGuard, Server, start_server
from playwright.sync_api import Page, expect


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from start_server(tmp_path_factory.mktemp("e2e-restart"))


def test_server_when_restarted_then_page_reconnects_and_stays_live(
    page: Page, trader: Trader, server: Server, guard: PageGuard
) -> None:
    guard.allow("WebSocket connection to")  # Chromium's word for each refused reconnect
    trader.open_account({"name": "restart", "starting_balance": 200_000})
    sign_in(page, trader)
    choose_symbol(page, "BTCUSD")
    connection = page.get_by_test_id("connection")

    server.stop()
    expect(connection).to_contain_text("Reconnecting")
    server.start()

    expect(connection).to_have_text("Live", timeout=30_000)
    page.get_by_test_id("qty").fill("0.1")
    page.get_by_test_id("buy").click()
    expect(page.get_by_test_id("positions").locator("tr[data-symbol=BTCUSD]")).to_be_visible()
