"""The paper broker for the gateways: commands through the trading port, reads of what the
engine committed.

Commands go to the engine, which answers once they are durable; a refusal becomes a
ServiceError whose kind tells the gateway how to answer (not found, conflict, rejected),
with the broker's reason as its `code`. Orders and executions are read from the store;
positions and the account's money from the read model, valued at the current quotes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from propdesk.domain.commands import (
    CancelAllOrders,
    CancelOrder,
    CloseAllPositions,
    ClosePosition,
    ModifyOrder,
    SubmitOrder,
)
from propdesk.domain.errors import RejectReason
from propdesk.domain.events import (
    CommandRejected,
    Event,
    OrderAccepted,
    OrderCanceled,
    OrderEvent,
    OrderRejected,
)
from propdesk.domain.instruments import Instrument
from propdesk.domain.ledger import AccountSnapshot
from propdesk.domain.orders import ZERO, Fill, Order, OrderClass, OrderStatus
from propdesk.domain.positions import Position
from propdesk.domain.results import ChangeRules, OpenAccount, ResetAccount, UnlockAccount
from propdesk.domain.risk.report import RiskReport
from propdesk.domain.risk.rules import RuleSet
from propdesk.domain.risk.state import RiskCode
from propdesk.errors import ConflictError, NotFoundError, RejectedError, ServiceError
from propdesk.store.models import RiskEventRow
from propdesk.store.repositories import trading as store
from propdesk.trading.port import TradingPort
from propdesk.trading.reads import ReadModel

log = structlog.get_logger(__name__)

_R = RejectReason
_MESSAGES: Mapping[str, str] = {
    _R.INVALID_CLIENT_ORDER_ID: "client_order_id must have 1 to 64 characters",
    _R.UNKNOWN_SYMBOL: "the symbol is not in the instrument catalogue",
    _R.INVALID_LABEL: "strategy and tag must have 1 to 64 printable characters",
    _R.INVALID_QUANTITY: "the quantity is not a positive multiple of the instrument's lot "
    "step, or more than it may be (a position's size, a bracket leg's)",
    _R.INVALID_PRICE: "a price is missing, superfluous or out of range for this order type",
    _R.INVALID_TICK: "a price is not a multiple of the instrument's tick size",
    _R.INVALID_TIME_IN_FORCE: "ioc and fok apply to simple market and limit orders only",
    _R.INVALID_BRACKET: "the take-profit and stop-loss legs are missing, or on the wrong side "
    "of the entry or of each other",
    _R.MARKET_CLOSED: "the instrument's market is closed",
    _R.NO_QUOTE: "the symbol has no quote yet",
    _R.INSUFFICIENT_BUYING_POWER: "the order needs more margin than the account has free",
    _R.ACCOUNT_NOT_FOUND: "no such account in the trading engine",
    _R.ORDER_NOT_FOUND: "no such order in this account",
    _R.ORDER_NOT_CANCELABLE: "the order is no longer open, so it cannot be canceled",
    _R.ORDER_NOT_MODIFIABLE: "the order is no longer open, so it cannot be modified",
    _R.POSITION_NOT_FOUND: "no open position in this symbol",
    _R.DUPLICATE_CLIENT_ORDER_ID: "client_order_id is taken by an order with other parameters",
    RiskCode.ACCOUNT_LOCKED: "the account is locked by a risk rule (GET its risk for why and "
    "until when); only orders that reduce a position are taken",
    RiskCode.MAX_CONTRACTS: "the order could take the account past its maximum contracts "
    "(working orders count; 10 micros count as 1 mini)",
    RiskCode.DAILY_LOSS_LIMIT: "the account has reached its daily loss limit",
    RiskCode.MAX_LOSS_LIMIT: "the account's equity is at its maximum-loss floor",
    RiskCode.MAX_TRADES: "the account has made its maximum number of trades for the day or week",
    RiskCode.OUTSIDE_TRADING_WINDOW: "the account's trading window is closed",
}
_NOT_FOUND = frozenset({_R.ACCOUNT_NOT_FOUND, _R.ORDER_NOT_FOUND, _R.POSITION_NOT_FOUND})
_CONFLICT = frozenset({_R.DUPLICATE_CLIENT_ORDER_ID})


def refusal(reason: str, order_id: str | None = None) -> ServiceError:
    """The error for a broker's reason code; `order_id` names the rejected order it recorded."""
    message = _MESSAGES.get(reason, f"rejected: {reason}")
    if reason in _NOT_FOUND:
        return NotFoundError(message, code=reason)
    if reason in _CONFLICT:
        return ConflictError(message, code=reason)
    if order_id is None:
        return RejectedError(message, code=reason)
    return RejectedError(message, code=reason, order_id=order_id)


