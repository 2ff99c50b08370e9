"""Prices and quantities as clients send them: JSON numbers, Decimal inside, bounded at the edge.

The bounds are the store's (NUMERIC(30, 10): ten decimals at most) and common sense; whether
a price sits on the instrument's tick grid or a quantity on its lot step is the broker's
decision, which it records as a rejected order. Numbers the server answers are
`propdesk.wire.numbers.Number`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import BeforeValidator, Field, WithJsonSchema

MAX_QTY = Decimal("1e9")
MAX_PRICE = Decimal("1e12")
MAX_DECIMALS = 10


def json_number(value: object) -> object:
    """Numbers only: `"2"` is refused (one spelling per value), `true` is not 1.

    Bodies parsed by ExactJSONRoute hold Decimals and ints; a float can only be NaN or
    infinity (Python's JSON reader knows those words), which the finiteness check refuses.
    """
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise ValueError("must be a JSON number")
    if isinstance(value, float):
        return Decimal(repr(value))
    return value


def _number_schema(maximum: Decimal, *, exclusive: bool = False) -> WithJsonSchema:
    bound = "exclusiveMaximum" if exclusive else "maximum"
    return WithJsonSchema({"type": "number", "exclusiveMinimum": 0, bound: float(maximum)})


# The bounds come before the BeforeValidator, so that pydantic checks them in its core (after
# json_number, as before): placed after it, they ran as Python validators, 3x slower.
Quantity = Annotated[
    Decimal,
    Field(gt=0, le=MAX_QTY, decimal_places=MAX_DECIMALS, allow_inf_nan=False),
    BeforeValidator(json_number),
    _number_schema(MAX_QTY),
]
"""Contracts, shares or coins: positive, at most 1e9, ten decimals at most."""
Price = Annotated[
    Decimal,
    Field(gt=0, le=MAX_PRICE, decimal_places=MAX_DECIMALS, allow_inf_nan=False),
    BeforeValidator(json_number),
    _number_schema(MAX_PRICE),
]
"""A positive price (or trail distance), at most 1e12, ten decimals at most."""
Percent = Annotated[
    Decimal,
    Field(gt=0, lt=100, decimal_places=MAX_DECIMALS, allow_inf_nan=False),
    BeforeValidator(json_number),
    _number_schema(Decimal(100), exclusive=True),
]
"""A percentage strictly between 0 and 100 (a trailing stop's trail)."""
