"""End-to-end: the regime and signals panel, and the auto-trading switch, against a server
whose feed replays imported bars fast enough to give live signals while the test waits.

The bars are a slow wave: `ma_cross` (3 against 8 bars, at 1-minute bars) crosses on every
swing, and the classifier reads BTCUSD's 1-minute bars, so both a regime and signals come
within seconds of replayed time. This module runs its own server (the suite's other tests
use the simulator, whose bars close once a minute).
"""

from __future__ import annotations

import json
import math
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_steps import Trader, choose_symbol, screenshot, sign_in, wait_until
from e2e_server import Server, start_server
from playwright.sync_api import Page, expect

SYMBOL = "BTCUSD"
MINUTES = 4_000
REPLAY_SPEED = 600
"""Replayed seconds per second: a bar every 0.1 s, about 6½ minutes of bars in all."""


def _wave_csv(path: Path) -> Path:
    """`MINUTES` one-minute bars ending an hour ago: a 40-minute wave on a slow drift."""
    end = (int(time.time()) // 60 - 60) * 60
    start = end - MINUTES * 60
    lines = ["time,open,high,low,close,volume"]
    previous = 60_000.0
    for index in range(MINUTES):
        close = round(60_000 + 250 * math.sin(2 * math.pi * index / 40) + index * 0.05, 2)
        high = round(max(previous, close) + 3, 2)
        low = round(min(previous, close) - 3, 2)
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(start + index * 60))
        lines.append(f"{stamp},{previous:.2f},{high:.2f},{low:.2f},{close:.2f},5")
        previous = close
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    directory = tmp_path_factory.mktemp("e2e-replay")
    strategies = [
        {
            "name": "ma_cross",
            "symbols": [SYMBOL],
            "resolution": "1",
            "params": {"fast_period": 3, "slow_period": 8},
        }
    ]
    settings = {
        "PROPDESK_FEED": "replay",
        "PROPDESK_REPLAY_SPEED": str(REPLAY_SPEED),
        "PROPDESK_REPLAY_SYMBOLS": json.dumps([SYMBOL]),
        "PROPDESK_REGIME_RESOLUTIONS": json.dumps(["1"]),
        "PROPDESK_REGIME_SYMBOLS": json.dumps([SYMBOL]),
        "PROPDESK_STRATEGIES": json.dumps(strategies),
    }
    csv = _wave_csv(directory / "btcusd.csv")
    yield from start_server(directory, settings, bars={SYMBOL: csv})


def test_signals_when_strategy_fires_then_regime_and_signal_show_live(
    page: Page, trader: Trader
) -> None:
    sign_in(page, trader)
    choose_symbol(page, SYMBOL)
    panel = page.get_by_test_id("regime")

    row = panel.locator(f'.chart-regime[data-symbol="{SYMBOL}"]')
    expect(row.get_by_test_id("regime-state")).to_have_text(
        # any reading, never the warm-up, once the classifier is warm
        re.compile(r"^(trend up|trend down|range|volatile)$"),
        timeout=30_000,
    )
    signals = panel.get_by_test_id("signals").locator("li")
    expect(signals.first).to_contain_text("ma_cross", timeout=30_000)
    shown = signals.count()
    # Live: more come without a reload, each with its entry, stop and target.
    expect(signals).not_to_have_count(shown, timeout=30_000)
    first = signals.first
    expect(first).to_contain_text(SYMBOL)
    expect(first).to_contain_text("entry")
    expect(first).to_contain_text("stop")
    expect(first).to_contain_text("target")
    stored = trader.get("/signals", symbol=SYMBOL, limit=1)["signals"][0]
    expect(panel.locator(f'li[data-signal="{stored["id"]}"]')).to_be_visible()
    screenshot(page, "signals")


def test_autotrade_switch_when_turned_on_then_saved_and_signals_traded(
    page: Page, trader: Trader
) -> None:
    account_id = trader.open_account({"name": "Auto", "starting_balance": 1_000_000})
    sign_in(page, trader)
    panel = page.get_by_test_id("autotrade")
    switch = panel.get_by_role("switch", name="Auto-trading")
    expect(switch).to_have_attribute("aria-checked", "false")
    expect(panel.get_by_test_id("autotrade-state")).to_contain_text("Off")

    # Never set: the switch opens the settings, with the running strategy and its symbol.
    switch.click()
    form = panel.get_by_test_id("autotrade-form")
    expect(form.get_by_label("ma_cross")).to_be_checked()
    expect(form.get_by_label(SYMBOL)).to_be_checked()
    # A size off the lot step is the server's 422, shown, and nothing is saved.
    form.get_by_test_id("autotrade-qty").fill("0.00015")
    form.get_by_test_id("autotrade-save").click()
    expect(panel.get_by_test_id("autotrade-problem")).to_contain_text("qty")
    assert trader.get(f"/accounts/{account_id}/autotrade")["enabled"] is False

    form.get_by_test_id("autotrade-qty").fill("0.01")
    form.get_by_test_id("autotrade-save").click()
    expect(switch).to_have_attribute("aria-checked", "true")
    expect(panel.get_by_test_id("autotrade-state")).to_have_text(
        f"On: ma_cross on {SYMBOL}, 0.01 per signal."
    )
    saved = trader.get(f"/accounts/{account_id}/autotrade")
    assert saved["enabled"] is True
    assert saved["strategies"] == ["ma_cross"]

    # The next signal becomes a bracket on this account: its fill shows in the blotter.
    def traded() -> bool:
        orders = trader.get(f"/accounts/{account_id}/orders", status="all", limit=20)
        return any(o.get("strategy") == "ma_cross" for o in orders)

    wait_until(traded, seconds=45)
    page.get_by_test_id("tab-executions").click()
    executions = page.get_by_test_id("executions").locator("tbody tr")
    expect(executions.first).to_contain_text(SYMBOL)

    # A reload keeps it on; the switch turns it off, and the settings are kept.
    page.reload()
    expect(switch).to_have_attribute("aria-checked", "true")
    switch.click()
    expect(switch).to_have_attribute("aria-checked", "false")
    expect(panel.get_by_test_id("autotrade-state")).to_have_text(
        f"Off (kept: ma_cross on {SYMBOL}, 0.01 per signal)."
    )
    assert trader.get(f"/accounts/{account_id}/autotrade")["enabled"] is False
    screenshot(page, "autotrade")
