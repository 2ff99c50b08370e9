"""Fills seen through REST: partial fills across ticks, and a bracket whose legs work as OCO."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING

import pytest

from propdesk.config import Settings

if TYPE_CHECKING:
    from conftest import Desk


@pytest.fixture
def settings(make_settings: Callable[..., Settings]) -> Settings:
    return make_settings(top_of_book_size=Decimal(1))


async def test_market_order_when_larger_than_the_book_then_partially_filled_then_filled(
    desk: Desk,
) -> None:
    await desk.quote("BTCUSD", "100.00", "100.01")

    placed = await desk.placed(qty=2.5)
    after_one = (await desk.get(f"/orders/{placed['id']}")).json()
    await desk.quote("BTCUSD", "100.01", "100.02")
    after_two = (await desk.get(f"/orders/{placed['id']}")).json()
    await desk.quote("BTCUSD", "100.02", "100.03")
    done = (await desk.get(f"/orders/{placed['id']}")).json()

    assert (placed["status"], placed["filled_qty"]) == ("partially_filled", 1)
    assert after_one == placed
    assert (after_two["status"], after_two["filled_qty"]) == ("partially_filled", 2)
    assert (done["status"], done["filled_qty"]) == ("filled", 2.5)
    # 1 × 100.01 + 1 × 100.02 + 0.5 × 100.03, over 2.5
    assert done["filled_avg_price"] == pytest.approx(100.018)
    assert [o["id"] for o in await desk.orders()] == []
    fills = (await desk.get("/executions", order_id=placed["id"])).json()
    assert [f["qty"] for f in fills] == [0.5, 1, 1]
    assert (await desk.get("/positions/BTCUSD")).json()["qty"] == 2.5


async def test_bracket_when_the_take_profit_fills_then_the_stop_loss_is_canceled(
    desk: Desk,
) -> None:
    await desk.quote("BTCUSD", "100.00", "100.01")

    entry = await desk.placed(
        qty=1,
        time_in_force="gtc",
        order_class="bracket",
        take_profit={"limit_price": 110},
        stop_loss={"stop_price": 90},
    )
    working = await desk.orders()
    await desk.quote("BTCUSD", "111.00", "111.01", last="111.00")
    done = (await desk.get(f"/orders/{entry['id']}")).json()

    assert (entry["status"], entry["order_class"]) == ("filled", "bracket")
    take_profit, stop_loss = entry["legs"]
    assert (take_profit["leg"], take_profit["status"], take_profit["side"]) == (
        "take_profit", "new", "sell",
    )  # fmt: skip
    assert (stop_loss["leg"], stop_loss["type"], stop_loss["stop_price"]) == (
        "stop_loss",
        "stop",
        90,
    )
    assert {leg["parent_id"] for leg in entry["legs"]} == {entry["id"]}
    # The entry filled, its legs work: the bracket is open, listed once, legs nested.
    assert [o["id"] for o in working] == [entry["id"]]
    assert [leg["status"] for leg in working[0]["legs"]] == ["new", "new"]
    tp, sl = done["legs"]
    assert (tp["status"], tp["filled_avg_price"]) == ("filled", 110)  # a resting limit: its price
    assert sl["status"] == "canceled"
    assert await desk.orders() == []
    assert [o["id"] for o in await desk.orders(status="closed")] == [entry["id"]]
    flat_list = await desk.orders(status="all", nested="false")
    assert {o["id"] for o in flat_list} == {entry["id"], tp["id"], sl["id"]}
    assert {o["legs"] is None for o in flat_list} == {True}
    assert (await desk.get("/positions/BTCUSD")).status_code == 404
    assert (await desk.account())["realized_pnl"] == pytest.approx(9.99)  # 110 - 100.01


async def test_bracket_when_the_entry_rests_then_legs_are_held_and_cancel_with_it(
    desk: Desk,
) -> None:
    await desk.quote("BTCUSD", "100.00", "100.01")
    entry = await desk.placed(
        type="limit",
        limit_price=95,
        qty=1,
        time_in_force="gtc",
        order_class="bracket",
        take_profit={"limit_price": 110},
        stop_loss={"stop_price": 90, "limit_price": 89.5},
    )

    canceled = await desk.request("DELETE", f"/orders/{entry['id']}")
    after = (await desk.get(f"/orders/{entry['id']}")).json()

    assert [leg["status"] for leg in entry["legs"]] == ["held", "held"]
    assert entry["legs"][1]["type"] == "stop_limit"
    assert canceled.status_code == 204
    assert [after["status"], *(leg["status"] for leg in after["legs"])] == ["canceled"] * 3


async def test_oco_when_placed_then_two_linked_exit_orders(desk: Desk) -> None:
    await desk.quote("BTCUSD", "100.00", "100.01")
    await desk.placed(qty=1)

    oco = await desk.placed(
        side="sell",
        type="limit",
        qty=1,
        time_in_force="gtc",
        order_class="oco",
        take_profit={"limit_price": 110},
        stop_loss={"stop_price": 90},
    )
    working = {o["id"]: o for o in await desk.orders()}

    assert (oco["order_class"], oco["leg"], oco["limit_price"]) == ("oco", "take_profit", 110)
    assert set(working) == {oco["id"], oco["sibling_id"]}
    assert working[oco["sibling_id"]]["sibling_id"] == oco["id"]
    assert working[oco["sibling_id"]]["leg"] == "stop_loss"