@dataclass(frozen=True, slots=True)
class OrderView:
    order: Order
    legs: tuple[Order, ...] | None = None
    """A bracket entry's legs, take profit first, when they are nested under it."""


@dataclass(frozen=True, slots=True)
class Placed:
    view: OrderView
    created: bool
    """False: a retry of an order placed before, answered with that order as it is now."""


@dataclass(frozen=True, slots=True)
class Closed:
    """What closing one position did: its closing order, or why it was refused (the
    error of a rejected closing order names it as `order_id`)."""

    symbol: str
    outcome: Order | ServiceError


@dataclass(frozen=True, slots=True)
class PositionValue:
    """An open position valued at the current quote (at cost while there is none)."""

    symbol: str
    qty: Decimal
    side: str
    avg_entry_price: Decimal
    cost_basis: Decimal
    market_value: Decimal | None
    current_price: Decimal | None
    unrealized_pl: Decimal
    unrealized_plpc: Decimal
    realized_pl: Decimal
    point_value: Decimal
    opened_at: datetime | None


# ---------------------------------------------------------------------- commands


async def open_in_engine(port: TradingPort, account_id: str) -> None:
    """Best effort: a new account starts trading at once. If the engine cannot be reached,
    nothing is lost: it opens the account with the first command that names it."""
    try:
        await port.send(OpenAccount(account_id), deadline=2.0)
    except ServiceError as error:
        log.warning("account not opened in the engine yet", account_id=account_id, error=str(error))


async def place_order(port: TradingPort, command: SubmitOrder) -> Placed:
    result = await port.send(command)
    if result.rejected is not None:
        raise refusal(result.rejected)
    order = result.order
    if order is None:  # pragma: no cover - the engine answers every submission with its order
        raise RuntimeError("the engine acknowledged a submission without its order")
    if order.status is OrderStatus.rejected:
        # A retry of a rejected submission gets the same answer as the first time.
        raise refusal(order.reject_reason or "REJECTED", order.id)
    legs = result.legs if _is_entry(order) else None
    return Placed(OrderView(order, legs), created=not result.replayed)


async def modify_order(session: AsyncSession, port: TradingPort, command: ModifyOrder) -> OrderView:
    result = await port.send(command)
    if result.rejected is not None:
        raise refusal(result.rejected)
    return await get_order(session, command.account_id, command.order_id)


async def cancel_order(port: TradingPort, command: CancelOrder) -> None:
    result = await port.send(command)
    if result.rejected is not None:
        raise refusal(result.rejected)


async def cancel_all_orders(port: TradingPort, command: CancelAllOrders) -> list[Order]:
    """The orders it canceled (a bracket's held legs with their entry), as they are now."""
    result = await port.send(command)
    if result.rejected is not None:
        raise refusal(result.rejected)
    account_id = command.account_id
    latest = _latest(result.events, account_id)
    canceled = (
        e.order.id
        for e in result.events
        if isinstance(e, OrderCanceled) and e.account_id == account_id
    )
    return [latest[order_id] for order_id in dict.fromkeys(canceled)]


async def close_position(port: TradingPort, command: ClosePosition) -> Order:
    """The closing market order; a refusal or a rejected closing order raises."""
    result = await port.send(command)
    if result.rejected is not None:
        raise refusal(result.rejected)
    closing = _closing_orders(result.events, command.account_id)
    if len(closing) != 1:  # pragma: no cover - an accepted close places exactly one order
        raise RuntimeError("the engine closed a position without one closing order")
    order = next(iter(closing.values()))
    if order.status is OrderStatus.rejected:
        raise refusal(order.reject_reason or "REJECTED", order.id)
    return order


