"""The hot path's order JSON is the OrderRead model's JSON, byte for byte; the WebSocket's
order payload is that JSON without the nested legs, byte for byte too."""

from __future__ import annotations

import uuid
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter
from pydantic.json_schema import models_json_schema

from propdesk.api.schemas.orders import OrderRead
from propdesk.domain.orders import (
    LegRole,
    Order,
    OrderClass,
    OrderId,
    OrderSide,
    OrderStatus,
    OrderType,
    TimeInForce,
)
from propdesk.trading.service import OrderView
from propdesk.ws.payloads import OrderPayload
from propdesk.ws.protocol import OrdersUpdateMessage, OrderUpdateEvent, encode

MODEL_JSON = TypeAdapter(OrderRead)

# Prices, quantities and money as the store keeps them (30 digits, 10 decimals) and beyond.
decimals = st.one_of(
    st.decimals(min_value=Decimal("1e-10"), max_value=Decimal("1e12"), places=10),
    st.decimals(min_value=Decimal(0), max_value=Decimal("1e20"), places=0),
    st.sampled_from([Decimal("0.1"), Decimal("1E+16"), Decimal("1E-7"), Decimal("24716.25")]),
)
# UNIX seconds, with and without microseconds; before 1970 and far ahead.
times = st.one_of(
    st.floats(min_value=-1e9, max_value=4e9, allow_nan=False),
    st.integers(min_value=0, max_value=4_000_000_000).map(float),
)
ids = st.text(st.characters(min_codepoint=32, max_codepoint=0x2FFF), min_size=1, max_size=64)


@st.composite
def orders(draw: st.DrawFn) -> Order:
    filled_qty = draw(st.one_of(st.just(Decimal(0)), decimals))
    return Order(
        id=OrderId(draw(ids)),
        account_id=str(draw(st.uuids())),
        client_order_id=draw(ids),
        symbol=draw(st.sampled_from(["MNQ", "ES", "BTCUSD", "AAPL"])),
        side=draw(st.sampled_from(OrderSide)),
        type=draw(st.sampled_from(OrderType)),
        qty=draw(decimals),
        time_in_force=draw(st.sampled_from(TimeInForce)),
        status=draw(st.sampled_from(OrderStatus)),
        created_at=draw(times),
        updated_at=draw(times),
        seq=draw(st.integers(min_value=1)),
        order_class=draw(st.sampled_from(OrderClass)),
        limit_price=draw(st.none() | decimals),
        stop_price=draw(st.none() | decimals),
        trail_price=draw(st.none() | decimals),
        trail_percent=draw(st.none() | decimals),
        water_mark=draw(st.none() | decimals),
        filled_qty=filled_qty,
        filled_value=draw(decimals) if filled_qty else Decimal(0),
        filled_at=draw(st.none() | times),
        canceled_at=draw(st.none() | times),
        expired_at=draw(st.none() | times),
        expires_at=draw(st.none() | times),
        parent_id=draw(st.none() | ids.map(OrderId)),
        leg=draw(st.none() | st.sampled_from(LegRole)),
        sibling_id=draw(st.none() | ids.map(OrderId)),
        reject_reason=draw(st.none() | st.sampled_from(["INVALID_TICK", "MARKET_CLOSED"])),
        strategy=draw(st.none() | ids),
        tag=draw(st.none() | ids),
        regime=draw(st.none() | ids),
    )


@settings(max_examples=300)
@given(order=orders(), legs=st.none() | st.lists(orders(), max_size=2))
def test_order_json_when_any_order_then_the_models_bytes(
    order: Order, legs: list[Order] | None
) -> None:
    view = OrderView(order, None if legs is None else tuple(legs))

    assert OrderRead.json_of_view(view) == MODEL_JSON.dump_json(OrderRead.of_view(view))


def test_order_json_when_account_id_is_a_uuid_then_canonical() -> None:
    account = uuid.uuid4()
    order = Order(
        OrderId("o-1"), str(account), "c-1", "MNQ", OrderSide.buy, OrderType.market,
        Decimal(2), TimeInForce.day, OrderStatus.filled, 1.5, 2.0, 1,
        filled_qty=Decimal(2), filled_value=Decimal("49432.5"),
    )  # fmt: skip

    assert b'"account_id":"%s"' % str(account).encode() in OrderRead.json_of_view(
        OrderView(order, None)
    )


@settings(max_examples=300)
@given(order=orders())
def test_ws_order_when_any_order_then_carries_the_rest_orders_bytes_but_legs(
    order: Order,
) -> None:
    rest = OrderRead.of(order).model_dump_json(exclude={"legs"}).encode()
    message = OrdersUpdateMessage(
        topic=f"orders.{order.account_id}",
        seq=1,
        account_id=order.account_id,
        event=OrderUpdateEvent.new,
        orders=[OrderPayload.of(order)],
    )

    sent = encode(message).encode()

    assert b'"orders":[' + rest + b"]" in sent


def test_order_schemas_when_generated_then_the_ws_order_is_the_rest_order_but_legs() -> None:
    # As the OpenAPI and AsyncAPI documents have them: responses as the server writes them.
    _, schemas = models_json_schema([(OrderRead, "serialization"), (OrderPayload, "serialization")])
    rest, ws = schemas["$defs"]["OrderRead"], schemas["$defs"]["OrderPayload"]

    assert {k: v for k, v in rest["properties"].items() if k != "legs"} == ws["properties"]
    assert [name for name in rest["required"] if name != "legs"] == ws["required"]
    assert ws["properties"]["account_id"]["format"] == "uuid"
    assert "submitted_at" in ws["required"]
