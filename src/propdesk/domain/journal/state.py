"""The mutable state of an open round trip, which the journal freezes into RoundTrips."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from propdesk.domain.journal.trips import RiskSource, RoundTrip, TripContext
from propdesk.domain.orders import ZERO, Fill, OrderSide

DefaultRisk = Callable[[str], Decimal | None]
"""An account's default 1R in money (its settings), or None when it has none."""

_BUY = OrderSide.buy


class TripState:
    """The mutable state of one open trip; frozen into a RoundTrip when someone needs one.

    `low` and `high` bound the marks since the last fill, starting from the average entry
    (whose excursion is nil): the average entry and the quantity held stay put between
    fills, so an excursion is monotonic in the price there and a mark inside [low, high]
    cannot beat a maximum. That makes most marks two comparisons.

    The ids and tags are tuples grown in place of lists: a frozen trip shares them as they
    are, and a rebuild leaves the garbage collector half the containers to track.
    """

    __slots__ = (
        "account_id",
        "cost",
        "default_risk",
        "direction",
        "entry_qty",
        "entry_value",
        "exit_qty",
        "exit_value",
        "fees",
        "fill_ids",
        "gross",
        "high",
        "id",
        "initial_stop",
        "low",
        "mae",
        "mae_price",
        "max_qty",
        "mfe",
        "mfe_price",
        "notes",
        "opened_at",
        "order_ids",
        "point_value",
        "qty",
        "regime",
        "screenshot_url",
        "seq",
        "setup",
        "side",
        "strategy",
        "symbol",
        "tags",
        "updated_at",
    )

    account_id: str
    symbol: str
    seq: int
    id: str
    side: OrderSide
    direction: int
    point_value: Decimal
    opened_at: float
    updated_at: float
    qty: Decimal
    cost: Decimal
    entry_qty: Decimal
    entry_value: Decimal
    exit_qty: Decimal
    exit_value: Decimal
    max_qty: Decimal
    gross: Decimal
    fees: Decimal
    mae_price: Decimal
    mfe_price: Decimal
    mae: Decimal
    mfe: Decimal
    low: Decimal
    high: Decimal
    default_risk: Decimal | None
    initial_stop: Decimal | None
    strategy: str | None
    setup: str | None
    regime: str | None
    tags: tuple[str, ...]
    notes: str
    screenshot_url: str | None
    fill_ids: tuple[str, ...]
    order_ids: tuple[str, ...]

    def excursion(self, price: Decimal) -> bool:
        """Takes `price` as a mark; True when MAE or MFE (price or money) grew."""
        if self.low <= price <= self.high:
            return False
        if price > self.high:
            self.high = price
        if price < self.low:
            self.low = price
        entry_qty = self.entry_qty
        # The excursion × entry_qty, exact: (price − entry_value / entry_qty) × direction.
        scaled = price * entry_qty - self.entry_value
        if self.direction < 0:
            scaled = -scaled
        if scaled > 0:
            points = scaled / entry_qty
            money = scaled * self.qty * self.point_value / entry_qty
            grew = False
            if points > self.mfe_price:
                self.mfe_price, grew = points, True
            if money > self.mfe:
                self.mfe, grew = money, True
            return grew
        if scaled < 0:
            points = -scaled / entry_qty
            money = -scaled * self.qty * self.point_value / entry_qty
            grew = False
            if points > self.mae_price:
                self.mae_price, grew = points, True
            if money > self.mae:
                self.mae, grew = money, True
            return grew
        return False

    def risk(self) -> tuple[Decimal | None, RiskSource | None]:
        stop = self.initial_stop
        if stop is not None:
            at_stop = (self.entry_value - stop * self.entry_qty) * self.direction
            if at_stop > 0:
                return at_stop * self.point_value, RiskSource.stop
        if self.default_risk is not None:
            return self.default_risk, RiskSource.default
        return None, None

    def take_stop(self, stop: Decimal, ts: float, window: float) -> bool:
        """Records `stop` as the initial stop if it may be one; True when it was."""
        if self.initial_stop is not None or ts - self.opened_at > window:
            return False
        if (self.entry_value - stop * self.entry_qty) * self.direction <= 0:
            return False  # not on the losing side of the average entry: no risk to measure
        self.initial_stop = stop
        return True

    def label(self, context: TripContext) -> None:
        """Labels the trip from a fill's context: the first value given for each sticks."""
        if self.strategy is None:
            self.strategy = context.strategy
        if self.setup is None:
            self.setup = context.setup
        if self.regime is None:
            self.regime = context.regime
        for tag in context.tags:
            if tag not in self.tags:
                self.tags += (tag,)

    def freeze(self, closed_at: float | None) -> RoundTrip:
        risk, source = self.risk()
        return RoundTrip(
            self.id,
            self.seq,
            self.account_id,
            self.symbol,
            self.side,
            self.point_value,
            self.opened_at,
            closed_at,
            self.qty,
            self.cost,
            self.entry_qty,
            self.entry_value,
            self.exit_qty,
            self.exit_value,
            self.max_qty,
            self.gross,
            self.fees,
            self.mae_price,
            self.mfe_price,
            self.mae,
            self.mfe,
            risk,
            source,
            self.initial_stop,
            self.strategy,
            self.setup,
            self.regime,
            self.tags,
            self.notes,
            self.screenshot_url,
            self.fill_ids,
            self.order_ids,
            self.updated_at,
        )


