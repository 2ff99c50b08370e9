"""Commands on orders: submit, modify, cancel, cancel all, and closing positions with them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from decimal import Decimal

from propdesk.domain.account_state import AccountState
from propdesk.domain.commands import (
    CancelAllOrders,
    CancelOrder,
    CloseAllPositions,
    ClosePosition,
    Command,
    ModifyOrder,
    SubmitOrder,
)
from propdesk.domain.contingency import Contingency
from propdesk.domain.desk import Desk
from propdesk.domain.errors import RejectReason
from propdesk.domain.events import (
    CancelReason,
    CommandRejected,
    Event,
    OrderAccepted,
    OrderRejected,
    OrderReplaced,
)
from propdesk.domain.execution import Execution
from propdesk.domain.ledger import AccountSnapshot
from propdesk.domain.order_factory import OrderFactory, expiry
from propdesk.domain.order_index import OrderIndex
from propdesk.domain.orders import (
    IdFactory,
    Order,
    OrderClass,
    OrderSide,
    OrderStatus,
    OrderType,
    TimeInForce,
)
from propdesk.domain.sessions import Sessions
from propdesk.domain.validation import (
    MAX_CLIENT_ORDER_ID,
    MAX_SYMBOL,
    fingerprint,
    labels_storable,
    modified_prices,
    modify_reason,
    quantity_reason,
    storable,
    submit_reason,
)

PreTradeCheck = Callable[[AccountSnapshot, Order], str | None]
"""A risk rule: the reason an order must be rejected, or None. Consulted after validation."""

_R = RejectReason


class OrderEntry:
    """Validates each command against the account, the instrument and the risk rules, then
    records what it does; a refusal is an event, never an exception."""

    __slots__ = (
        "_anchored",
        "_arrive",
        "_book",
        "_books",
        "_catalogue",
        "_checks",
        "_end",
        "_factory",
        "_follow_entry",
        "_group_reason",
        "_ids",
        "_index",
        "_instruments",
        "_orders",
        "_put",
        "_queue_outside_session",
        "_session_open",
        "_valuation",
    )

    def __init__(
        self,
        desk: Desk,
        index: OrderIndex,
        contingency: Contingency,
        sessions: Sessions,
        execution: Execution,
        *,
        factory: OrderFactory,
        ids: IdFactory,
        checks: Sequence[PreTradeCheck],
        queue_outside_session: bool,
    ) -> None:
        self._catalogue = desk.catalogue
        self._instruments = desk.instruments
        self._books = desk.books
        self._book = desk.book
        self._anchored = desk.anchored
        self._valuation = desk.valuation
        self._index = index
        self._orders = index.orders
        self._put = index.put
        self._end = contingency.end
        self._follow_entry = contingency.follow_entry
        self._group_reason = contingency.group_reason
        self._session_open = sessions.is_open
        self._arrive = execution.arrive
        self._factory = factory
        self._ids = ids
        self._checks = tuple(checks)
        self._queue_outside_session = queue_outside_session

    def apply(
        self, account: AccountState, command: Command, now: float, events: list[Event]
    ) -> None:
        """Carry out a command of `account` at time `now`."""
        match command:
            case SubmitOrder():
                self._submit(account, command, now, events)
            case ModifyOrder():
                self._modify(account, command, now, events)
            case CancelOrder():
                self._cancel(account, command, now, events)
            case CancelAllOrders():
                instrument = self._catalogue.get(command.symbol) if command.symbol else None
                symbol = instrument.symbol if instrument else command.symbol
                self.cancel_all(account, symbol, now, events, CancelReason.requested)
            case ClosePosition():
                self._close(account, command, command.symbol, command.qty, now, events)
            case CloseAllPositions():
                self.cancel_all(account, None, now, events, CancelReason.position_closed)
                for position in list(account.positions.values()):
                    if position.qty:
                        self._close(account, command, position.symbol, None, now, events)

    def _submit(
        self,
        account: AccountState,
        command: SubmitOrder,
        now: float,
        events: list[Event],
        *,
        checked: bool = True,
    ) -> None:
        client_order_id = command.client_order_id
        if client_order_id is None:
            client_order_id = self._ids()
        instrument = self._catalogue.get(command.symbol)
        # What cannot be looked up again (or stored) is refused without a record.
        if not storable(client_order_id, MAX_CLIENT_ORDER_ID):
            invalid = _R.INVALID_CLIENT_ORDER_ID
            events.append(CommandRejected(command.account_id, command, invalid, now))
            return
        if instrument is None and not storable(command.symbol, MAX_SYMBOL):
            events.append(CommandRejected(command.account_id, command, _R.UNKNOWN_SYMBOL, now))
            return
        if not labels_storable(command):
            events.append(CommandRejected(command.account_id, command, _R.INVALID_LABEL, now))
            return
        symbol = instrument.symbol if instrument else command.symbol
        print_ = fingerprint(command, symbol)
        existing = self._index.by_client_id(account.account_id, client_order_id)
        if existing is not None:
            if existing.fingerprint != print_:
                conflict = _R.DUPLICATE_CLIENT_ORDER_ID
                events.append(CommandRejected(command.account_id, command, conflict, now))
            return  # a retry: the order exists already, nothing happens
        book = self._book(symbol)
        quote = book.quote if book is not None else None
        reason: str | None = submit_reason(command, client_order_id, instrument, quote)
        in_session = book is not None and self._session_open(book, now)
        if reason is None and not in_session and not self._queue_outside_session:
            reason = _R.MARKET_CLOSED
        if reason is None and quote is None and _needs_quote(command):
            reason = _R.NO_QUOTE
        group = self._factory.build(command, client_order_id, symbol, print_, instrument, now)
        if reason is None and quote is not None:  # working trailing stops start from last
            group = [self._anchored(o, quote.last) if o.is_working else o for o in group]
        entry = group[0]
        if reason is None:
            valuation = self._valuation(account)
            reason = self._buying_power_reason(account, valuation, entry, entry.qty)
            if reason is None and checked and self._checks:
                checks = (check(valuation, entry) for check in self._checks)
                reason = next(filter(None, checks), None)
        if reason is not None:
            # Recorded alone: its legs are never created, so it links to none.
            rejected = replace(
                entry, status=OrderStatus.rejected, reject_reason=reason, sibling_id=None
            )
            self._put(rejected)
            events.append(OrderRejected(rejected, now))
            return
        for order in group:
            self._put(order)
            events.append(OrderAccepted(order, now))
        if in_session and quote is not None:
            for order in group:
                current = self._orders[order.id]
                if current.is_working:
                    self._arrive(current, quote, now, events)
        elif entry.time_in_force in (TimeInForce.ioc, TimeInForce.fok):
            # nothing can fill at once without a market: an immediate order ends here
            cause = CancelReason.ioc if entry.time_in_force is TimeInForce.ioc else CancelReason.fok
            self._end(self._orders[entry.id], OrderStatus.canceled, now, events, cause)

    def _modify(
        self, account: AccountState, command: ModifyOrder, now: float, events: list[Event]
    ) -> None:
        order = self._index.owned(account.account_id, command.order_id)
        if order is None or not order.is_open:
            missing = _R.ORDER_NOT_FOUND if order is None else _R.ORDER_NOT_MODIFIABLE
            events.append(CommandRejected(command.account_id, command, missing, now))
            return
        instrument = self._instruments[order.symbol]
        if reason := modify_reason(order, command, instrument):
            events.append(CommandRejected(command.account_id, command, reason, now))
            return
        changes: dict[str, object] = dict(modified_prices(order, command))
        if order.type is OrderType.trailing_stop:
            changes["stop_price"] = order.stop_price
        if command.qty is not None:
            changes["qty"] = command.qty
        if command.time_in_force is not None:
            changes["time_in_force"] = command.time_in_force
            changes["expires_at"] = expiry(instrument, command.time_in_force, now)
        modified = order.amended(now, **changes)
        if modified.type is OrderType.trailing_stop and modified.water_mark is not None:
            modified = self._anchored(modified, modified.water_mark)
        reason = self._group_reason(modified)
        if reason is None and modified.is_working:
            added = modified.open_qty - account.counted.get(order.id, modified.open_qty)
            if added > 0:
                valuation = self._valuation(account)
                reason = self._buying_power_reason(account, valuation, modified, added)
                if reason is None and self._checks:  # more quantity: the risk rules again
                    checks = (check(valuation, modified) for check in self._checks)
                    reason = next(filter(None, checks), None)
        if reason is not None:
            events.append(CommandRejected(command.account_id, command, reason, now))
            return
        self._put(modified)
        events.append(OrderReplaced(modified, now))
        self._follow_entry(modified, now, events)
        book = self._books[modified.symbol]
        if modified.is_working and book.quote is not None and self._session_open(book, now):
            self._arrive(modified, book.quote, now, events)

    def _cancel(
        self, account: AccountState, command: CancelOrder, now: float, events: list[Event]
    ) -> None:
        order = self._index.owned(account.account_id, command.order_id)
        if order is None or not order.is_open:
            reason = _R.ORDER_NOT_FOUND if order is None else _R.ORDER_NOT_CANCELABLE
            events.append(CommandRejected(command.account_id, command, reason, now))
            return
        self._end(order, OrderStatus.canceled, now, events)

    def cancel_all(
        self,
        account: AccountState,
        symbol: str | None,
        now: float,
        events: list[Event],
        reason: CancelReason,
    ) -> None:
        for order_id in self._index.open_ids(account.account_id):
            order = self._orders[order_id]
            if order.is_open and (symbol is None or order.symbol == symbol):
                self._end(order, OrderStatus.canceled, now, events, reason)

    def _close(
        self,
        account: AccountState,
        command: Command,
        symbol: str,
        qty: Decimal | None,
        now: float,
        events: list[Event],
    ) -> None:
        instrument = self._catalogue.get(symbol)
        position = account.positions.get(instrument.symbol) if instrument else None
        if instrument is None or position is None or position.qty == 0:
            events.append(CommandRejected(command.account_id, command, _R.POSITION_NOT_FOUND, now))
            return
        size = abs(position.qty)
        if qty is not None and (quantity_reason(qty, instrument) or qty > size):
            events.append(CommandRejected(command.account_id, command, _R.INVALID_QUANTITY, now))
            return
        book = self._books[instrument.symbol]
        if not self._session_open(book, now) and not self._queue_outside_session:
            # refused whole: canceling its exits first would leave the position naked
            events.append(CommandRejected(command.account_id, command, _R.MARKET_CLOSED, now))
            return
        if qty is None or qty == size:
            self.cancel_all(account, instrument.symbol, now, events, CancelReason.position_closed)
        side = OrderSide.sell if position.qty > 0 else OrderSide.buy
        flatten = SubmitOrder(
            command.account_id,
            instrument.symbol,
            side,
            size if qty is None else qty,
            time_in_force=TimeInForce.gtc,
        )
        # Risk rules never block a close: it is how a tripwire flattens a locked account.
        self._submit(account, flatten, now, events, checked=False)

    def _buying_power_reason(
        self, account: AccountState, valuation: AccountSnapshot, order: Order, added: Decimal
    ) -> str | None:
        instrument = self._instruments[order.symbol]
        return account.buying_power_reason(valuation, instrument, order.side, added)


def _needs_quote(command: SubmitOrder) -> bool:
    """Market orders fill against a quote; trailing stops anchor their water mark on one."""
    if command.type in (OrderType.market, OrderType.trailing_stop):
        return True
    stop_loss = command.stop_loss
    oco = command.order_class is OrderClass.oco
    return oco and stop_loss is not None and stop_loss.type is OrderType.trailing_stop
