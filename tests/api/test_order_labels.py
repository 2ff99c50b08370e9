"""Orders' labels over REST: `strategy` and `tag` as placed, on every leg, in the
idempotency check, as list filters; a bad label is a 422 naming it and records nothing."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from conftest import Desk

LEGS = {"take_profit": {"limit_price": 110}, "stop_loss": {"stop_price": 90}}


async def test_place_when_labelled_then_the_order_shows_its_labels_stripped(desk: Desk) -> None:
    await desk.quote("BTCUSD", "100.00", "100.01")

    order = await desk.placed(strategy="  orb ", tag="A+ pullback")

    assert (order["strategy"], order["tag"]) == ("orb", "A+ pullback")
    assert (await desk.get(f"/orders/{order['id']}")).json() == order


async def test_place_when_unlabelled_then_both_labels_are_null(desk: Desk) -> None:
    await desk.quote("BTCUSD", "100.00", "100.01")

    order = await desk.placed()

    assert (order["strategy"], order["tag"]) == (None, None)


async def test_place_bracket_when_labelled_then_every_leg_carries_the_entrys_labels(
    desk: Desk,
) -> None:
    await desk.quote("BTCUSD", "100.00", "100.01")

    entry = await desk.placed(
        type="limit", limit_price=95, time_in_force="gtc", order_class="bracket", **LEGS,
        strategy="orb", tag="gap-fill",
    )  # fmt: skip

    labels = [(o["strategy"], o["tag"]) for o in [entry, *entry["legs"]]]
    assert labels == [("orb", "gap-fill")] * 3
    flat = await desk.orders(nested="false")
    assert {(o["strategy"], o["tag"]) for o in flat} == {("orb", "gap-fill")}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("strategy", ""),
        ("strategy", "   "),
        ("tag", "x" * 65),
        ("tag", "line\nbreak"),
        ("strategy", "nul\x00"),
        ("tag", "para\u2029graph"),
        ("tag", 7),
    ],
)
async def test_place_when_a_label_is_bad_then_422_naming_it_and_nothing_recorded(
    desk: Desk, field: str, value: Any
) -> None:
    await desk.quote("BTCUSD", "100.00", "100.01")

    response = await desk.order(**{field: value})

    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["code"] == "VALIDATION_ERROR"
    assert [e["loc"] for e in problem["errors"]] == [["body", field]]
    assert await desk.orders(status="all") == []


async def test_place_when_a_label_is_64_characters_after_stripping_then_201(desk: Desk) -> None:
    await desk.quote("BTCUSD", "100.00", "100.01")

    order = await desk.placed(tag=" " + "t" * 64 + " ")

    assert order["tag"] == "t" * 64


async def test_place_when_retried_with_the_same_labels_then_200_and_with_others_409(
    desk: Desk,
) -> None:
    await desk.quote("BTCUSD", "100.00", "100.01")
    body = {"type": "limit", "limit_price": 95, "time_in_force": "gtc", "client_order_id": "c1"}
    first = await desk.placed(**body, strategy="orb", tag="a")

    retry = await desk.order(**body, strategy="orb", tag="a")
    other_tag = await desk.order(**body, strategy="orb", tag="b")
    no_labels = await desk.order(**body)

    assert (retry.status_code, retry.json()["id"]) == (200, first["id"])
    assert (other_tag.status_code, other_tag.json()["code"]) == (409, "DUPLICATE_CLIENT_ORDER_ID")
    assert (no_labels.status_code, no_labels.json()["code"]) == (409, "DUPLICATE_CLIENT_ORDER_ID")
    assert len(await desk.orders(status="all")) == 1


async def test_list_orders_when_filtered_by_strategy_and_tag_then_only_those(desk: Desk) -> None:
    await desk.quote("BTCUSD", "100.00", "100.01")
    working = {"type": "limit", "limit_price": 95, "time_in_force": "gtc"}
    orb_a = await desk.placed(**working, strategy="orb", tag="a")
    orb_b = await desk.placed(**working, strategy="orb", tag="b")
    manual_a = await desk.placed(**working, strategy="manual", tag="a")
    await desk.placed(**working)

    by_strategy = [o["id"] for o in await desk.orders(strategy="orb")]
    by_tag = [o["id"] for o in await desk.orders(tag="a")]
    by_both = [o["id"] for o in await desk.orders(strategy="orb", tag="a")]

    assert by_strategy == [orb_b["id"], orb_a["id"]]
    assert by_tag == [manual_a["id"], orb_a["id"]]
    assert by_both == [orb_a["id"]]
    assert await desk.orders(strategy="none such") == []


@pytest.mark.parametrize("params", [{"strategy": ""}, {"tag": "x" * 65}])
async def test_list_orders_when_a_label_filter_is_bad_then_422(
    desk: Desk, params: dict[str, Any]
) -> None:
    response = await desk.get("/orders", **params)

    assert (response.status_code, response.json()["code"]) == (422, "VALIDATION_ERROR")
