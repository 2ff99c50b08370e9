"""Orders as traders submit and change them, and as the broker answers (Alpaca's names)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, Self

import orjson
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)
from pydantic_core import PydanticCustomError

from propdesk.api.schemas import order_prices as prices
from propdesk.api.schemas.numbers import Percent, Price, Quantity
from propdesk.domain.commands import ModifyOrder, StopLoss, SubmitOrder, TakeProfit
from propdesk.domain.orders import Order, OrderClass, OrderId, OrderSide, OrderType, TimeInForce
from propdesk.domain.validation import MAX_LABEL
from propdesk.trading.service import OrderView
from propdesk.wire.orders import OrderBase, order_fields

PRINTABLE = r"^[^\x00-\x1f\x7f]+$"
"""No control characters: ids and symbols are stored and echoed as they come."""

Symbol = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=32, pattern=PRINTABLE),
    Field(description="A catalogue symbol (case is ignored).", examples=["MNQ"]),
]
ClientOrderId = Annotated[
    str,
    StringConstraints(min_length=1, max_length=64, pattern=PRINTABLE),
    Field(
        description="Unique per account. A retry with the same id and the same body returns "
        "the original order (200); with another body it is a 409. Generated when absent.",
        examples=["scalp-0001"],
    ),
]


def printable(value: str) -> str:
    # The broker's own test (str.isprintable), so that what passes here is never refused
    # there: stricter than PRINTABLE, it refuses line and paragraph separators too.
    if not value.isprintable():
        raise PydanticCustomError(
            "string_not_printable", "must be printable: no control or separator characters"
        )
    return value


Label = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_LABEL),
    AfterValidator(printable),
]
"""A client's label: 1–64 printable characters once surrounding whitespace is stripped."""


class TakeProfitCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    limit_price: Price


class StopLossCreate(BaseModel):
    """A stop (`stop_price`), a stop-limit (`stop_price` and `limit_price`) or a trailing
    stop (one of `trail_price` and `trail_percent`, no other price)."""

    model_config = ConfigDict(extra="forbid")

    stop_price: Price | None = Field(
        default=None, description="Required, unless the leg is a trailing stop."
    )
    limit_price: Price | None = Field(
        default=None, description="Makes the stop a stop-limit; not with a trail."
    )
    trail_price: Price | None = Field(
        default=None, description="A trailing stop: the trail as a price distance."
    )
    trail_percent: Percent | None = Field(
        default=None, description="A trailing stop: the trail as a percentage of the price."
    )

    @model_validator(mode="after")
    def _prices_make_one_kind_of_stop(self) -> Self:
        given = {field: getattr(self, field) for field in prices.PRICE_FIELDS}
        errors = prices.type_errors(self.to_domain().type, given)
        prices.raise_if_any(type(self).__name__, errors)
        return self

    def to_domain(self) -> StopLoss:
        return StopLoss(self.stop_price, self.limit_price, self.trail_price, self.trail_percent)


class OrderCreate(BaseModel):
    """Prices and quantities are JSON numbers, read exactly (never through a float).

    The prices must fit the order type (a 422 `VALIDATION_ERROR` naming the field
    otherwise, and nothing is recorded); whether they fit the instrument (tick size, lot
    step) and the market is the broker's decision: a refusal is recorded as a rejected
    order and answered 422 with the reason as `code` and the order's id as `order_id`.
    """

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"symbol": "MNQ", "side": "buy", "type": "market", "qty": 2},
                {
                    "symbol": "MNQ",
                    "side": "buy",
                    "type": "limit",
                    "qty": 1,
                    "limit_price": 21000.25,
                    "time_in_force": "gtc",
                    "order_class": "bracket",
                    "take_profit": {"limit_price": 21050},
                    "stop_loss": {"stop_price": 20980},
                },
            ]
        },
    )

    symbol: Symbol
    side: OrderSide
    type: OrderType = Field(description=prices.PRICES_BY_TYPE)
    qty: Quantity
    limit_price: Price | None = Field(
        default=None,
        description="Required for `limit` and `stop_limit` orders, refused for the others. "
        "An `oco` may omit it (it is its take profit's).",
    )
    stop_price: Price | None = Field(
        default=None,
        description="Required for `stop` and `stop_limit` orders, refused for the others.",
    )
    trail_price: Price | None = Field(
        default=None,
        description="`trailing_stop` orders: the trail as a price distance. A trailing stop "
        "takes this or `trail_percent`, not both; other types take neither.",
    )
    trail_percent: Percent | None = Field(
        default=None,
        description="`trailing_stop` orders: the trail as a percentage of the price (or "
        "`trail_price`, not both).",
    )
    time_in_force: TimeInForce = TimeInForce.day
    client_order_id: ClientOrderId | None = None
    order_class: OrderClass = Field(
        default=OrderClass.simple,
        description="`bracket`: the entry with `take_profit` and `stop_loss` legs, held until "
        "it fills. `oco`: two exit orders (a limit order whose legs are `take_profit` and "
        "`stop_loss`); a fill of one cancels the other.",
    )
    take_profit: TakeProfitCreate | None = None
    stop_loss: StopLossCreate | None = None
    strategy: Label | None = Field(
        default=None,
        description="What places the order: a strategy, or your own name for a system. 1–64 "
        "printable characters (surrounding whitespace is stripped). A bracket's or an OCO's "
        "legs carry it too; the journal files the trade under it.",
        examples=["orb"],
    )
    tag: Label | None = Field(
        default=None,
        description="The setup the order is placed on, as `strategy` (1–64 printable "
        "characters, carried by the legs). Both labels are part of the body a retry repeats: "
        "the same `client_order_id` with another label is a 409.",
        examples=["A+ pullback"],
    )
    regime: Label | None = Field(
        default=None,
        description="The market regime the order is placed in (e.g. `trend_up`), as "
        "`strategy`; the journal's trip takes it, for metrics by regime. Auto-trading gives "
        "its signal's.",
    )

    @model_validator(mode="after")
    def _prices_fit_the_type(self) -> Self:
        given = {field: getattr(self, field) for field in prices.PRICE_FIELDS}
        if self.order_class is OrderClass.oco:
            tp = self.take_profit
            errors = prices.oco_errors(given, None if tp is None else tp.limit_price)
        else:
            errors = prices.type_errors(self.type, given)
        prices.raise_if_any(type(self).__name__, errors)
        return self

    def to_command(self, account_id: str) -> SubmitOrder:
        tp, sl = self.take_profit, self.stop_loss
        return SubmitOrder(
            account_id=account_id,
            symbol=self.symbol,
            side=self.side,
            qty=self.qty,
            type=self.type,
            time_in_force=self.time_in_force,
            limit_price=self.limit_price,
            stop_price=self.stop_price,
            trail_price=self.trail_price,
            trail_percent=self.trail_percent,
            client_order_id=self.client_order_id,
            order_class=self.order_class,
            take_profit=None if tp is None else TakeProfit(tp.limit_price),
            stop_loss=None if sl is None else sl.to_domain(),
            strategy=self.strategy,
            tag=self.tag,
            regime=self.regime,
        )


