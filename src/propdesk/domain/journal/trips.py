"""A round trip: one position in one symbol from flat back to flat, as the journal shows it."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from propdesk.domain.orders import OrderSide


class RiskSource(StrEnum):
    """Where a trip's 1R came from."""

    stop = "stop"
    """The initial stop: what the trip would lose had every contract it entered been stopped
    out there."""
    default = "default"
    """The account's default 1R in money (its settings): the trip had no usable stop."""


@dataclass(frozen=True, slots=True)
class TripContext:
    """What the caller knows of a fill beyond the execution: labels, and the entry's stop.

    `stop` is the stop price the entry carried (a bracket's stop leg); the journal takes it as
    the trip's initial stop under the same conditions as `Journal.set_stop`.
    """

    stop: Decimal | None = None
    strategy: str | None = None
    setup: str | None = None
    regime: str | None = None
    tags: tuple[str, ...] = ()


NO_CONTEXT = TripContext()


@dataclass(frozen=True, slots=True)
class RoundTrip:
    """One trip of an account in a symbol, flat to flat; a new value replaces it on each change.

    Prices are in the instrument's price units, money is price × quantity × point value.
    Gross P&L is realized the way the ledger realizes it (average cost, `positions.apply_fill`),
    so at every moment the trips' net P&L sums to the ledger's realized P&L less commissions.
    Over a complete trip that is also the FIFO figure: both equal the trip's cash flows,
    (Σ exit qty × price − Σ entry qty × price) × direction × point value; only an open trip's
    realized part after a partial exit can differ from a FIFO match of its lots.

    Excursions (MAE adverse, MFE favourable, both ≥ 0) are measured at every mark of the open
    trip, fill prices included (a fill marks the trip before its quantity applies): in price
    points from the trip's average entry at that moment, and in money as that excursion ×
    the quantity held at that moment × point value. Each is the largest seen; the price and
    the money maximum may come from different marks.
    """

    id: str
    """`{account_id}:{symbol}:{seq}`: deterministic, so a rebuild gives the same ids."""
    seq: int
    """1 for the account's first trip in the symbol, 2 for the next, …"""
    account_id: str
    symbol: str
    side: OrderSide
    """The entry's side: buy = long, sell = short."""
    point_value: Decimal
    opened_at: float
    closed_at: float | None
    """None while open."""
    qty: Decimal
    """Held now (unsigned; 0 once closed)."""
    open_cost: Decimal
    """Σ qty × price of the contracts held now, as the ledger's position carries it."""
    entry_qty: Decimal
    """All the quantity the trip entered (scale-ins included)."""
    entry_value: Decimal
    """Σ qty × price of the entries: the exact numerator of the average entry."""
    exit_qty: Decimal
    exit_value: Decimal
    max_qty: Decimal
    """The largest quantity held at any moment of the trip."""
    gross_pnl: Decimal
    """Money realized on the exit quantity so far, before fees."""
    fees: Decimal
    """The commissions of the trip's fills; a reversal's is split by quantity."""
    mae_price: Decimal
    mfe_price: Decimal
    mae: Decimal
    mfe: Decimal
    risk: Decimal | None
    """1R in money; None when there is neither a usable stop nor an account default."""
    risk_source: RiskSource | None
    initial_stop: Decimal | None
    strategy: str | None
    setup: str | None
    regime: str | None
    tags: tuple[str, ...]
    notes: str
    screenshot_url: str | None
    fill_ids: tuple[str, ...]
    order_ids: tuple[str, ...]
    """Each order once, in the order its first fill came."""
    updated_at: float

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    @property
    def duration(self) -> float | None:
        """Seconds from the first entry to the last exit; None while open."""
        return None if self.closed_at is None else self.closed_at - self.opened_at

    @property
    def avg_entry_price(self) -> Decimal:
        return self.entry_value / self.entry_qty

    @property
    def avg_exit_price(self) -> Decimal | None:
        return self.exit_value / self.exit_qty if self.exit_qty else None

    @property
    def net_pnl(self) -> Decimal:
        return self.gross_pnl - self.fees

    @property
    def r_multiple(self) -> Decimal | None:
        """Net P&L in multiples of the trip's risk; None without one."""
        return None if self.risk is None else self.net_pnl / self.risk
