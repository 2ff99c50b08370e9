"""Trading rows <-> domain: orders, fills, positions and ledgers as column values and back."""

from __future__ import annotations

import uuid
from dataclasses import fields
from datetime import UTC, datetime
from typing import Any

from propdesk.domain import codec
from propdesk.domain.journal import RiskSource, RoundTrip
from propdesk.domain.ledger import Ledger
from propdesk.domain.orders import (
    Fill,
    FillId,
    LegRole,
    Liquidity,
    Order,
    OrderClass,
    OrderId,
    OrderSide,
    OrderStatus,
    OrderType,
    TimeInForce,
)
from propdesk.domain.positions import Position
from propdesk.domain.risk.state import RiskState
from propdesk.store.models import ExecutionRow, LedgerRow, OrderRow, PositionRow, TripRow

ORDERS = OrderRow.__table__
EXECUTIONS = ExecutionRow.__table__
POSITIONS = PositionRow.__table__
LEDGERS = LedgerRow.__table__

_ORDER_TIMES = ("created_at", "updated_at", "filled_at", "canceled_at", "expired_at", "expires_at")
_ORDER_FIELDS = tuple(f.name for f in fields(Order))


def to_datetime(ts: float | None) -> datetime | None:
    return None if ts is None else datetime.fromtimestamp(ts, UTC)


def _ts(value: datetime | None) -> float | None:
    return None if value is None else value.timestamp()


def _account(account_id: str) -> uuid.UUID:
    return uuid.UUID(account_id)


def _order_values(order: Order) -> dict[str, Any]:
    values: dict[str, Any] = {name: getattr(order, name) for name in _ORDER_FIELDS}
    values["account_id"] = _account(order.account_id)
    for name in _ORDER_TIMES:
        values[name] = to_datetime(values[name])
    for name in ("side", "type", "time_in_force", "status", "order_class", "leg"):
        if values[name] is not None:
            values[name] = str(values[name])
    return values


def order_from_row(row: Any) -> Order:
    return Order(
        id=OrderId(row.id),
        account_id=str(row.account_id),
        client_order_id=row.client_order_id,
        symbol=row.symbol,
        side=OrderSide(row.side),
        type=OrderType(row.type),
        qty=row.qty,
        time_in_force=TimeInForce(row.time_in_force),
        status=OrderStatus(row.status),
        created_at=row.created_at.timestamp(),
        updated_at=row.updated_at.timestamp(),
        seq=row.seq,
        order_class=OrderClass(row.order_class),
        limit_price=row.limit_price,
        stop_price=row.stop_price,
        trail_price=row.trail_price,
        trail_percent=row.trail_percent,
        water_mark=row.water_mark,
        triggered=row.triggered,
        filled_qty=row.filled_qty,
        filled_value=row.filled_value,
        filled_at=_ts(row.filled_at),
        canceled_at=_ts(row.canceled_at),
        expired_at=_ts(row.expired_at),
        expires_at=_ts(row.expires_at),
        parent_id=None if row.parent_id is None else OrderId(row.parent_id),
        leg=None if row.leg is None else LegRole(row.leg),
        sibling_id=None if row.sibling_id is None else OrderId(row.sibling_id),
        reject_reason=row.reject_reason,
        fingerprint=row.fingerprint,
        strategy=row.strategy,
        tag=row.tag,
        regime=row.regime,
    )


def _fill_values(fill: Fill) -> dict[str, Any]:
    return {
        "id": fill.id,
        "order_id": fill.order_id,
        "account_id": _account(fill.account_id),
        "symbol": fill.symbol,
        "side": str(fill.side),
        "qty": fill.qty,
        "price": fill.price,
        "commission": fill.commission,
        "liquidity": str(fill.liquidity),
        "ts": to_datetime(fill.ts),
    }


def fill_from_row(row: Any) -> Fill:
    return Fill(
        id=FillId(row.id),
        order_id=OrderId(row.order_id),
        account_id=str(row.account_id),
        symbol=row.symbol,
        side=OrderSide(row.side),
        qty=row.qty,
        price=row.price,
        commission=row.commission,
        liquidity=Liquidity(row.liquidity),
        ts=row.ts.timestamp(),
    )


def _position_values(position: Position) -> dict[str, Any]:
    return {
        "account_id": _account(position.account_id),
        "symbol": position.symbol,
        "qty": position.qty,
        "cost": position.cost,
        "realized_pnl": position.realized_pnl,
        "opened_at": to_datetime(position.opened_at),
        "updated_at": to_datetime(position.updated_at),
    }


