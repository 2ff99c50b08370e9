"""The order models refuse the prices that do not fit the order type, and no more: every
combination they let through never meets the broker's INVALID_PRICE, and every one they
refuse the broker would have refused too. No app: the models beside the domain's own check.
"""

from __future__ import annotations

import itertools
from decimal import Decimal
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from propdesk.api.schemas.order_prices import PRICES_BY_TYPE, TAKES
from propdesk.api.schemas.orders import OrderCreate, OrderUpdate
from propdesk.domain.bars import Tick
from propdesk.domain.commands import ModifyOrder, StopLoss, SubmitOrder, TakeProfit
from propdesk.domain.errors import RejectReason
from propdesk.domain.orders import (
    Order,
    OrderClass,
    OrderId,
    OrderSide,
    OrderStatus,
    OrderType,
    TimeInForce,
)
from propdesk.domain.validation import modify_reason, submit_reason
from propdesk.marketdata.catalogue import Catalogue

INSTRUMENT = Catalogue.load()["BTCUSD"]
QUOTE = Tick("BTCUSD", 0.0, Decimal(100), Decimal(100), Decimal("100.01"), Decimal(1))
# Values that sit well for a buy entry near 100 (its legs: profit above, stop below), so that
# what the broker says is about which prices there are, not about their values.
ENTRY = {"limit_price": 100, "stop_price": 101, "trail_price": 5, "trail_percent": 1}
STOP_LOSS = {"stop_price": 90, "limit_price": 89, "trail_price": 5, "trail_percent": 1}
TAKE_PROFIT = 110
OCO_ENTRY: list[dict[str, Any]] = [
    {},
    {"limit_price": TAKE_PROFIT},
    {"limit_price": 111},
    {"stop_price": 90},
    {"trail_percent": 1},
]
PRICE_ERRORS = {"price_required", "price_not_allowed"}

M = TypeVar("M", bound=BaseModel)


def _subsets(values: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {key: value for (key, value), keep in zip(values.items(), mask, strict=True) if keep}
        for mask in itertools.product((False, True), repeat=len(values))
    ]


def _bodies() -> list[dict[str, Any]]:
    """Every type with every subset of prices, simple, as a bracket with every shape of stop
    loss, and as an OCO pair."""
    legs = [
        {"take_profit": {"limit_price": TAKE_PROFIT}, "stop_loss": stop_loss}
        for stop_loss in _subsets(STOP_LOSS)
    ]
    bodies: list[dict[str, Any]] = []
    for kind in OrderType:
        for prices in _subsets(ENTRY):
            bodies.append({"side": "buy", "type": kind, **prices})
            bodies.extend(
                {"side": "buy", "type": kind, **prices, "order_class": "bracket", **leg}
                for leg in legs
            )
        bodies.extend(
            {"side": "sell", "type": kind, **prices, "order_class": "oco", **leg}
            for prices, leg in itertools.product(OCO_ENTRY, legs)
        )
    return bodies


def _number(value: object | None) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _command(body: dict[str, Any]) -> SubmitOrder:
    """The submission as the broker gets it, built without the model."""
    tp, sl = body.get("take_profit"), body.get("stop_loss")
    return SubmitOrder(
        account_id="account",
        symbol="BTCUSD",
        side=OrderSide(body["side"]),
        qty=Decimal(1),
        type=OrderType(body["type"]),
        time_in_force=TimeInForce.gtc,
        limit_price=_number(body.get("limit_price")),
        stop_price=_number(body.get("stop_price")),
        trail_price=_number(body.get("trail_price")),
        trail_percent=_number(body.get("trail_percent")),
        order_class=OrderClass(body.get("order_class", "simple")),
        take_profit=None if tp is None else TakeProfit(Decimal(tp["limit_price"])),
        stop_loss=None
        if sl is None
        else StopLoss(**{field: _number(sl.get(field)) for field in STOP_LOSS}),
    )


def _validated(model: type[M], data: dict[str, Any]) -> tuple[M | None, set[str]]:
    """The model, or None and its errors' types."""
    try:
        return model.model_validate(data), set()
    except ValidationError as error:
        return None, {e["type"] for e in error.errors()}


def test_place_when_any_prices_then_refused_exactly_where_the_broker_would() -> None:
    outcomes = {"accepted": 0, "refused": 0}
    for body in _bodies():
        reason = submit_reason(_command(body), "id", INSTRUMENT, QUOTE)
        model, errors = _validated(
            OrderCreate, {"symbol": "BTCUSD", "qty": 1, "time_in_force": "gtc", **body}
        )
        if model is None:
            outcomes["refused"] += 1
            assert errors <= PRICE_ERRORS, body
            assert reason is not None, body  # not stricter than the broker
        else:
            outcomes["accepted"] += 1
            assert reason != RejectReason.INVALID_PRICE, body  # the broker's check never fires
            assert model.to_command("account") == _command(body)
    assert outcomes["accepted"] > 50
    assert outcomes["refused"] > 1000


def _open(kind: OrderType) -> Order:
    takes = TAKES[kind][:1] if kind is OrderType.trailing_stop else TAKES[kind]
    prices = {field: _number(ENTRY[field]) for field in takes}
    return Order(
        id=OrderId("o-1"),
        account_id="account",
        client_order_id="c-1",
        symbol="BTCUSD",
        side=OrderSide.buy,
        type=kind,
        qty=Decimal(1),
        time_in_force=TimeInForce.gtc,
        status=OrderStatus.new,
        created_at=0.0,
        updated_at=0.0,
        seq=1,
        **prices,  # type: ignore[arg-type]
    )


def test_modify_when_any_prices_then_refused_exactly_where_the_broker_would() -> None:
    # One exception: both trails at once. The broker took the price and dropped the
    # percentage without a word; the edge refuses the contradiction.
    changes = [c for c in _subsets({**ENTRY, "trail_price": 6, "trail_percent": 2}) if c]
    for kind, change in itertools.product(OrderType, changes):
        order = _open(kind)
        command = ModifyOrder("account", order.id, **{f: _number(v) for f, v in change.items()})
        reason = modify_reason(order, command, INSTRUMENT)
        update, errors = _validated(OrderUpdate, change)
        assert errors <= PRICE_ERRORS
        if update is None or update.misfits(kind):
            both_trails = {"trail_price", "trail_percent"} <= set(change)
            assert reason is not None or both_trails, (kind, change)
        else:
            assert reason != RejectReason.INVALID_PRICE, (kind, change)


def test_prices_by_type_when_documented_then_every_type_and_its_prices_named() -> None:
    for kind, takes in TAKES.items():
        assert f"`{kind}` " in PRICES_BY_TYPE
        assert all(f"`{field}`" in PRICES_BY_TYPE for field in takes)
    assert OrderCreate.model_json_schema()["properties"]["type"]["description"] == PRICES_BY_TYPE