class OrderUpdate(BaseModel):
    """What to change in an open order; fields left out stay as they are.

    Only prices the order's type has may be changed (a 422 `VALIDATION_ERROR` naming the
    field otherwise): a limit price of `limit` and `stop_limit` orders, a stop price of
    `stop` and `stop_limit` orders, a trailing stop's trail (either kind, which replaces
    the other).
    """

    model_config = ConfigDict(extra="forbid")

    qty: Quantity | None = None
    limit_price: Price | None = Field(default=None, description="`limit` and `stop_limit`.")
    stop_price: Price | None = Field(
        default=None,
        description="`stop` and `stop_limit` (a trailing stop's follows its trail).",
    )
    trail_price: Price | None = Field(
        default=None, description="`trailing_stop`; not with `trail_percent`."
    )
    trail_percent: Percent | None = Field(
        default=None, description="`trailing_stop`; not with `trail_price`."
    )
    time_in_force: TimeInForce | None = None

    @model_validator(mode="before")
    @classmethod
    def _something(cls, data: Any) -> Any:
        if isinstance(data, dict) and not any(v is not None for v in data.values()):
            raise ValueError("name at least one field to change")
        return data

    @model_validator(mode="after")
    def _one_trail(self) -> Self:
        errors = prices.trail_errors(self.trail_price, self.trail_percent, required=False)
        prices.raise_if_any(type(self).__name__, errors)
        return self

    def misfits(self, kind: OrderType) -> list[dict[str, Any]]:
        """The prices set here that an order of type `kind` does not have, as FastAPI
        reports a body's errors (for a RequestValidationError): the order's type is only
        known once it is looked up."""
        given = {field: getattr(self, field) for field in prices.PRICE_FIELDS}
        return [
            {"type": error, "loc": ("body", field), "msg": message, "input": value}
            for field, error, message, value in prices.misfit_errors(kind, given)
        ]

    def to_command(self, account_id: str, order_id: str) -> ModifyOrder:
        return ModifyOrder(
            account_id=account_id,
            order_id=OrderId(order_id),
            qty=self.qty,
            limit_price=self.limit_price,
            stop_price=self.stop_price,
            trail_price=self.trail_price,
            trail_percent=self.trail_percent,
            time_in_force=self.time_in_force,
        )


class OrderRead(OrderBase):
    """An order as it is now (Alpaca's names); a bracket entry nests its legs."""

    legs: list[OrderRead] | None = Field(
        description="A bracket entry's legs, take profit first (null when not nested)."
    )

    @classmethod
    def of(cls, order: Order, legs: Sequence[Order] | None = None) -> Self:
        nested = None if legs is None else [cls.of(leg) for leg in legs]
        return cls(**order_fields(order), legs=nested)

    @classmethod
    def of_view(cls, view: OrderView) -> Self:
        return cls.of(view.order, view.legs)

    @staticmethod
    def json_of_view(view: OrderView) -> bytes:
        """`OrderRead.of_view(view)` as JSON, the same bytes, without building the model
        (the hot path's answer: validating and dumping the model cost ~5% of placing an
        order). Held to the model's bytes by a property test."""
        return orjson.dumps(_json_fields(view.order, view.legs), default=float, option=_UTC_Z)


_UTC_Z = orjson.OPT_UTC_Z


def _json_fields(order: Order, legs: Sequence[Order] | None) -> dict[str, Any]:
    """What OrderRead dumps, for orjson: Decimals are left for `default` (float, as `Number`
    serializes them)."""
    fields = order_fields(order)
    fields["legs"] = None if legs is None else [_json_fields(leg, None) for leg in legs]
    return fields


class CanceledOrderRead(BaseModel):
    """One result of canceling all orders, as Alpaca answers it."""

    id: str
    status: int = Field(description="200: canceled.", examples=[200])
    body: OrderRead
