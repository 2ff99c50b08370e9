"""Which prices each order type takes: one table for the request models' validation and
for their OpenAPI descriptions.

Prices that do not fit the order type are malformed input, refused at the edge with the
field named (the broker keeps its own check, `domain.validation.price_reason`, for callers
other than the API). Whether a price sits on the tick grid, or the legs on the right side
of the market, stays the broker's decision.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from pydantic import ValidationError
from pydantic_core import InitErrorDetails, PydanticCustomError

from propdesk.domain.orders import OrderType

PRICE_FIELDS = ("limit_price", "stop_price", "trail_price", "trail_percent")
TRAILS = ("trail_price", "trail_percent")

TAKES: Mapping[OrderType, tuple[str, ...]] = MappingProxyType(
    {
        OrderType.market: (),
        OrderType.limit: ("limit_price",),
        OrderType.stop: ("stop_price",),
        OrderType.stop_limit: ("limit_price", "stop_price"),
        OrderType.trailing_stop: TRAILS,  # exactly one of the two
    }
)
"""The prices each type takes. Each is required, but a trailing stop's: it takes one trail."""


def _in_words(kind: OrderType, takes: tuple[str, ...]) -> str:
    if kind is OrderType.trailing_stop:
        return f"`{kind}` one of `trail_price` and `trail_percent`"
    return f"`{kind}` " + (" and ".join(f"`{field}`" for field in takes) or "none")


PRICES_BY_TYPE = (
    "The prices each type takes: "
    + "; ".join(_in_words(kind, takes) for kind, takes in TAKES.items())
    + ". Any other price, or a missing one, is a 422 `VALIDATION_ERROR` naming it. An "
    "`oco` (a `limit` order) takes at most `limit_price`, and only its take profit's."
)
"""TAKES in words, for the API's documentation."""

LineError = tuple[str, str, str, Any]
"""(field, error type, message, input value)."""

_REQUIRED = "price_required"
_NOT_ALLOWED = "price_not_allowed"


def type_errors(kind: OrderType, prices: Mapping[str, Decimal | None]) -> list[LineError]:
    """What is wrong with `prices` (by field name, all of PRICE_FIELDS) for an order of
    type `kind`: a missing price, one it does not take, or two trails."""
    takes = TAKES[kind]
    errors: list[LineError] = []
    for field in PRICE_FIELDS:
        value = prices[field]
        if field not in takes:
            if value is not None:
                message = f"a {kind.value} order takes no {field}"
                errors.append((field, _NOT_ALLOWED, message, value))
        elif value is None and kind is not OrderType.trailing_stop:
            errors.append((field, _REQUIRED, f"a {kind.value} order needs {field}", None))
    if kind is OrderType.trailing_stop:
        errors.extend(trail_errors(prices["trail_price"], prices["trail_percent"], required=True))
    return errors


def misfit_errors(kind: OrderType, prices: Mapping[str, Decimal | None]) -> list[LineError]:
    """The prices given that an order of type `kind` does not have (a modify names only
    what it changes, so nothing is missing)."""
    return [
        (field, _NOT_ALLOWED, f"a {kind.value} order has no {field}", value)
        for field in PRICE_FIELDS
        if (value := prices[field]) is not None and field not in TAKES[kind]
    ]


def trail_errors(
    trail_price: Decimal | None, trail_percent: Decimal | None, *, required: bool
) -> list[LineError]:
    """One trail at most (exactly one when `required`)."""
    if trail_price is not None and trail_percent is not None:
        message = "one trail: trail_price or trail_percent, not both"
        return [("trail_percent", _NOT_ALLOWED, message, trail_percent)]
    if required and trail_price is None and trail_percent is None:
        message = "a trailing_stop order needs trail_price or trail_percent"
        return [("trail_price", _REQUIRED, message, None)]
    return []


def oco_errors(
    prices: Mapping[str, Decimal | None], take_profit: Decimal | None
) -> list[LineError]:
    """An OCO pair's own prices: its legs carry them; a limit price, if any, is its take
    profit's."""
    errors: list[LineError] = [
        (field, _NOT_ALLOWED, f"an oco order takes no {field}: its legs carry it", value)
        for field in ("stop_price", *TRAILS)
        if (value := prices[field]) is not None
    ]
    limit = prices["limit_price"]
    if limit is not None and take_profit is not None and limit != take_profit:
        message = "an oco order's limit_price is its take_profit's limit_price (or omitted)"
        errors.append(("limit_price", _NOT_ALLOWED, message, limit))
    return errors


def raise_if_any(title: str, errors: list[LineError]) -> None:
    """Raise `errors` as a ValidationError from inside a validator, each at its field.

    A validator raising ValueError is reported at the model, not the field; a ValidationError
    keeps its locations, prefixed with the model's own when it is nested (pydantic-core
    supports raising one directly, pydantic/pydantic-core#510), so that a refusal names
    `body.limit_price` or `body.stop_loss.stop_price`.
    """
    if errors:
        raise ValidationError.from_exception_data(title, [_line(*error) for error in errors])


def _line(field: str, kind: str, message: str, value: Any) -> InitErrorDetails:
    return InitErrorDetails(type=PydanticCustomError(kind, message), loc=(field,), input=value)
