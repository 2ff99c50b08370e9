"""Orders over REST: place (idempotently), reject with a recorded order, read, modify, cancel."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import pytest

from propdesk.bus.base import BusTimeoutError, NoHandlerError, UnavailableError
from propdesk.domain.commands import SubmitOrder
from propdesk.store.repositories import trading as store

if TYPE_CHECKING:
    from conftest import Desk, MakeDesk

SATURDAY_NOON = datetime(2025, 1, 4, 12, tzinfo=UTC).timestamp()
"""CME futures are closed; BTCUSD trades around the clock."""


async def test_place_when_market_order_then_201_filled_at_the_ask(desk: Desk) -> None:
    await desk.quote("BTCUSD", "100.00", "100.01")

    response = await desk.order(qty=2, client_order_id="first")

    assert response.status_code == 201, response.text
    order = response.json()
    assert response.headers["location"].endswith(desk.url(f"/orders/{order['id']}"))
    assert order["account_id"] == desk.account_id
    assert order["client_order_id"] == "first"
    assert (order["symbol"], order["side"], order["type"]) == ("BTCUSD", "buy", "market")
    assert (order["qty"], order["filled_qty"], order["filled_avg_price"]) == (2, 2, 100.01)
    assert order["status"] == "filled"
    assert order["time_in_force"] == "day"
    assert order["order_class"] == "simple"
    assert order["legs"] is None
    assert order["submitted_at"] == order["created_at"]
    assert order["created_at"].endswith("Z")
    assert order["filled_at"] is not None
    assert order["expires_at"] is not None  # a day order: the close of its session
    fetched = await desk.get(f"/orders/{order['id']}")
    assert fetched.json() == order


async def test_place_when_client_order_id_absent_then_one_is_generated(desk: Desk) -> None:
    await desk.quote("BTCUSD", "100.00", "100.01")

    first, second = await desk.placed(), await desk.placed()

    assert first["client_order_id"]
    assert first["client_order_id"] != second["client_order_id"]


async def test_place_when_retried_with_the_same_body_then_200_and_the_original(
    desk: Desk,
) -> None:
    await desk.quote("BTCUSD", "100.00", "100.01")
    body = {"type": "limit", "limit_price": 90, "time_in_force": "gtc", "client_order_id": "r"}
    first = await desk.order(**body)

    retry = await desk.order(**{**body, "limit_price": 90.0})  # the same number, spelt otherwise

    assert (first.status_code, retry.status_code) == (201, 200)
    assert retry.json() == first.json()
    assert len(await desk.orders(status="all")) == 1


async def test_place_when_same_client_order_id_with_another_body_then_409(desk: Desk) -> None:
    await desk.quote("BTCUSD", "100.00", "100.01")
    await desk.placed(type="limit", limit_price=90, client_order_id="taken")

    conflict = await desk.order(type="limit", limit_price=91, client_order_id="taken")

    assert conflict.status_code == 409
    assert conflict.headers["content-type"] == "application/problem+json"
    assert conflict.json()["code"] == "DUPLICATE_CLIENT_ORDER_ID"
    [order] = await desk.orders(status="all")
    assert order["limit_price"] == 90


async def test_place_when_identical_posts_race_then_exactly_one_order(desk: Desk) -> None:
    await desk.quote("BTCUSD", "100.00", "100.01")

    answers = await asyncio.gather(*(desk.order(client_order_id="race") for _ in range(2)))

    assert sorted(a.status_code for a in answers) == [200, 201]
    assert answers[0].json()["id"] == answers[1].json()["id"]
    assert len(await desk.orders(status="all")) == 1
    [position] = (await desk.get("/positions")).json()
    assert position["qty"] == 0.1


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"symbol": "NOPE"}, "UNKNOWN_SYMBOL"),
        ({"type": "limit", "limit_price": 100.001}, "INVALID_TICK"),
        ({"qty": 0.00001}, "INVALID_QUANTITY"),
        ({"type": "stop", "stop_price": 110, "time_in_force": "ioc"}, "INVALID_TIME_IN_FORCE"),
        (
            {"order_class": "bracket", "take_profit": {"limit_price": 110}},
            "INVALID_BRACKET",
        ),
        ({"qty": 100}, "INSUFFICIENT_BUYING_POWER"),
        ({"symbol": "ETHUSD"}, "NO_QUOTE"),
    ],
)
async def test_place_when_the_broker_rejects_then_422_with_its_code_and_the_recorded_order(
    desk: Desk, body: dict[str, Any], code: str
) -> None:
    await desk.quote("BTCUSD", "100.00", "100.01")

    response = await desk.order(**body)

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["code"] == code
    assert problem["type"].endswith(code.lower().replace("_", "-"))
    recorded = (await desk.get(f"/orders/{problem['order_id']}")).json()
    assert (recorded["status"], recorded["reject_reason"]) == ("rejected", code)
    assert [o["id"] for o in await desk.orders(status="closed")] == [problem["order_id"]]
    assert await desk.orders() == []  # open


async def test_place_when_rejected_and_retried_then_the_same_422_and_one_order(
    desk: Desk,
) -> None:
    first = await desk.order(symbol="ETHUSD", client_order_id="no-quote")

    retry = await desk.order(symbol="ETHUSD", client_order_id="no-quote")

    assert (first.status_code, retry.status_code) == (422, 422)
    assert retry.json()["order_id"] == first.json()["order_id"]
    assert len(await desk.orders(status="all")) == 1


async def test_place_when_the_market_is_closed_then_422_market_closed(desk: Desk) -> None:
    desk.services.engine.clock = lambda: SATURDAY_NOON

    response = await desk.order(symbol="MNQ", qty=2, time_in_force="gtc")

    assert response.status_code == 422
    assert response.json()["code"] == "MARKET_CLOSED"
    [order] = await desk.orders(status="closed")
    assert (order["symbol"], order["reject_reason"]) == ("MNQ", "MARKET_CLOSED")


@pytest.mark.parametrize(
    ("content", "field"),
    [
        ('{"symbol": "BTCUSD", "side": "buy", "type": "market", "qty": "2"}', "qty"),
        ('{"symbol": "BTCUSD", "side": "buy", "type": "market", "qty": true}', "qty"),
        ('{"symbol": "BTCUSD", "side": "buy", "type": "market", "qty": -1}', "qty"),
        ('{"symbol": "BTCUSD", "side": "buy", "type": "market", "qty": 0}', "qty"),
        ('{"symbol": "BTCUSD", "side": "buy", "type": "market", "qty": NaN}', "qty"),
        ('{"symbol": "BTCUSD", "side": "buy", "type": "market", "qty": Infinity}', "qty"),
        ('{"symbol": "BTCUSD", "side": "buy", "type": "market", "qty": 1e10}', "qty"),
        ('{"symbol": "BTCUSD", "side": "buy", "type": "market", "qty": 1e-11}', "qty"),
        (
            '{"symbol": "BTCUSD", "side": "buy", "type": "limit", "qty": 1, "limit_price": 2e12}',
            "limit_price",
        ),
        (
            '{"symbol": "BTCUSD", "side": "buy", "type": "trailing_stop", "qty": 1, '
            '"trail_percent": 100}',
            "trail_percent",
        ),
        ('{"symbol": "BTCUSD", "side": "hold", "type": "market", "qty": 1}', "side"),
        ('{"symbol": "BTCUSD", "side": "buy", "type": "iceberg", "qty": 1}', "type"),
        ('{"symbol": "BTCUSD", "side": "buy", "qty": 1}', "type"),
        ('{"symbol": "", "side": "buy", "type": "market", "qty": 1}', "symbol"),
        ('{"symbol": "BTC\\u0000", "side": "buy", "type": "market", "qty": 1}', "symbol"),
        ('{"symbol": "' + "X" * 33 + '", "side": "buy", "type": "market", "qty": 1}', "symbol"),
        (
            '{"symbol": "BTCUSD", "side": "buy", "type": "market", "qty": 1, '
            '"client_order_id": "' + "c" * 65 + '"}',
            "client_order_id",
        ),
        (
            '{"symbol": "BTCUSD", "side": "buy", "type": "market", "qty": 1, "leverage": 100}',
            "leverage",
        ),
        (
            '{"symbol": "BTCUSD", "side": "buy", "type": "market", "qty": 1, '
            '"order_class": "bracket", "take_profit": {"limit_price": 110, "size": 1}}',
            "size",
        ),
    ],
)
async def test_place_when_the_body_is_malformed_then_422_naming_the_field_and_nothing_recorded(
    desk: Desk, content: str, field: str
) -> None:
    await desk.quote("BTCUSD", "100.00", "100.01")

    response = await desk.request(
        "POST",
        "/orders",
        content=content,
        headers={**desk.headers, "content-type": "application/json"},
    )

    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["code"] == "VALIDATION_ERROR"
    assert field in {str(part) for error in problem["errors"] for part in error["loc"]}
    assert await desk.orders(status="all") == []


LEGS = {"take_profit": {"limit_price": 110}, "stop_loss": {"stop_price": 90}}


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"type": "limit"}, ["limit_price"]),
        ({"type": "market", "limit_price": 100}, ["limit_price"]),
        ({"type": "market", "trail_percent": 1}, ["trail_percent"]),
        ({"type": "limit", "limit_price": 90, "stop_price": 80}, ["stop_price"]),
        ({"type": "stop"}, ["stop_price"]),
        ({"type": "stop", "stop_price": 110, "limit_price": 111}, ["limit_price"]),
        ({"type": "stop_limit"}, ["limit_price", "stop_price"]),
        ({"type": "stop_limit", "stop_price": 110}, ["limit_price"]),
        ({"type": "trailing_stop"}, ["trail_price"]),
        ({"type": "trailing_stop", "trail_price": 5, "trail_percent": 1}, ["trail_percent"]),
        ({"type": "trailing_stop", "trail_price": 5, "stop_price": 110}, ["stop_price"]),
        ({"type": "limit", "order_class": "bracket", **LEGS}, ["limit_price"]),
        (
            {"order_class": "bracket", **LEGS, "stop_loss": {"limit_price": 89}},
            ["stop_loss.stop_price"],
        ),
        (
            {"order_class": "bracket", **LEGS, "stop_loss": {"stop_price": 90, "trail_price": 5}},
            ["stop_loss.stop_price"],
        ),
        (
            {"order_class": "bracket", **LEGS, "stop_loss": {"trail_price": 5, "trail_percent": 1}},
            ["stop_loss.trail_percent"],
        ),
        (
            {"type": "limit", "side": "sell", "order_class": "oco", **LEGS, "limit_price": 111},
            ["limit_price"],
        ),
        (
            {"type": "limit", "side": "sell", "order_class": "oco", **LEGS, "stop_price": 90},
            ["stop_price"],
        ),
    ],
)
async def test_place_when_prices_do_not_fit_the_type_then_422_naming_them_and_nothing_recorded(
    desk: Desk, body: dict[str, Any], fields: list[str]
) -> None:
    await desk.quote("BTCUSD", "100.00", "100.01")

    response = await desk.order(**body)

    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["code"] == "VALIDATION_ERROR"
    assert problem["detail"] == "invalid request: " + ", ".join(f"body.{f}" for f in fields)
    assert {e["type"] for e in problem["errors"]} <= {"price_required", "price_not_allowed"}
    assert "order_id" not in problem
    assert await desk.orders(status="all") == []


async def test_place_when_an_oco_repeats_its_take_profit_as_limit_price_then_placed(
    desk: Desk,
) -> None:
    await desk.quote("BTCUSD", "100.00", "100.01")
    body = {"type": "limit", "side": "sell", "order_class": "oco", **LEGS}
    await desk.placed(type="limit", limit_price=100.01)  # a position for the pair to exit

    response = await desk.order(**body, limit_price=110.0)

    assert response.status_code == 201, response.text


async def test_place_when_a_price_has_more_digits_than_a_float_then_read_exactly(
    desk: Desk,
) -> None:
    # As a float this would be 12345678.0: on the tick grid, and accepted.
    content = (
        '{"symbol": "BTCUSD", "side": "buy", "type": "limit", "qty": 0.0001, '
        '"limit_price": 12345678.0000000001, "time_in_force": "gtc"}'
    )

    response = await desk.request(
        "POST",
        "/orders",
        content=content,
        headers={**desk.headers, "content-type": "application/json"},
    )

    assert response.status_code == 422
    assert response.json()["code"] == "INVALID_TICK"
    async with desk.services.database.session() as session:
        stored = await store.get_order(session, desk.account_id, response.json()["order_id"])
    assert stored is not None
    assert stored.limit_price == Decimal("12345678.0000000001")


async def test_place_when_signed_in_with_an_api_key_then_placed_without_waiting(
    desk: Desk,
) -> None:
    # The key's last use is written by the request; the engine must not wait for that lock.
    created = await desk.client.post(
        "/api/v1/api-keys", json={"name": "bot", "scopes": ["trade"]}, headers=desk.headers
    )
    key = {"X-API-Key": created.json()["key"]}
    await desk.quote("BTCUSD", "100.00", "100.01")

    response = await asyncio.wait_for(
        desk.request("POST", "/orders", json={"symbol": "BTCUSD", "side": "buy",
                     "type": "market", "qty": 0.1}, headers=key),
        timeout=5,
    )  # fmt: skip

    assert response.status_code == 201, response.text


async def test_place_when_the_engine_is_stopped_then_503_with_retry_after(desk: Desk) -> None:
    await desk.services.engine.stop()

    response = await desk.order()

    assert response.status_code == 503
    assert response.headers["retry-after"] == "1"
    assert response.json()["code"] == "ENGINE_UNAVAILABLE"


@pytest.mark.parametrize(
    "error",
    [BusTimeoutError("no reply"), NoHandlerError("nobody"), UnavailableError("the store is down")],
)
async def test_place_when_the_engine_fails_then_503_never_500(
    desk: Desk, monkeypatch: pytest.MonkeyPatch, error: Exception
) -> None:
    async def failing(channel: str, command: SubmitOrder, *, deadline: float = 10.0) -> object:
        raise error

    monkeypatch.setattr(desk.services.bus, "request", failing)

    response = await desk.order()

    assert response.status_code == 503
    assert response.headers["retry-after"] == "1"


# ---------------------------------------------------------------------- reads


async def test_get_order_when_unknown_then_404_order_not_found(desk: Desk) -> None:
    response = await desk.get("/orders/no-such-order")

    assert response.status_code == 404
    assert response.json()["code"] == "ORDER_NOT_FOUND"


async def test_get_order_when_someone_elses_then_404(desk: Desk, make_desk: MakeDesk) -> None:
    await desk.quote("BTCUSD", "100.00", "100.01")
    theirs = await (await make_desk()).placed(client_order_id="theirs")

    by_id = await desk.get(f"/orders/{theirs['id']}")
    by_client_id = await desk.get("/orders/by-client-id/theirs")

    assert (by_id.status_code, by_client_id.status_code) == (404, 404)


async def test_get_order_by_client_id_when_known_then_the_order(desk: Desk) -> None:
    await desk.quote("BTCUSD", "100.00", "100.01")
    placed = await desk.placed(client_order_id="scalp #1")

    found = await desk.get(f"/orders/by-client-id/{quote('scalp #1', safe='')}")
    missing = await desk.get("/orders/by-client-id/scalp-2")

    assert found.status_code == 200
    assert found.json() == placed
    assert (missing.status_code, missing.json()["code"]) == (404, "ORDER_NOT_FOUND")


async def test_list_orders_when_filtered_then_by_status_symbol_time_and_page(desk: Desk) -> None:
    await desk.quote("BTCUSD", "100.00", "100.01")
    await desk.quote("ETHUSD", "50.000", "50.010")
    filled = await desk.placed()
    working = [
        await desk.placed(type="limit", limit_price=90 + n, time_in_force="gtc") for n in range(3)
    ]
    eth = await desk.placed(symbol="ethusd", type="limit", limit_price=40, time_in_force="gtc")

    open_ids = [o["id"] for o in await desk.orders()]
    closed_ids = [o["id"] for o in await desk.orders(status="closed")]
    every = [o["id"] for o in await desk.orders(status="all")]
    btc = [o["id"] for o in await desk.orders(status="all", symbol="btcusd")]
    page = [o["id"] for o in await desk.orders(status="all", limit=2, offset=1)]
    later = await desk.orders(status="all", after=working[-1]["created_at"])
    until = await desk.orders(status="all", until=filled["created_at"])
    future = (datetime.now(UTC) + timedelta(days=1)).isoformat()

    newest_first = [eth["id"], *reversed([w["id"] for w in working])]
    assert open_ids == newest_first
    assert closed_ids == [filled["id"]]
    assert every == [*newest_first, filled["id"]]
    assert btc == [*reversed([w["id"] for w in working]), filled["id"]]
    assert page == every[1:3]
    assert [o["id"] for o in later] == [eth["id"]]
    assert [o["id"] for o in until] == [filled["id"]]
    assert await desk.orders(status="all", after=future) == []


@pytest.mark.parametrize(
    "params",
    [{"status": "pending"}, {"limit": 0}, {"limit": 501}, {"offset": -1}, {"after": "yesterday"}],
)
async def test_list_orders_when_a_parameter_is_bad_then_422(
    desk: Desk, params: dict[str, Any]
) -> None:
    response = await desk.get("/orders", **params)

    assert response.status_code == 422
    assert response.json()["code"] == "VALIDATION_ERROR"


# ---------------------------------------------------------------------- modify


async def test_modify_when_open_then_200_with_the_new_price_and_quantity(desk: Desk) -> None:
    await desk.quote("BTCUSD", "100.00", "100.01")
    order = await desk.placed(type="limit", limit_price=90, time_in_force="day")

    response = await desk.request(
        "PATCH",
        f"/orders/{order['id']}",
        json={"limit_price": 95.5, "qty": 0.2, "time_in_force": "gtc"},
    )

    assert response.status_code == 200, response.text
    modified = response.json()
    assert modified["id"] == order["id"]
    assert (modified["limit_price"], modified["qty"]) == (95.5, 0.2)
    assert (modified["time_in_force"], modified["expires_at"]) == ("gtc", None)
    assert (await desk.get(f"/orders/{order['id']}")).json() == modified


async def test_modify_when_the_new_price_is_marketable_then_it_fills(desk: Desk) -> None:
    await desk.quote("BTCUSD", "100.00", "100.01")
    order = await desk.placed(type="limit", limit_price=90, time_in_force="gtc")

    response = await desk.request("PATCH", f"/orders/{order['id']}", json={"limit_price": 101})

    assert response.json()["status"] == "filled"
    assert response.json()["filled_avg_price"] == 100.01


async def test_modify_when_refused_then_422_with_the_code_and_the_order_unchanged(
    desk: Desk,
) -> None:
    await desk.quote("BTCUSD", "100.00", "100.01")
    order = await desk.placed(type="limit", limit_price=90, time_in_force="gtc")
    filled = await desk.placed()

    off_tick = await desk.request("PATCH", f"/orders/{order['id']}", json={"limit_price": 90.001})
    done = await desk.request("PATCH", f"/orders/{filled['id']}", json={"qty": 1})
    unknown = await desk.request("PATCH", "/orders/nope", json={"qty": 1})
    empty = await desk.request("PATCH", f"/orders/{order['id']}", json={})
    stray = await desk.request("PATCH", f"/orders/{order['id']}", json={"symbol": "ETHUSD"})

    assert (off_tick.status_code, off_tick.json()["code"]) == (422, "INVALID_TICK")
    assert "order_id" not in off_tick.json()  # nothing recorded: the order stays as it was
    assert (done.status_code, done.json()["code"]) == (422, "ORDER_NOT_MODIFIABLE")
    assert (unknown.status_code, unknown.json()["code"]) == (404, "ORDER_NOT_FOUND")
    assert (empty.status_code, empty.json()["code"]) == (422, "VALIDATION_ERROR")
    assert (stray.status_code, stray.json()["code"]) == (422, "VALIDATION_ERROR")
    assert (await desk.get(f"/orders/{order['id']}")).json() == order


@pytest.mark.parametrize(
    ("placed", "change", "field"),
    [
        ({"type": "limit", "limit_price": 90}, {"stop_price": 80}, "stop_price"),
        ({"type": "limit", "limit_price": 90}, {"trail_price": 5}, "trail_price"),
        ({"type": "stop", "stop_price": 110}, {"limit_price": 111}, "limit_price"),
        ({"type": "trailing_stop", "trail_price": 5}, {"stop_price": 106}, "stop_price"),
        (
            {"type": "trailing_stop", "trail_price": 5},
            {"trail_price": 6, "trail_percent": 1},
            "trail_percent",
        ),
    ],
)
async def test_modify_when_a_price_does_not_fit_the_type_then_422_naming_it_and_unchanged(
    desk: Desk, placed: dict[str, Any], change: dict[str, Any], field: str
) -> None:
    await desk.quote("BTCUSD", "100.00", "100.01")
    order = await desk.placed(**placed, time_in_force="gtc")

    response = await desk.request("PATCH", f"/orders/{order['id']}", json=change)

    assert response.status_code == 422, response.text
    problem = response.json()
    assert (problem["code"], problem["detail"]) == (
        "VALIDATION_ERROR",
        f"invalid request: body.{field}",
    )
    assert (await desk.get(f"/orders/{order['id']}")).json() == order


async def test_modify_when_a_trailing_stop_changes_its_kind_of_trail_then_200(desk: Desk) -> None:
    await desk.quote("BTCUSD", "100.00", "100.01")
    order = await desk.placed(type="trailing_stop", trail_price=5, time_in_force="gtc")

    response = await desk.request("PATCH", f"/orders/{order['id']}", json={"trail_percent": 2})

    assert response.status_code == 200, response.text
    assert (response.json()["trail_price"], response.json()["trail_percent"]) == (None, 2)


# ---------------------------------------------------------------------- cancel


async def test_cancel_when_open_then_204_and_canceled(desk: Desk) -> None:
    await desk.quote("BTCUSD", "100.00", "100.01")
    order = await desk.placed(type="limit", limit_price=90, time_in_force="gtc")

    response = await desk.request("DELETE", f"/orders/{order['id']}")

    assert response.status_code == 204
    assert response.content == b""
    canceled = (await desk.get(f"/orders/{order['id']}")).json()
    assert canceled["status"] == "canceled"
    assert canceled["canceled_at"] is not None
    assert await desk.orders() == []


async def test_cancel_when_no_longer_open_or_unknown_then_422_or_404(desk: Desk) -> None:
    await desk.quote("BTCUSD", "100.00", "100.01")
    filled = await desk.placed()

    done = await desk.request("DELETE", f"/orders/{filled['id']}")
    unknown = await desk.request("DELETE", "/orders/nope")

    assert (done.status_code, done.json()["code"]) == (422, "ORDER_NOT_CANCELABLE")
    assert (unknown.status_code, unknown.json()["code"]) == (404, "ORDER_NOT_FOUND")


async def test_cancel_all_when_orders_are_open_then_207_with_one_result_each(desk: Desk) -> None:
    await desk.quote("BTCUSD", "100.00", "100.01")
    await desk.quote("ETHUSD", "50.000", "50.010")
    btc = [await desk.placed(type="limit", limit_price=90 + n, time_in_force="gtc") for n in (0, 1)]
    eth = await desk.placed(symbol="ETHUSD", type="limit", limit_price=40, time_in_force="gtc")

    only_eth = await desk.request("DELETE", "/orders", params={"symbol": "ethusd"})
    rest = await desk.request("DELETE", "/orders")
    nothing = await desk.request("DELETE", "/orders")

    assert only_eth.status_code == 207
    assert [(r["id"], r["status"]) for r in only_eth.json()] == [(eth["id"], 200)]
    assert only_eth.json()[0]["body"]["status"] == "canceled"
    assert rest.status_code == 207
    assert sorted(r["id"] for r in rest.json()) == sorted(o["id"] for o in btc)
    assert {r["body"]["status"] for r in rest.json()} == {"canceled"}
    assert (nothing.status_code, nothing.json()) == (207, [])
    assert await desk.orders() == []


@pytest.mark.parametrize(
    "content",
    [
        b'{"symbol": "BTCUSD", "side": "buy", "type": "market", "qty": ' + b"1" * 5000 + b"}",
        b'{"symbol": "BTC\xff", "side": "buy", "type": "market", "qty": 1}',
        b"not json",
    ],
)
async def test_place_when_the_body_is_not_json_it_can_read_then_422(
    desk: Desk, content: bytes
) -> None:
    response = await desk.request(
        "POST",
        "/orders",
        content=content,
        headers={**desk.headers, "content-type": "application/json"},
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["type"] == "json_invalid"
    assert await desk.orders(status="all") == []
