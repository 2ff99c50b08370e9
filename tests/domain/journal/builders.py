"""Fills for the journal tests, with plain literals: `fill("buy", 2, "20000.25")`."""

from __future__ import annotations

from decimal import Decimal
from itertools import count

from propdesk.domain.orders import Fill, FillId, Liquidity, OrderId, OrderSide

from ..builders import ACCOUNT, NOW, d

MNQ_POINT = Decimal(2)
_ids = count(1)


def fill(
    side: str,
    qty: object,
    price: object,
    *,
    commission: object = 0,
    at: float = NOW,
    order: str | None = None,
    symbol: str = "MNQ",
    account: str = ACCOUNT,
) -> Fill:
    """One execution; every fill gets a fresh id, and its own order unless `order` is given."""
    n = next(_ids)
    return Fill(
        FillId(f"f{n}"),
        OrderId(order or f"o{n}"),
        account,
        symbol,
        OrderSide(side),
        d(qty),
        d(price),
        d(commission),
        Liquidity.taker,
        at,
    )
