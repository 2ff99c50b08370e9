"""Trading from the page: sign in, a market order's fill, position and equity live, closing it
into the journal with its R, a bracket whose stop leg fills, a rejection's reason, a lock."""

from __future__ import annotations

import re

import httpx
from browser_steps import PASSWORD, Trader, choose_symbol, sign_in, wait_until
from e2e_server import ADMIN_PASSWORD, Server
from playwright.sync_api import Page, expect

RICH = {"name": "rich", "starting_balance": 200_000}


def test_sign_in_when_password_wrong_then_reason_then_right_one_opens_desk(
    page: Page, trader: Trader
) -> None:
    page.goto("/")
    page.get_by_label("Username").fill(trader.username)
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_test_id("signin-error")).to_contain_text("ncorrect")

    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_test_id("connection")).to_have_text("Live")


def test_sign_up_when_allowed_then_signed_in_and_signed_out_again(
    page: Page, server: Server
) -> None:
    page.goto("/")
    page.get_by_role("button", name="New here? Sign up").click()
    page.get_by_label("Username").fill("newcomer")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account and sign in").click()

    expect(page.get_by_test_id("connection")).to_have_text("Live")
    expect(page.get_by_test_id("account-select")).to_contain_text("No account yet")

    page.get_by_test_id("sign-out").click()
    expect(page.get_by_test_id("session-message")).to_have_text("Signed out.")


def test_revoked_session_when_page_calls_api_then_sign_in_page_says_why(
    page: Page, trader: Trader
) -> None:
    trader.open_account(RICH)
    sign_in(page, trader)
    refresh_token = page.evaluate("JSON.parse(sessionStorage.getItem('propdesk.session')).refresh")
    with trader.http as http:
        http.post("/auth/logout", json={"refresh_token": refresh_token}).raise_for_status()

    page.get_by_role("button", name="Journal", exact=True).click()

    expect(page.get_by_test_id("session-message")).to_contain_text("session has ended")
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()


def test_market_order_when_filled_then_fill_position_equity_live_and_trade_in_journal(
    page: Page, trader: Trader
) -> None:
    account_id = trader.open_account(RICH)
    sign_in(page, trader)
    choose_symbol(page, "BTCUSD")
    equity = page.get_by_test_id("equity")
    expect(equity).to_have_text("$200,000.00")
    page.get_by_test_id("qty").fill("1")

    page.get_by_test_id("buy").click()

    expect(page.get_by_test_id("ticket-result")).to_contain_text("filled")
    row = page.get_by_test_id("positions").locator("tr[data-symbol=BTCUSD]")
    expect(row.get_by_test_id("position-qty")).to_have_text("1")
    expect(equity).not_to_have_text("$200,000.00")  # moves with the quotes, no reload
    page.get_by_test_id("tab-executions").click()
    expect(page.get_by_test_id("executions").locator("tbody tr")).to_have_count(1)
    page.get_by_test_id("tab-positions").click()

    row.get_by_test_id("close-position").click()

    expect(page.get_by_test_id("positions")).to_contain_text("Flat.")
    balance = trader.get(f"/accounts/{account_id}")["balance"]
    expect(page.get_by_test_id("balance")).to_have_text(f"${balance:,.2f}")  # the realized P&L
    page.get_by_role("button", name="Journal", exact=True).click()
    trade = page.get_by_test_id("trades").locator("tbody tr[data-trade]")
    expect(trade).to_have_count(1)
    expect(trade.get_by_test_id("trade-r")).to_have_text(re.compile(r"^[+-]?\d+\.\d\dR$"))
    expect(trade).to_contain_text("BTCUSD")

    # Notes edited in place, kept by the server.
    trade.get_by_test_id("notes").click()
    page.get_by_test_id("edit-notes").fill("chased it")
    page.get_by_test_id("edit-notes").press("Enter")
    expect(trade.get_by_test_id("notes")).to_have_text("chased it")
    trips = trader.get(f"/accounts/{account_id}/trades")["trades"]
    assert trips[0]["notes"] == "chased it"

    # The journal follows the trades topic: a round trip made elsewhere shows up by itself.
    with trader.http as http:
        for side in ("buy", "sell"):
            order = {"symbol": "BTCUSD", "side": side, "type": "market", "qty": 0.5}
            http.post(f"/accounts/{account_id}/orders", json=order).raise_for_status()
    expect(trade).to_have_count(2)


