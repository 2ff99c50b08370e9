"""How many contracts a signal is traded with: a fixed quantity, or a risk in R."""

from __future__ import annotations

from decimal import ROUND_FLOOR, Decimal

from propdesk.domain.instruments import Instrument
from propdesk.domain.strategies import Signal

ZERO = Decimal(0)


def risk_sized_qty(signal: Signal, instrument: Instrument, risk_r: Decimal, r: Decimal) -> Decimal:
    """`risk_r` × `r` (the account's R in money) ÷ what one contract loses at the stop
    (|entry − stop| × point value), floored to the lot step: so the stop never loses more
    than asked. Zero when not even one lot step fits."""
    per_contract = signal.risk * instrument.point_value
    if per_contract <= 0 or risk_r <= 0 or r <= 0:
        return ZERO
    steps = (risk_r * r / per_contract / instrument.lot_step).to_integral_value(ROUND_FLOOR)
    return steps * instrument.lot_step
