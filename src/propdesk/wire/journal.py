"""A round trip of the journal as the server answers it, over REST and the WebSocket alike."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field

from propdesk.domain.journal import RiskSource, RoundTrip
from propdesk.domain.orders import OrderSide
from propdesk.wire.numbers import Number

R_PLACES = Decimal("0.0001")
"""R multiples are given to four places (half to even)."""


def _time(ts: float | None) -> datetime | None:
    return None if ts is None else datetime.fromtimestamp(ts, UTC)


def r_of(trip: RoundTrip, default_risk: Decimal | None) -> tuple[Decimal | None, RiskSource | None]:
    """The trip's 1R in money and where it came from: its initial stop when it had one,
    else the account's `risk_per_trade` now (`default_risk`), else none."""
    if trip.risk is not None:
        return trip.risk, trip.risk_source
    if default_risk is not None and default_risk > 0:
        return default_risk, RiskSource.default
    return None, None


class TradeBase(BaseModel):
    """One round trip: a position in one symbol from flat back to flat (open until then).

    Money is price × quantity × point value, in the account's currency. Gross P&L is what the
    exits realized (average cost, as the account's ledger realizes it: over a whole trip it
    is the first-in-first-out figure too); fees are the commissions of the trip's fills (a
    reversal's split by quantity); net = gross − fees. MAE and MFE are the largest adverse
    and favourable excursions of the marks (the closing side of the quote) from the average
    entry while the trip was open: in points, and in money at the quantity held then. An open
    trip shows them as of its last fill; a closed one's cover every mark.
    """

    model_config = ConfigDict(frozen=True)

    id: str = Field(description="`{account_id}:{symbol}:{n}`, n counting the symbol's trips.")
    account_id: uuid.UUID
    symbol: str
    side: Literal["long", "short"]
    status: Literal["open", "closed"]
    opened_at: datetime
    closed_at: datetime | None
    duration: float | None = Field(
        description="Seconds from the first entry to the last exit, to the millisecond."
    )
    qty: Number = Field(description="Held now (0 once closed).")
    entry_qty: Number = Field(description="All the quantity entered, scale-ins included.")
    exit_qty: Number
    max_qty: Number = Field(description="The largest quantity held at any moment.")
    avg_entry_price: Number
    avg_exit_price: Number | None
    gross_pnl: Number
    fees: Number
    net_pnl: Number
    mae_price: Number = Field(description="Maximum adverse excursion, in points (≥ 0).")
    mfe_price: Number = Field(description="Maximum favourable excursion, in points (≥ 0).")
    mae: Number = Field(description="Maximum adverse excursion in money (≥ 0).")
    mfe: Number = Field(description="Maximum favourable excursion in money (≥ 0).")
    initial_stop: Number | None = Field(
        description="The entry's stop (a bracket's stop leg, or a stop placed within a minute "
        "of the entry), when it had one."
    )
    risk: Number | None = Field(
        description="1R in money: (average entry − initial stop) × quantity entered × point "
        "value, or the account's `risk_per_trade` without a stop; null without either."
    )
    risk_source: RiskSource | None = Field(description="Which of the two `risk` is.")
    r_multiple: Number | None = Field(description="net_pnl ÷ risk, to four places.")
    strategy: str | None = Field(description="The entry order's `strategy`.")
    setup: str | None = Field(description="The entry order's `tag`, or the trader's own.")
    regime: str | None = Field(description="The market regime when it opened; null for now.")
    tags: list[str]
    notes: str
    screenshot_url: str | None
    order_ids: list[str]
    fill_ids: list[str]
    updated_at: datetime

    @classmethod
    def of(cls, trip: RoundTrip, default_risk: Decimal | None = None) -> Self:
        risk, source = r_of(trip, default_risk)
        r = None if risk is None else (trip.net_pnl / risk).quantize(R_PLACES, ROUND_HALF_EVEN)
        return cls(
            id=trip.id,
            account_id=uuid.UUID(trip.account_id),
            symbol=trip.symbol,
            side="long" if trip.side is OrderSide.buy else "short",
            status="open" if trip.is_open else "closed",
            opened_at=datetime.fromtimestamp(trip.opened_at, UTC),
            closed_at=_time(trip.closed_at),
            duration=None if trip.duration is None else round(trip.duration, 3),
            qty=trip.qty,
            entry_qty=trip.entry_qty,
            exit_qty=trip.exit_qty,
            max_qty=trip.max_qty,
            avg_entry_price=trip.avg_entry_price,
            avg_exit_price=trip.avg_exit_price,
            gross_pnl=trip.gross_pnl,
            fees=trip.fees,
            net_pnl=trip.net_pnl,
            mae_price=trip.mae_price,
            mfe_price=trip.mfe_price,
            mae=trip.mae,
            mfe=trip.mfe,
            initial_stop=trip.initial_stop,
            risk=risk,
            risk_source=source,
            r_multiple=r,
            strategy=trip.strategy,
            setup=trip.setup,
            regime=trip.regime,
            tags=list(trip.tags),
            notes=trip.notes,
            screenshot_url=trip.screenshot_url,
            order_ids=list(trip.order_ids),
            fill_ids=list(trip.fill_ids),
            updated_at=datetime.fromtimestamp(trip.updated_at, UTC),
        )