async def close_all_positions(
    port: TradingPort, reads: ReadModel, command: CloseAllPositions
) -> list[Closed]:
    """Per position: its closing order, or why it stays open (in the broker's order)."""
    symbols = [p.symbol for p in reads.positions(command.account_id)]
    result = await port.send(command)
    closing = _closing_orders(result.events, command.account_id)
    # The broker refuses per position without naming it, in its order of the positions.
    reasons = iter(
        e.reason for e in result.events if isinstance(e, CommandRejected) and e.command == command
    )
    results = []
    for symbol in dict.fromkeys([*symbols, *closing]):
        order = closing.get(symbol)
        if order is None:
            results.append(Closed(symbol, refusal(next(reasons, _R.POSITION_NOT_FOUND))))
        elif order.status is OrderStatus.rejected:
            results.append(Closed(symbol, refusal(order.reject_reason or "REJECTED", order.id)))
        else:
            results.append(Closed(symbol, order))
    return results


async def reset_account(port: TradingPort, account_id: str, starting_balance: Decimal) -> None:
    """Open orders canceled, positions gone, the ledger back at `starting_balance`, the
    period closed and the next begun: one command, one commit."""
    await port.send(ResetAccount(account_id, starting_balance))


def _latest(events: Iterable[Event], account_id: str) -> dict[str, Order]:
    """Each of the account's orders as the last of these events left it."""
    return {
        e.order.id: e.order
        for e in events
        if isinstance(e, OrderEvent) and e.account_id == account_id
    }


def _closing_orders(events: Sequence[Event], account_id: str) -> dict[str, Order]:
    """By symbol, the market orders a close placed, as they are after the command."""
    latest = _latest(events, account_id)
    return {
        e.order.symbol: latest[e.order.id]
        for e in events
        if isinstance(e, OrderAccepted | OrderRejected) and e.account_id == account_id
    }


def _is_entry(order: Order) -> bool:
    return order.order_class is OrderClass.bracket and order.parent_id is None


# ---------------------------------------------------------------------- reads: the store


async def get_order(session: AsyncSession, account_id: str, order_id: str) -> OrderView:
    order = await store.get_order(session, account_id, order_id)
    if order is None:
        raise refusal(_R.ORDER_NOT_FOUND)
    return (await _nest(session, [order]))[0]


async def get_order_by_client_id(
    session: AsyncSession, account_id: str, client_order_id: str
) -> OrderView:
    order = await store.get_order_by_client_id(session, account_id, client_order_id)
    if order is None:
        raise refusal(_R.ORDER_NOT_FOUND)
    return (await _nest(session, [order]))[0]


async def list_orders(
    session: AsyncSession,
    catalogue: Mapping[str, Instrument],
    account_id: str,
    *,
    status: str,
    symbol: str | None,
    after: datetime | None,
    until: datetime | None,
    limit: int,
    offset: int,
    nested: bool,
    strategy: str | None = None,
    tag: str | None = None,
) -> list[OrderView]:
    orders = await store.list_orders(
        session,
        account_id,
        status=status,
        symbol=canonical_symbol(catalogue, symbol),
        strategy=strategy,
        tag=tag,
        after=as_utc(after),
        until=as_utc(until),
        limit=limit,
        offset=offset,
        nested=nested,
    )
    if not nested:
        return [OrderView(order) for order in orders]
    return await _nest(session, orders)


async def list_executions(
    session: AsyncSession,
    catalogue: Mapping[str, Instrument],
    account_id: str,
    *,
    symbol: str | None,
    order_id: str | None,
    after: datetime | None,
    until: datetime | None,
    limit: int,
    offset: int,
) -> list[Fill]:
    return await store.list_executions(
        session,
        account_id,
        symbol=canonical_symbol(catalogue, symbol),
        order_id=order_id,
        after=as_utc(after),
        until=as_utc(until),
        limit=limit,
        offset=offset,
    )


