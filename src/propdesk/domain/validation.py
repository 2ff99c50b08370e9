"""Whether a submit or a modify makes sense for its instrument: a reason code, or None."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from propdesk.domain.bars import Tick
from propdesk.domain.commands import ModifyOrder, StopLoss, SubmitOrder, TakeProfit
from propdesk.domain.errors import RejectReason
from propdesk.domain.instruments import Instrument
from propdesk.domain.orders import Order, OrderClass, OrderSide, OrderType, TimeInForce

_R = RejectReason
_IMMEDIATE = frozenset({TimeInForce.ioc, TimeInForce.fok})
_HUNDRED = Decimal(100)
MAX_CLIENT_ORDER_ID = 64
MAX_LABEL = 64
"""An order's `strategy` and `tag`: at most this many characters."""


def quantity_reason(qty: Decimal, instrument: Instrument) -> str | None:
    if not qty.is_finite() or qty <= 0 or qty % instrument.lot_step != 0:
        return _R.INVALID_QUANTITY
    return None


def price_reason(
    kind: OrderType,
    instrument: Instrument,
    *,
    limit_price: Decimal | None = None,
    stop_price: Decimal | None = None,
    trail_price: Decimal | None = None,
    trail_percent: Decimal | None = None,
) -> str | None:
    """The prices `kind` needs are there, no others are, and they sit on the tick grid."""
    needs_limit = kind in (OrderType.limit, OrderType.stop_limit)
    needs_stop = kind in (OrderType.stop, OrderType.stop_limit)
    if (limit_price is not None) != needs_limit or (stop_price is not None) != needs_stop:
        return _R.INVALID_PRICE
    has_trail = (trail_price is not None, trail_percent is not None)
    if kind is OrderType.trailing_stop and has_trail not in ((True, False), (False, True)):
        return _R.INVALID_PRICE
    if kind is not OrderType.trailing_stop and any(has_trail):
        return _R.INVALID_PRICE
    if trail_percent is not None and not (
        trail_percent.is_finite() and 0 < trail_percent < _HUNDRED
    ):
        return _R.INVALID_PRICE
    prices = [p for p in (limit_price, stop_price, trail_price) if p is not None]
    if any(not p.is_finite() or p <= 0 for p in prices):
        return _R.INVALID_PRICE
    if any(not instrument.is_tick_aligned(p) for p in prices):
        return _R.INVALID_TICK
    return None


def legs_reason(
    exit_side: OrderSide,
    take_profit: Decimal | None,
    stop: Decimal | None,
    stop_limit: Decimal | None,
    entry_prices: Sequence[Decimal] = (),
) -> str | None:
    """Exit legs on the right side: profit beyond the stop, both beyond the entry's prices.

    For a long (the legs sell) the take profit lies above the entry and the stop below; a
    stop-limit's limit never lies beyond its stop. A short mirrors all of it.
    """

    def beyond(a: Decimal, b: Decimal) -> bool:
        return a > b if exit_side is OrderSide.sell else a < b

    if take_profit is not None and stop is not None and not beyond(take_profit, stop):
        return _R.INVALID_BRACKET
    if stop is not None and stop_limit is not None and beyond(stop_limit, stop):
        return _R.INVALID_BRACKET
    if take_profit is not None and not all(beyond(take_profit, p) for p in entry_prices):
        return _R.INVALID_BRACKET
    if stop is not None and not all(beyond(p, stop) for p in entry_prices):
        return _R.INVALID_BRACKET
    return None


MAX_SYMBOL = 32


def storable(text: str, limit: int) -> bool:
    """1 to `limit` printable characters: what an id or a symbol may be."""
    return 1 <= len(text) <= limit and text.isprintable()


def labels_storable(command: SubmitOrder) -> bool:
    """The submission's `strategy`, `tag` and `regime` are absent, or storable labels."""
    return all(
        label is None or storable(label, MAX_LABEL)
        for label in (command.strategy, command.tag, command.regime)
    )


def submit_reason(
    command: SubmitOrder, client_order_id: str, instrument: Instrument | None, quote: Tick | None
) -> str | None:
    """Everything about a submission that needs no account state."""
    if not 1 <= len(client_order_id) <= MAX_CLIENT_ORDER_ID:
        return _R.INVALID_CLIENT_ORDER_ID
    if instrument is None:
        return _R.UNKNOWN_SYMBOL
    if reason := quantity_reason(command.qty, instrument):
        return reason
    if command.order_class is OrderClass.oco:
        return _oco_reason(command, instrument)
    if reason := price_reason(
        command.type,
        instrument,
        limit_price=command.limit_price,
        stop_price=command.stop_price,
        trail_price=command.trail_price,
        trail_percent=command.trail_percent,
    ):
        return reason
    if command.time_in_force in _IMMEDIATE and (
        command.type not in (OrderType.market, OrderType.limit)
        or command.order_class is not OrderClass.simple
    ):
        return _R.INVALID_TIME_IN_FORCE
    if command.order_class is OrderClass.simple:
        has_legs = command.take_profit is not None or command.stop_loss is not None
        return _R.INVALID_BRACKET if has_legs else None
    return _bracket_reason(command, instrument, quote)


def _leg_prices_reason(
    take_profit: TakeProfit, stop_loss: StopLoss, instrument: Instrument
) -> str | None:
    if reason := price_reason(OrderType.limit, instrument, limit_price=take_profit.limit_price):
        return reason
    return price_reason(
        stop_loss.type,
        instrument,
        limit_price=stop_loss.limit_price,
        stop_price=stop_loss.stop_price,
        trail_price=stop_loss.trail_price,
        trail_percent=stop_loss.trail_percent,
    )