def _position_from_row(row: Any) -> Position:
    return Position(
        account_id=str(row.account_id),
        symbol=row.symbol,
        qty=row.qty,
        cost=row.cost,
        realized_pnl=row.realized_pnl,
        opened_at=_ts(row.opened_at),
        updated_at=_ts(row.updated_at),
    )


def _ledger_values(ledger: Ledger) -> dict[str, Any]:
    return {
        "account_id": _account(ledger.account_id),
        "starting_balance": ledger.starting_balance,
        "trading_day": ledger.trading_day,
        "realized_pnl": ledger.realized_pnl,
        "commissions": ledger.commissions,
        "realized_pnl_today": ledger.realized_pnl_today,
        "commissions_today": ledger.commissions_today,
        "updated_at": to_datetime(ledger.updated_at),
    }


def _ledger_from_row(row: Any) -> Ledger:
    return Ledger(
        account_id=str(row.account_id),
        starting_balance=row.starting_balance,
        trading_day=row.trading_day,
        realized_pnl=row.realized_pnl,
        commissions=row.commissions,
        realized_pnl_today=row.realized_pnl_today,
        commissions_today=row.commissions_today,
        updated_at=_ts(row.updated_at),
    )


def risk_to_json(state: RiskState) -> dict[str, Any]:
    """A risk state as its JSON column holds it: the bus codec's exact, tagged form."""
    plain: dict[str, Any] = codec.to_plain(state)
    return plain


def risk_from_json(data: dict[str, Any]) -> RiskState:
    """What `risk_to_json` wrote, also before a state could hold pending rules."""
    if "pending_rules" not in data:
        data = {**data, "pending_rules": None}
    state = codec.from_plain(data)
    if not isinstance(state, RiskState):
        raise ValueError("a stored risk state is not one")
    return state


TRIPS = TripRow.__table__
_TRIP_TIMES = ("opened_at", "closed_at", "updated_at")
_TRIP_COLUMNS = tuple(c.name for c in TRIPS.columns)


def _trip_values(trip: RoundTrip) -> dict[str, Any]:
    """A trip as its row: the engine's columns (notes live in `trip_notes`, the API's)."""
    values: dict[str, Any] = {
        name: getattr(trip, name) for name in _TRIP_COLUMNS if name != "net_pnl"
    }
    values["net_pnl"] = trip.net_pnl
    values["account_id"] = _account(trip.account_id)
    values["side"] = str(trip.side)
    values["risk_source"] = None if trip.risk_source is None else str(trip.risk_source)
    for name in _TRIP_TIMES:
        values[name] = to_datetime(values[name])
    for name in ("tags", "fill_ids", "order_ids"):
        values[name] = list(values[name])
    return values


def trip_from_row(row: Any, note: Any = None) -> RoundTrip:
    """The trip a row holds; `note` (a `trip_notes` row, or None) overrides what the trader
    wrote: notes, tags, setup (an empty one: cleared, the entry's tag with it), screenshot;
    and the trip was last updated when either was."""
    tags = tuple(row.tags)
    setup = row.setup
    notes, screenshot = "", None
    updated_at = row.updated_at
    if note is not None:
        notes = note.notes or ""
        tags = tuple(note.tags) if note.tags is not None else tags
        setup = (note.setup or None) if note.setup is not None else setup
        screenshot = note.screenshot_url
        updated_at = max(updated_at, note.updated_at)
    return RoundTrip(
        id=row.id,
        seq=row.seq,
        account_id=str(row.account_id),
        symbol=row.symbol,
        side=OrderSide(row.side),
        point_value=row.point_value,
        opened_at=row.opened_at.timestamp(),
        closed_at=_ts(row.closed_at),
        qty=row.qty,
        open_cost=row.open_cost,
        entry_qty=row.entry_qty,
        entry_value=row.entry_value,
        exit_qty=row.exit_qty,
        exit_value=row.exit_value,
        max_qty=row.max_qty,
        gross_pnl=row.gross_pnl,
        fees=row.fees,
        mae_price=row.mae_price,
        mfe_price=row.mfe_price,
        mae=row.mae,
        mfe=row.mfe,
        risk=row.risk,
        risk_source=None if row.risk_source is None else RiskSource(row.risk_source),
        initial_stop=row.initial_stop,
        strategy=row.strategy,
        setup=setup,
        regime=row.regime,
        tags=tags,
        notes=notes,
        screenshot_url=screenshot,
        fill_ids=tuple(row.fill_ids),
        order_ids=tuple(row.order_ids),
        updated_at=updated_at.timestamp(),
    )
