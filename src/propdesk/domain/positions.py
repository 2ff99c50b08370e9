"""Net positions per symbol per account: average-cost entry, realized and unrealized P&L."""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal, Inexact, localcontext
from enum import StrEnum

from propdesk.domain.bars import Tick
from propdesk.domain.orders import ZERO, OrderSide

COST_QUANTUM = Decimal("1e-10")
"""Rounding of the cost a partial close takes out of a position built at several prices."""


class PositionSide(StrEnum):
    """Which way a net position leans: the sign of its quantity."""

    long = "long"
    short = "short"
    flat = "flat"


class MarkPrice(StrEnum):
    """The price open positions are valued at."""

    quote = "quote"
    """What closing would get: the bid for a long, the ask for a short (the default)."""
    last = "last"


@dataclass(frozen=True, slots=True)
class Position:
    """`qty` is signed (long > 0, short < 0); a flat position keeps its realized P&L.

    `cost` is Σ |qty| × price of the contracts still open (price units), so the average entry
    is exact. Reducing a position takes cost out pro rata; when that division does not
    terminate it is rounded to COST_QUANTUM and the rounding stays in the open contracts'
    cost, so the realized P&L of a round trip always equals its cash flows exactly.
    """

    account_id: str
    symbol: str
    qty: Decimal = ZERO
    cost: Decimal = ZERO
    realized_pnl: Decimal = ZERO
    """Money, over the account's life in this symbol."""
    opened_at: float | None = None
    updated_at: float | None = None

    @property
    def side(self) -> PositionSide:
        if self.qty > 0:
            return PositionSide.long
        return PositionSide.short if self.qty < 0 else PositionSide.flat

    @property
    def avg_price(self) -> Decimal | None:
        return self.cost / abs(self.qty) if self.qty else None

    def cost_basis(self, point_value: Decimal) -> Decimal:
        """Money: the open contracts' entry cost × `point_value`, signed as `qty` (0 when flat)."""
        basis = self.cost * point_value
        return -basis if self.qty < 0 else basis

    def unrealized_pnl(self, mark: Decimal, point_value: Decimal) -> Decimal:
        if self.qty == 0:
            return ZERO
        direction = 1 if self.qty > 0 else -1
        return (abs(self.qty) * mark - self.cost) * direction * point_value


def apply_fill(
    position: Position,
    side: OrderSide,
    qty: Decimal,
    price: Decimal,
    point_value: Decimal,
    ts: float,
) -> tuple[Position, Decimal]:
    """The position after a fill, and the P&L (money) the fill realized.

    A fill through zero closes the old side at its average cost and opens the rest at `price`.
    """
    held = position.qty
    signed = qty * side.sign
    if held == 0 or (held > 0) == (signed > 0):
        opened_at = position.opened_at if held else ts
        grown = replace(
            position,
            qty=held + signed,
            cost=position.cost + qty * price,
            opened_at=opened_at,
            updated_at=ts,
        )
        return grown, ZERO
    size = abs(held)
    closed = min(qty, size)
    taken = position.cost if closed == size else pro_rata(position.cost, closed, size)
    direction = 1 if held > 0 else -1
    realized = (closed * price - taken) * direction * point_value
    total = position.realized_pnl + realized
    if closed < size:
        reduced = held + signed
        after = replace(
            position, qty=reduced, cost=position.cost - taken, realized_pnl=total, updated_at=ts
        )
    elif qty > closed:  # reversal: the rest opens the other side at the fill price
        rest = qty - closed
        after = replace(
            position,
            qty=rest * side.sign,
            cost=rest * price,
            realized_pnl=total,
            opened_at=ts,
            updated_at=ts,
        )
    else:
        after = replace(
            position, qty=ZERO, cost=ZERO, realized_pnl=total, opened_at=None, updated_at=ts
        )
    return after, realized


def pro_rata(cost: Decimal, part: Decimal, whole: Decimal) -> Decimal:
    """The cost share of `part` of `whole` contracts, to at most COST_QUANTUM.

    The journal splits a position's cost and a reversal's commission with it, so that its
    figures are the ledger's to the last digit.

    Even an exact share is rounded when it is finer than that: carried on, its digits would
    outgrow the context's precision in later sums (which would then round silently) and
    the store's NUMERIC(30, 10).
    """
    with localcontext() as context:
        context.clear_flags()
        share = cost * part / whole
        exact = not context.flags[Inexact]
    if exact and share == share.quantize(COST_QUANTUM):
        return share
    return share.quantize(COST_QUANTUM)


def mark_price(qty: Decimal, tick: Tick, mark: MarkPrice) -> Decimal:
    """The price a position of `qty` is valued at under `mark`."""
    if mark is MarkPrice.last:
        return tick.last
    return tick.bid if qty > 0 else tick.ask
