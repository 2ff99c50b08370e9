"""What the end-to-end tests share: a trader over the API, and the page's steps (signing in,
picking a symbol, screenshots, waiting)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Page, expect

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "var" / "e2e-screenshots"
PASSWORD = "correct-horse-battery"
WIDE = {"width": 1280, "height": 800}
NARROW = {"width": 390, "height": 844}


@dataclass
class Trader:
    """A user of the server, signed in over the API too (to arrange what a test needs)."""

    base_url: str
    username: str
    token: str = ""

    @property
    def http(self) -> httpx.Client:
        return httpx.Client(
            base_url=f"{self.base_url}/api/v1",
            headers={"Authorization": f"Bearer {self.token}"},
            timeout=10,
        )

    def open_account(self, body: dict[str, Any]) -> str:
        with self.http as http:
            response = http.post("/accounts", json=body)
            response.raise_for_status()
            account_id: str = response.json()["id"]
            return account_id

    def get(self, path: str, **params: Any) -> Any:
        with self.http as http:
            response = http.get(path, params=params)
            response.raise_for_status()
            return response.json()


def sign_in(page: Page, trader: Trader) -> None:
    page.goto("/")
    page.get_by_label("Username").fill(trader.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_test_id("connection")).to_have_text("Live")


def choose_symbol(page: Page, symbol: str) -> None:
    search = page.get_by_test_id("symbol-search")
    search.fill(symbol)
    page.get_by_role("option").filter(has_text=symbol).first.get_by_role("button").click()
    expect(page.get_by_test_id("chart-symbol")).to_have_text(symbol)
    expect(page.get_by_test_id("last-price")).not_to_have_text("")


def screenshot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    width = page.viewport_size["width"] if page.viewport_size else 0
    page.screenshot(path=str(SCREENSHOTS / f"{name}-{width}.png"), full_page=True)


def wait_until(condition: Callable[[], bool], seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition never held")
        time.sleep(0.2)
