"""The chart: resolutions from the picker, older history fetched as the trader scrolls left."""

from __future__ import annotations

from collections.abc import Callable

from browser_steps import Trader, choose_symbol, sign_in
from playwright.sync_api import Page, Request, expect


def _history(resolution: str) -> Callable[[Request], bool]:
    def matches(request: Request) -> bool:
        return "/api/v1/datafeed/history" in request.url and f"resolution={resolution}&" in (
            request.url + "&"
        )

    return matches


def test_chart_when_resolution_picked_and_scrolled_left_then_older_bars_fetched(
    page: Page, trader: Trader
) -> None:
    trader.open_account({"name": "chart", "starting_balance": 10_000})
    sign_in(page, trader)
    choose_symbol(page, "BTCUSD")

    with page.expect_request(_history("1")) as first:
        page.get_by_role("group", name="Resolution").get_by_role("button", name="1m").click()
    expect(page.get_by_role("button", name="1m")).to_have_attribute("aria-pressed", "true")
    newest = int(first.value.url.split("to=")[1].split("&")[0])

    chart = page.get_by_test_id("chart")
    box = chart.bounding_box()
    assert box is not None
    with page.expect_request(_history("1"), timeout=30_000) as older:
        for _ in range(12):  # drag the bars to the right: the past comes into view
            page.mouse.move(box["x"] + 60, box["y"] + box["height"] / 3)
            page.mouse.down()
            page.mouse.move(box["x"] + box["width"] - 120, box["y"] + box["height"] / 3, steps=8)
            page.mouse.up()
    assert int(older.value.url.split("to=")[1].split("&")[0]) < newest