def _bracket_reason(command: SubmitOrder, instrument: Instrument, quote: Tick | None) -> str | None:
    take_profit, stop_loss = command.take_profit, command.stop_loss
    if command.type is OrderType.trailing_stop or take_profit is None or stop_loss is None:
        return _R.INVALID_BRACKET
    if reason := _leg_prices_reason(take_profit, stop_loss, instrument):
        return reason
    entry = [p for p in (command.limit_price, command.stop_price) if p is not None]
    if not entry and quote is not None:
        entry = [quote.ask if command.side is OrderSide.buy else quote.bid]
    return legs_reason(
        command.side.opposite,
        take_profit.limit_price,
        stop_loss.stop_price,
        stop_loss.limit_price,
        entry,
    )


def _oco_reason(command: SubmitOrder, instrument: Instrument) -> str | None:
    take_profit, stop_loss = command.take_profit, command.stop_loss
    if command.type is not OrderType.limit or take_profit is None or stop_loss is None:
        return _R.INVALID_BRACKET
    if reason := _leg_prices_reason(take_profit, stop_loss, instrument):
        return reason
    given = (command.stop_price, command.trail_price, command.trail_percent)
    if any(p is not None for p in given) or command.limit_price not in (
        None,
        take_profit.limit_price,
    ):
        return _R.INVALID_PRICE
    if command.time_in_force in _IMMEDIATE:
        return _R.INVALID_TIME_IN_FORCE
    return legs_reason(
        command.side, take_profit.limit_price, stop_loss.stop_price, stop_loss.limit_price
    )


def modify_reason(order: Order, command: ModifyOrder, instrument: Instrument) -> str | None:
    """Whether `command` may change `order` (the order is known to be open)."""
    if command.qty is not None:
        if order.parent_id is not None or order.sibling_id is not None:
            return _R.INVALID_QUANTITY  # a leg's quantity follows its entry and its sibling
        if quantity_reason(command.qty, instrument) or command.qty <= order.filled_qty:
            return _R.INVALID_QUANTITY
    if command.time_in_force in _IMMEDIATE:
        return _R.INVALID_TIME_IN_FORCE
    moves_trigger = (command.stop_price, command.trail_price, command.trail_percent)
    if order.triggered and any(p is not None for p in moves_trigger):
        return _R.INVALID_PRICE
    return price_reason(order.type, instrument, **modified_prices(order, command))


def modified_prices(order: Order, command: ModifyOrder) -> dict[str, Decimal | None]:
    """The order's prices with the command's changes; a trailing stop's stop is derived."""
    trail_price, trail_percent = order.trail_price, order.trail_percent
    if command.trail_price is not None:
        trail_price, trail_percent = command.trail_price, None
    elif command.trail_percent is not None:
        trail_price, trail_percent = None, command.trail_percent
    trailing = order.type is OrderType.trailing_stop
    stop = command.stop_price if trailing else _pick(command.stop_price, order.stop_price)
    return {
        "limit_price": _pick(command.limit_price, order.limit_price),
        "stop_price": stop,
        "trail_price": trail_price,
        "trail_percent": trail_percent,
    }


def pair_reason(
    entry: Order | None, take_profit: Order | None, stop_loss: Order | None
) -> str | None:
    """Whether the open legs of a bracket or OCO pair still sit on the right sides."""
    leg = take_profit or stop_loss
    if leg is None:
        return None
    tp = take_profit.limit_price if take_profit is not None and take_profit.is_open else None
    stop = stop_limit = None
    if (
        stop_loss is not None
        and stop_loss.is_open
        and not stop_loss.triggered
        and stop_loss.type is not OrderType.trailing_stop
    ):
        stop, stop_limit = stop_loss.stop_price, stop_loss.limit_price
    prices: list[Decimal] = []
    if entry is not None and entry.is_open and entry.filled_qty == 0:
        prices = [p for p in (entry.limit_price, entry.stop_price) if p is not None]
    return legs_reason(leg.side, tp, stop, stop_limit, prices)


def fingerprint(command: SubmitOrder, symbol: str) -> str:
    """The submission's parameters in a canonical form: 2 and 2.0 are the same quantity.

    The labels (`strategy`, `tag`) are part of it: a retry that changes them is a conflict.
    """

    def number(value: Decimal | None) -> str:
        return "" if value is None else str(value.normalize())

    tp, sl = command.take_profit, command.stop_loss
    parts = [
        symbol,
        command.side,
        command.type,
        number(command.qty),
        command.time_in_force,
        number(command.limit_price),
        number(command.stop_price),
        number(command.trail_price),
        number(command.trail_percent),
        command.order_class,
        number(tp.limit_price) if tp else "-",
        "-"
        if sl is None
        else ",".join(
            number(p) for p in (sl.stop_price, sl.limit_price, sl.trail_price, sl.trail_percent)
        ),
    ]
    if command.strategy is not None or command.tag is not None:
        # Only when given, so that an order stored before orders had labels keeps its
        # fingerprint; each with its length, since a label may hold the separator.
        parts += [_counted(command.strategy), _counted(command.tag)]
    if command.regime is not None:  # the same: orders without one keep their fingerprint
        parts.append(_counted(command.regime))
    return "|".join(parts)


def _counted(label: str | None) -> str:
    return "-" if label is None else f"{len(label)}:{label}"


def _pick(new: Decimal | None, old: Decimal | None) -> Decimal | None:
    return old if new is None else new