def test_bracket_when_stop_is_a_tick_under_a_marketable_entry_then_stop_leg_fills(
    page: Page, trader: Trader
) -> None:
    account_id = trader.open_account(RICH)
    sign_in(page, trader)
    choose_symbol(page, "BTCUSD")
    page.get_by_test_id("order-type").select_option("limit")
    ask = trader.get("/datafeed/quotes", symbols="BTCUSD")["d"][0]["v"]["ask"]
    # Far enough above the ask to fill at once; the stop a tick under the limit is then
    # above the bid, so it triggers as soon as the entry's fill releases it.
    page.get_by_test_id("limit-price").fill(f"{ask + 50:.2f}")
    page.get_by_test_id("qty").fill("1")
    page.get_by_test_id("bracket").check()
    page.get_by_test_id("take-profit").fill("100000")
    page.get_by_test_id("stop-loss").fill("1")

    page.get_by_test_id("buy").click()

    expect(page.get_by_test_id("ticket-result")).to_contain_text("filled")
    page.get_by_test_id("tab-executions").click()
    fills = page.get_by_test_id("executions").locator("tbody tr")
    expect(fills).to_have_count(2)
    expect(fills.first).to_contain_text("sell")
    page.get_by_test_id("tab-orders").click()
    expect(page.get_by_test_id("orders")).to_contain_text("No working orders.")  # TP canceled
    legs = trader.get(f"/accounts/{account_id}/orders", status="all", nested="false")
    stop = next(o for o in legs if o["leg"] == "stop_loss")
    assert stop["status"] == "filled"


def test_order_when_over_max_contracts_then_ticket_shows_code_and_reason(
    page: Page, trader: Trader
) -> None:
    trader.open_account(
        {
            "name": "capped",
            "starting_balance": 1_000_000,
            "rule_set": {"name": "custom", "max_contracts": 1},
        }
    )
    sign_in(page, trader)
    choose_symbol(page, "ES")
    page.get_by_test_id("order-type").select_option("limit")
    page.get_by_test_id("limit-price").fill("1000")
    page.get_by_test_id("qty").fill("2")

    page.get_by_test_id("buy").click()

    result = page.get_by_test_id("ticket-result")
    expect(result).to_contain_text("MAX_CONTRACTS")
    expect(result).to_contain_text("maximum contracts")


def test_loss_past_daily_limit_when_traded_then_locked_with_reason_and_ticket_refused(
    page: Page, trader: Trader
) -> None:
    # A one-cent daily loss limit: the spread alone breaches it at the fill, every time.
    account_id = trader.open_account(
        {
            "name": "tight",
            "starting_balance": 200_000,
            "rule_set": {"name": "custom", "daily_loss_limit": 0.01},
        }
    )
    sign_in(page, trader)
    choose_symbol(page, "BTCUSD")
    expect(page.get_by_test_id("can-trade")).to_have_text("Can trade")
    page.get_by_test_id("qty").fill("1")

    page.get_by_test_id("buy").click()

    expect(page.get_by_test_id("can-trade")).to_contain_text("Cannot trade: daily loss limit")
    expect(page.get_by_test_id("lock")).to_contain_text("DAILY_LOSS_LIMIT")
    expect(page.locator("[data-tripwire=daily_loss]")).to_have_attribute("data-status", "breached")
    expect(page.get_by_test_id("ticket-locked")).to_contain_text("daily loss limit")
    expect(page.get_by_test_id("buy")).to_be_disabled()
    expect(page.get_by_test_id("positions")).to_contain_text("Flat.")  # liquidated
    wait_until(lambda: not trader.get(f"/accounts/{account_id}/risk")["can_trade"])


def test_round_trip_when_closed_then_profit_target_bar_shows_the_new_progress(
    page: Page, trader: Trader
) -> None:
    account_id = trader.open_account({"name": "target", "starting_balance": 200_000})
    # A trader's own change of rules waits for the next trading day; an admin's holds at once.
    api = f"{trader.base_url}/api/v1"
    signed = httpx.post(f"{api}/auth/token", data={"username": "admin", "password": ADMIN_PASSWORD})
    admin = {"Authorization": f"Bearer {signed.json()['access_token']}"}
    rules = {"name": "custom", "profit_target": 1000}
    httpx.put(
        f"{api}/accounts/{account_id}/risk/rules", json=rules, headers=admin
    ).raise_for_status()
    sign_in(page, trader)
    meter = page.get_by_role("meter", name="Profit target")
    expect(meter).to_have_attribute("aria-valuemax", "1000")
    expect(meter).to_have_attribute("aria-valuenow", "0")
    expect(page.get_by_test_id("risk")).to_contain_text("$0.00 / $1,000.00")

    with trader.http as http:
        for side in ("buy", "sell"):
            body = {"symbol": "BTCUSD", "side": side, "type": "market", "qty": 0.5}
            http.post(f"/accounts/{account_id}/orders", json=body).raise_for_status()

    # Without a reload: the progress is the balance over the start, as the server says.
    def progress() -> float:
        risk = trader.get(f"/accounts/{account_id}/risk")
        return float(risk["profit_target"]["progress"])

    wait_until(lambda: progress() != 0)  # the spread at least, once the sell filled
    expect(meter).to_have_attribute("aria-valuenow", f"{progress():g}")
    # The owner's own change waits for the roll, and the panel says so.
    with trader.http as http:
        mine = {"name": "custom", "profit_target": 2000}
        http.put(f"/accounts/{account_id}/risk/rules", json=mine).raise_for_status()
    expect(page.get_by_test_id("pending-rules")).to_contain_text("when the trading day rolls")
    expect(meter).to_have_attribute("aria-valuemax", "1000")