async def _nest(session: AsyncSession, orders: Sequence[Order]) -> list[OrderView]:
    """Bracket entries with their legs under them."""
    entries = [order.id for order in orders if _is_entry(order)]
    legs = await store.legs_of(session, entries)
    return [
        OrderView(order, tuple(legs.get(order.id, ())) if _is_entry(order) else None)
        for order in orders
    ]


def canonical_symbol(catalogue: Mapping[str, Instrument], symbol: str | None) -> str | None:
    """The catalogue's spelling (it ignores case); an unknown symbol simply matches nothing."""
    if symbol is None:
        return None
    instrument = catalogue.get(symbol)
    return instrument.symbol if instrument is not None else symbol


def as_utc(value: datetime | None) -> datetime | None:
    """A time without an offset is read as UTC, the API's only zone."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


# ---------------------------------------------------------------------- reads: committed state


def account_snapshot(reads: ReadModel, account_id: str) -> AccountSnapshot | None:
    """The account valued at the current quotes; None until the engine opened it."""
    return reads.account(account_id)


def positions(reads: ReadModel, account_id: str) -> list[PositionValue]:
    return [_value(reads, position) for position in reads.positions(account_id)]


def position(
    reads: ReadModel, catalogue: Mapping[str, Instrument], account_id: str, symbol: str
) -> PositionValue:
    instrument = catalogue.get(symbol)
    held = reads.position(account_id, instrument.symbol) if instrument is not None else None
    if held is None or held.qty == 0:
        raise refusal(_R.POSITION_NOT_FOUND)
    return _value(reads, held)


def _value(reads: ReadModel, held: Position) -> PositionValue:
    valued = reads.position_value(held)
    cost_basis = held.cost_basis(valued.point_value)
    unrealized = valued.unrealized_pnl
    return PositionValue(
        symbol=held.symbol,
        qty=held.qty,
        side=held.side,
        avg_entry_price=held.cost / abs(held.qty),
        cost_basis=cost_basis,
        market_value=valued.market_value,
        current_price=valued.price,
        unrealized_pl=unrealized,
        unrealized_plpc=unrealized / abs(cost_basis) if cost_basis else ZERO,
        realized_pl=held.realized_pnl,
        point_value=valued.point_value,
        opened_at=store.to_datetime(held.opened_at),
    )


# ---------------------------------------------------------------------- risk


def risk_report(reads: ReadModel, account_id: str) -> RiskReport:
    report = reads.risk_report(account_id)
    if report is None:
        raise NotFoundError(
            "the trading engine has not opened this account yet", code="RISK_NOT_TRACKED"
        )
    return report


def account_status(reads: ReadModel, account_id: str) -> tuple[RiskReport, AccountSnapshot]:
    """The account's standing against its rules, and its valuation, at the current quotes."""
    report = risk_report(reads, account_id)
    valuation = reads.account(account_id)
    if valuation is None:  # pragma: no cover - a guarded account has a ledger
        raise NotFoundError(
            "the trading engine has not opened this account yet", code="RISK_NOT_TRACKED"
        )
    return report, valuation


async def unlock_account(port: TradingPort, account_id: str) -> None:
    await port.send(UnlockAccount(account_id))


async def change_rules(
    port: TradingPort, reads: ReadModel, account_id: str, rules: RuleSet, *, at_once: bool
) -> RiskReport:
    """The account's new rules: in force now (`at_once`, an admin's change), or from its
    next trading day (the owner's, refused while the account is locked). Answers the
    standing after the change."""
    before = risk_report(reads, account_id)
    if not at_once and before.lock is not None:
        raise _locked()
    await port.send(ChangeRules(account_id, rules, at_once))
    after = risk_report(reads, account_id)
    if not at_once and after.lock is not None and after.state.pending_rules != rules:
        raise _locked()  # locked in the meantime: the engine refused it
    return after


def _locked() -> RejectedError:
    return RejectedError(
        "the account is locked by a risk rule: its owner may change its rules once it is "
        "unlocked (an admin may change them now)",
        code=RiskCode.ACCOUNT_LOCKED,
    )


async def list_risk_events(
    session: AsyncSession, account_id: str, *, limit: int, offset: int
) -> list[RiskEventRow]:
    return await store.list_risk_events(session, account_id, limit=limit, offset=offset)
