"""The blotter and the chart's order lines: modify and cancel a working order, reverse and
flatten a position, drag an order's line to a new price."""

from __future__ import annotations

from browser_steps import Trader, choose_symbol, sign_in
from playwright.sync_api import Page, expect


def _resting_buy(trader: Trader, account_id: str, below: float) -> str:
    with trader.http as http:
        ask = http.get("/datafeed/quotes", params={"symbols": "BTCUSD"}).json()["d"][0]["v"]["ask"]
        order = {
            "symbol": "BTCUSD",
            "side": "buy",
            "type": "limit",
            "qty": 0.1,
            "limit_price": round(ask * (1 - below), 2),
            "time_in_force": "gtc",
        }
        response = http.post(f"/accounts/{account_id}/orders", json=order)
        response.raise_for_status()
        order_id: str = response.json()["id"]
        return order_id


def test_working_order_when_modified_then_canceled_from_the_blotter(
    page: Page, trader: Trader
) -> None:
    account_id = trader.open_account({"name": "orders", "starting_balance": 200_000})
    order_id = _resting_buy(trader, account_id, below=0.05)
    sign_in(page, trader)
    page.get_by_test_id("tab-orders").click()
    row = page.locator(f"tr[data-order='{order_id}']")
    expect(row).to_contain_text("limit")

    row.get_by_role("button", name="Modify").click()
    row.get_by_label("New price").fill("50000")
    row.get_by_role("button", name="Save").click()

    expect(row).to_contain_text("50000")
    order = trader.get(f"/accounts/{account_id}/orders/{order_id}")
    assert order["limit_price"] == 50000

    row.get_by_test_id("cancel-order").click()

    expect(page.get_by_test_id("orders")).to_contain_text("No working orders.")


def test_position_when_reversed_then_flattened_with_everything_else(
    page: Page, trader: Trader
) -> None:
    account_id = trader.open_account({"name": "flip", "starting_balance": 500_000})
    _resting_buy(trader, account_id, below=0.05)
    with trader.http as http:
        buy = {"symbol": "BTCUSD", "side": "buy", "type": "market", "qty": 1}
        http.post(f"/accounts/{account_id}/orders", json=buy).raise_for_status()
    sign_in(page, trader)
    row = page.get_by_test_id("positions").locator("tr[data-symbol=BTCUSD]")
    expect(row.get_by_test_id("position-qty")).to_have_text("1")

    row.get_by_role("button", name="Reverse").click()
    expect(row.get_by_test_id("position-qty")).to_have_text("-1")

    page.get_by_test_id("flatten-all").click()
    expect(page.get_by_test_id("positions")).to_contain_text("Flat.")
    page.get_by_test_id("tab-orders").click()
    expect(page.get_by_test_id("orders")).to_contain_text("No working orders.")


def test_order_line_when_dragged_then_order_moves_to_the_new_price(
    page: Page, trader: Trader
) -> None:
    account_id = trader.open_account({"name": "drag", "starting_balance": 200_000})
    order_id = _resting_buy(trader, account_id, below=0.001)
    placed = trader.get(f"/accounts/{account_id}/orders/{order_id}")["limit_price"]
    sign_in(page, trader)
    choose_symbol(page, "BTCUSD")
    page.get_by_test_id("tab-orders").click()
    expect(page.locator(f"tr[data-order='{order_id}']")).to_be_visible()
    chart = page.get_by_test_id("chart")
    box = chart.bounding_box()
    assert box is not None
    x = box["x"] + box["width"] * 0.5
    # Find the line the way a trader does: the cursor says where it can be grabbed.
    grab = None
    for step in range(int(box["height"] * 0.85) // 3):
        y = box["y"] + 5 + step * 3
        page.mouse.move(x, y)
        if chart.evaluate("element => element.style.cursor") == "ns-resize":
            grab = y
            break
    assert grab is not None, "no order line to grab on the chart"

    with page.expect_response(
        lambda r: r.request.method == "PATCH" and order_id in r.url
    ) as patched:
        page.mouse.down()
        page.mouse.move(x, grab + 20, steps=5)
        page.mouse.move(x, grab + 40, steps=5)
        page.mouse.up()

    assert patched.value.status == 200
    moved = trader.get(f"/accounts/{account_id}/orders/{order_id}")["limit_price"]
    assert moved < placed  # dragged down
    assert moved == patched.value.json()["limit_price"]
    assert round(moved, 2) == moved  # on BTCUSD's one-cent grid
    expect(page.locator(f"tr[data-order='{order_id}']")).to_contain_text(str(moved))