def positive(amount: Decimal | None) -> Decimal | None:
    return amount if amount is not None and amount > 0 else None


def opened(
    key: tuple[str, str], seq: int, fill: Fill, qty: Decimal, fees: Decimal, point_value: Decimal
) -> TripState:
    """The state of trip `seq` of `key` (account, symbol), opened by `qty` of `fill` (a
    reversal's remainder, or all of it); its default risk is the journal's to set."""
    account_id, symbol = key
    price = fill.price
    value = qty * price
    state = TripState()
    state.account_id = account_id
    state.symbol = symbol
    state.seq = seq
    state.id = f"{account_id}:{symbol}:{seq}"
    state.side = fill.side
    state.direction = 1 if fill.side is _BUY else -1
    state.point_value = point_value
    state.opened_at = state.updated_at = fill.ts
    state.qty = state.entry_qty = state.max_qty = qty
    state.cost = state.entry_value = value
    state.exit_qty = state.exit_value = state.gross = ZERO
    state.fees = fees
    state.mae_price = state.mfe_price = state.mae = state.mfe = ZERO
    state.low = state.high = price
    state.default_risk = None
    state.initial_stop = None
    state.strategy = state.setup = state.regime = None
    state.tags = ()
    state.notes = ""
    state.screenshot_url = None
    state.fill_ids = (fill.id,)
    state.order_ids = (fill.order_id,)
    return state


def thaw(trip: RoundTrip, default_risk: DefaultRisk) -> TripState:
    """The open state a stored open trip stands for (its marks' bounds start afresh)."""
    state = TripState()
    state.account_id = trip.account_id
    state.symbol = trip.symbol
    state.seq = trip.seq
    state.id = trip.id
    state.side = trip.side
    state.direction = 1 if trip.side is _BUY else -1
    state.point_value = trip.point_value
    state.opened_at = trip.opened_at
    state.updated_at = trip.updated_at
    state.qty = trip.qty
    state.cost = trip.open_cost
    state.entry_qty = trip.entry_qty
    state.entry_value = trip.entry_value
    state.exit_qty = trip.exit_qty
    state.exit_value = trip.exit_value
    state.max_qty = trip.max_qty
    state.gross = trip.gross_pnl
    state.fees = trip.fees
    state.mae_price = trip.mae_price
    state.mfe_price = trip.mfe_price
    state.mae = trip.mae
    state.mfe = trip.mfe
    # The marks' bounds start at the average entry, whose excursion is nil: no mark inside
    # them can beat a stored maximum, as after any fill.
    state.low = state.high = trip.entry_value / trip.entry_qty
    # A trip measured from its stop kept no default; today's stands in, should scale-ins
    # beyond the stop ever leave nothing at risk.
    if trip.risk_source is RiskSource.default:
        state.default_risk = trip.risk
    elif trip.risk_source is RiskSource.stop:
        state.default_risk = positive(default_risk(trip.account_id))
    else:
        state.default_risk = None
    state.initial_stop = trip.initial_stop
    state.strategy = trip.strategy
    state.setup = trip.setup
    state.regime = trip.regime
    state.tags = trip.tags
    state.notes = trip.notes
    state.screenshot_url = trip.screenshot_url
    state.fill_ids = trip.fill_ids
    state.order_ids = trip.order_ids
    return state
