"""The page as a whole: both widths (screenshots kept under var/e2e-screenshots), keyboard,
themes, the account switcher, and tokens refreshed quietly before they expire."""

from __future__ import annotations

import re

from browser_steps import NARROW, WIDE, Trader, choose_symbol, screenshot, sign_in
from playwright.sync_api import Page, expect


def _busy_account(trader: Trader) -> str:
    """An account with a closed trade, an open position and a working order."""
    account_id = trader.open_account(
        {"name": "busy", "starting_balance": 200_000, "rule_set": "custom"}
    )
    with trader.http as http:
        orders = f"/accounts/{account_id}/orders"
        for side in ("buy", "sell", "buy"):
            body = {"symbol": "BTCUSD", "side": side, "type": "market", "qty": 0.5}
            http.post(orders, json=body).raise_for_status()
        ask = http.get("/datafeed/quotes", params={"symbols": "BTCUSD"}).json()["d"][0]["v"]["ask"]
        low = {"symbol": "BTCUSD", "side": "buy", "type": "limit", "qty": 0.2}
        http.post(orders, json={**low, "limit_price": round(ask * 0.995, 2)}).raise_for_status()
    return account_id


def _fits(page: Page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"))


def test_busy_desk_when_shown_at_both_widths_then_everything_fits(
    page: Page, trader: Trader
) -> None:
    _busy_account(trader)
    sign_in(page, trader)
    choose_symbol(page, "BTCUSD")
    expect(page.get_by_test_id("positions").locator("tr[data-symbol=BTCUSD]")).to_be_visible()
    expect(page.get_by_test_id("risk")).to_contain_text("Equity")

    for viewport in (WIDE, NARROW):
        page.set_viewport_size(viewport)
        page.get_by_role("button", name="Trade", exact=True).click()
        expect(page.get_by_test_id("buy")).to_be_visible()
        assert _fits(page), f"the trade view overflows at {viewport}"
        screenshot(page, "trade")
        page.get_by_role("button", name="Journal", exact=True).click()
        expect(page.get_by_test_id("trades").locator("tbody tr[data-trade]")).to_have_count(1)
        expect(page.get_by_test_id("calendar")).to_be_visible()
        assert _fits(page), f"the journal overflows at {viewport}"
        screenshot(page, "journal")

    page.set_viewport_size(WIDE)
    page.get_by_role("button", name="Trade", exact=True).click()
    page.get_by_role("button", name="Switch to dark theme").click()
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    screenshot(page, "trade-dark")


def test_ticket_when_used_from_the_keyboard_then_order_placed(page: Page, trader: Trader) -> None:
    trader.open_account({"name": "keys", "starting_balance": 200_000})
    sign_in(page, trader)
    choose_symbol(page, "BTCUSD")
    page.get_by_test_id("qty").fill("0.1")
    page.locator("body").focus()

    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement?.dataset.testid") == "buy":
            break
    else:
        raise AssertionError("the Buy button is never reached with Tab")
    page.keyboard.press("Enter")

    expect(page.get_by_test_id("ticket-result")).to_contain_text("filled")


def test_new_account_when_opened_from_the_page_then_switched_to(page: Page, trader: Trader) -> None:
    trader.open_account({"name": "first", "starting_balance": 10_000})
    sign_in(page, trader)
    select = page.get_by_test_id("account-select")
    expect(select.locator("option")).to_have_count(1)

    page.get_by_test_id("new-account").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Name").fill("combine")
    dialog.get_by_label("Rules").select_option("topstep-50k")
    dialog.get_by_role("button", name="Open account").click()

    expect(select.locator("option")).to_have_count(2)
    expect(select.locator("option:checked")).to_contain_text("combine")
    expect(page.locator("[data-tripwire=daily_loss]")).to_contain_text("1000")
    select.select_option(label="first · custom")
    expect(page.get_by_test_id("equity")).to_have_text("$10,000.00")


def test_token_when_near_expiry_then_refreshed_quietly(page: Page, trader: Trader) -> None:
    trader.open_account({"name": "long day", "starting_balance": 10_000})
    sign_in(page, trader)
    before = page.evaluate("JSON.parse(sessionStorage.getItem('propdesk.session'))")
    # As if the access token had a minute left: the page refreshes it ahead of expiry.
    page.evaluate(
        """() => {
          const saved = JSON.parse(sessionStorage.getItem('propdesk.session'));
          saved.expiresAt = Date.now() + 61_000;
          sessionStorage.setItem('propdesk.session', JSON.stringify(saved));
        }"""
    )
    with page.expect_response("**/api/v1/auth/refresh") as refreshed:
        page.reload()
    assert refreshed.value.status == 200

    expect(page.get_by_test_id("connection")).to_have_text("Live")
    page.get_by_role("button", name="Journal", exact=True).click()
    expect(page.get_by_test_id("trades")).to_be_visible()
    after = page.evaluate("JSON.parse(sessionStorage.getItem('propdesk.session'))")
    assert after["access"] != before["access"]
    assert after["refresh"] != before["refresh"]  # rotated


def test_journal_when_filtered_grouped_and_exported_then_shows_and_saves_those_trades(
    page: Page, trader: Trader
) -> None:
    account_id = _busy_account(trader)
    sign_in(page, trader)
    # The signal runner classifies every symbol: the chart symbol's regime (or its warm-up)
    regime = re.compile(r"trend up|trend down|range|volatile|warming up")
    expect(page.get_by_test_id("regime")).to_contain_text(regime, timeout=30_000)
    page.get_by_role("button", name="Journal", exact=True).click()
    rows = page.get_by_test_id("trades").locator("tbody tr[data-trade]")
    expect(rows).to_have_count(1)

    page.locator("input[name=f-symbol]").fill("ES")
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_test_id("trades")).to_contain_text("No trades.")
    page.locator("input[name=f-symbol]").fill("")
    page.locator("select[name=f-status]").select_option("all")
    expect(rows).to_have_count(2)  # the open trip too

    page.get_by_test_id("group-by").select_option("symbol")
    expect(page.get_by_test_id("metric-groups")).to_contain_text("BTCUSD")

    with page.expect_download() as download:
        page.get_by_test_id("export-csv").click()
    text = download.value.path().read_text()
    header, *lines = text.strip().splitlines()
    assert "symbol" in header
    assert len(lines) == 2
    assert all("BTCUSD" in line for line in lines)
    assert len(trader.get(f"/accounts/{account_id}/trades", status="all")["trades"]) == 2

    # The equity curve per day: one point for today's closed trade, as the API gives it.
    with page.expect_response(lambda r: "granularity=day" in r.url) as daily:
        page.get_by_role("button", name="Per day").click()
    assert daily.value.status == 200
    points = daily.value.json()["points"]
    assert len(points) == 1
    assert points == trader.get(f"/accounts/{account_id}/equity", granularity="day")["points"]
    expect(page.get_by_role("button", name="Per day")).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_test_id("equity-chart")).to_be_visible()
