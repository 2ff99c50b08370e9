"""What the server's updates carry: bars, quotes, orders, executions, positions, accounts,
risk, round trips, signals and regimes, built from domain values.

Prices and quantities are JSON numbers (floats on the wire, Decimal inside), times of trading
state are ISO 8601 UTC, market data times (`ts`) are UNIX seconds as in every bar stream.
Order, execution and position field names follow Alpaca's, as the REST schemas do; an order
is the very model REST answers (`propdesk.wire.orders`), so its numbers are Decimal inside.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from propdesk.domain.bars import Bar, Tick
from propdesk.domain.ledger import AccountSnapshot, Ledger
from propdesk.domain.orders import Fill, Liquidity, Order, OrderSide
from propdesk.domain.positions import Position, PositionSide
from propdesk.wire.journal import TradeBase
from propdesk.wire.orders import OrderBase
from propdesk.wire.risk import RiskBase
from propdesk.wire.signals import RegimeBase, SignalBase


def number(value: Decimal) -> float:
    return float(value)


def maybe_number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def at(ts: float | None) -> datetime | None:
    return None if ts is None else datetime.fromtimestamp(ts, UTC)


class Payload(BaseModel):
    # Built by the server from domain values (validated there); a client reading them ignores
    # fields it does not know, so that the server can add some.
    model_config = ConfigDict(
        frozen=True, extra="ignore", json_schema_serialization_defaults_required=True
    )


# --- market data ----------------------------------------------------------------------------


class BarPayload(Payload):
    """OHLCV over [ts, ts + resolution)."""

    ts: int = Field(description="The bar's opening second (UNIX).")
    open: float
    high: float
    low: float
    close: float
    volume: float

    @classmethod
    def of(cls, bar: Bar) -> BarPayload:
        return cls.model_construct(
            ts=bar.ts,
            open=bar.open,
            high=bar.high,
            low=bar.low,
            close=bar.close,
            volume=bar.volume,
        )


class QuotePayload(Payload):
    """The last print with the quote around it, and the figures of its trading day."""

    ts: float = Field(description="UNIX seconds of the print.")
    last: float
    bid: float
    ask: float
    size: float = Field(description="Size of the last print.")
    open: float | None = Field(default=None, description="The trading day's first price.")
    high: float | None = None
    low: float | None = None
    volume: float | None = Field(default=None, description="The trading day's volume.")
    previous_close: float | None = Field(
        default=None, description="The close of the trading day before."
    )
    change: float | None = Field(default=None, description="last − previous_close.")
    change_percent: float | None = None
    trading_day: date | None = None

    @classmethod
    def of_tick(cls, tick: Tick) -> QuotePayload:
        return cls.model_construct(
            ts=tick.ts,
            last=float(tick.last),
            bid=float(tick.bid),
            ask=float(tick.ask),
            size=float(tick.size),
            open=None,
            high=None,
            low=None,
            volume=None,
            previous_close=None,
            change=None,
            change_percent=None,
            trading_day=None,
        )


# --- trading state --------------------------------------------------------------------------


class OrderPayload(OrderBase, Payload):
    """An order as it is now (Alpaca's names): the REST order's fields, without nested legs."""


class ExecutionPayload(Payload):
    """One fill: part or all of an order, at one price."""

    id: str
    order_id: str
    client_order_id: str
    account_id: str
    symbol: str
    side: OrderSide
    type: Literal["fill", "partial_fill"] = Field(
        description="`partial_fill`: more of the order remains working."
    )
    qty: float
    price: float
    commission: float
    liquidity: Liquidity = Field(
        description="`taker`: took the quote; `maker`: a resting limit filled at its price."
    )
    cum_qty: float = Field(description="The order's filled quantity after this fill.")
    leaves_qty: float = Field(description="The order's quantity still working after it.")
    transacted_at: datetime

    @classmethod
    def of(cls, fill: Fill, order: Order, *, partial: bool) -> ExecutionPayload:
        return cls(
            id=fill.id,
            order_id=fill.order_id,
            client_order_id=order.client_order_id,
            account_id=fill.account_id,
            symbol=fill.symbol,
            side=fill.side,
            type="partial_fill" if partial else "fill",
            qty=number(fill.qty),
            price=number(fill.price),
            commission=number(fill.commission),
            liquidity=fill.liquidity,
            cum_qty=number(order.filled_qty),
            leaves_qty=number(order.open_qty) if order.is_open else 0.0,
            transacted_at=datetime.fromtimestamp(fill.ts, UTC),
        )


class PositionPayload(Payload):
    """A net position in one symbol; `qty` 0 (`flat`) once it is closed.

    Marked-to-market figures are not here: they move with every tick (subscribe to the
    symbol's quotes) and the REST position answers them.
    """

    account_id: str
    symbol: str
    qty: float = Field(description="Signed: positive long, negative short.")
    side: PositionSide
    avg_entry_price: float | None = Field(description="Null when flat.")
    cost_basis: float | None = Field(
        description="Money: entry cost × point value (signed as `qty`); null when the symbol "
        "is not in the catalogue."
    )
    realized_pl: float = Field(description="Realized in this symbol over the account's life.")
    opened_at: datetime | None
    updated_at: datetime | None

    @classmethod
    def of(cls, position: Position, point_value: Decimal | None) -> PositionPayload:
        return cls(
            account_id=position.account_id,
            symbol=position.symbol,
            qty=number(position.qty),
            side=position.side,
            avg_entry_price=maybe_number(position.avg_price),
            cost_basis=None if point_value is None else number(position.cost_basis(point_value)),
            realized_pl=number(position.realized_pnl),
            opened_at=at(position.opened_at),
            updated_at=at(position.updated_at),
        )


class AccountPayload(Payload):
    """The money of a paper account. The valued figures (`equity` …) need the read model's
    valuation: they are null when the gateway has no reader of committed state."""

    account_id: str
    starting_balance: float
    balance: float = Field(description="Cash: starting balance + realized P&L − commissions.")
    realized_pl: float
    commissions: float
    realized_pl_today: float
    commissions_today: float
    trading_day: date
    equity: float | None = Field(description="balance + unrealized P&L.")
    unrealized_pl: float | None
    margin_used: float | None
    buying_power: float | None = Field(description="equity − margin_used.")
    pl_today: float | None = Field(
        description="realized today − commissions today + unrealized P&L."
    )
    updated_at: datetime | None

    @classmethod
    def of(cls, ledger: Ledger, valued: AccountSnapshot | None = None) -> AccountPayload:
        unrealized = None if valued is None else valued.unrealized_pnl
        margin = None if valued is None else valued.margin_used
        equity = None if unrealized is None else ledger.balance + unrealized
        return cls(
            account_id=ledger.account_id,
            starting_balance=number(ledger.starting_balance),
            balance=number(ledger.balance),
            realized_pl=number(ledger.realized_pnl),
            commissions=number(ledger.commissions),
            realized_pl_today=number(ledger.realized_pnl_today),
            commissions_today=number(ledger.commissions_today),
            trading_day=ledger.trading_day,
            equity=maybe_number(equity),
            unrealized_pl=maybe_number(unrealized),
            margin_used=maybe_number(margin),
            buying_power=None if equity is None or margin is None else float(equity - margin),
            pl_today=None
            if unrealized is None
            else float(ledger.realized_pnl_today - ledger.commissions_today + unrealized),
            updated_at=at(ledger.updated_at),
        )


class RiskPayload(RiskBase, Payload):
    """An account's standing against its prop-firm rules, the same as REST's `GET risk`:
    sent on every change of its risk state (a trade, a breach, a lock, the roll) and of its
    money."""


class TradePayload(TradeBase, Payload):
    """One round trip of the journal, the very model REST's journal answers."""


# --- signals and regimes -------------------------------------------------------------------


class SignalPayload(SignalBase, Payload):
    """A running strategy's signal, the very model REST's signals answer (without the
    parameters: `GET /api/v1/signals` has them)."""


class RegimePayload(RegimeBase, Payload):
    """A symbol's regime after a closed bar of the resolution, sent after every bar once the
    classifier is warm (REST's `GET /api/v1/market/regime/{symbol}` answers the latest)."""

    changed: bool = Field(
        description="This bar began a new regime (it is kept in the regime's history)."
    )
