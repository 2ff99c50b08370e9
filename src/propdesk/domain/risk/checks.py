"""Pre-trade risk checks: the reason a prop-firm rule refuses an order, or None."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from propdesk.domain.instruments import Instrument
from propdesk.domain.ledger import AccountSnapshot
from propdesk.domain.orders import ZERO, Order, OrderSide
from propdesk.domain.positions import Position
from propdesk.domain.risk.rules import RiskAction, RuleSet
from propdesk.domain.risk.state import RiskCode, RiskState


@dataclass(slots=True)
class _Book:
    """One symbol's position and the open quantity of its working orders, per side."""

    position: Decimal = ZERO
    buys: Decimal = ZERO
    sells: Decimal = ZERO

    def add(self, order: Order) -> None:
        if order.side is OrderSide.buy:
            self.buys += order.open_qty
        else:
            self.sells += order.open_qty

    @property
    def worst_case(self) -> Decimal:
        """The largest |position| reachable if every working order of one side filled
        (the same worst case as `ledger.symbol_margin`)."""
        return max(abs(self.position + self.buys), abs(self.position - self.sells))


def _books(positions: Iterable[Position], working: Iterable[Order]) -> dict[str, _Book]:
    books: dict[str, _Book] = {}
    for position in positions:
        books.setdefault(position.symbol, _Book()).position += position.qty
    for order in working:
        if order.is_working:  # held bracket legs only ever exit what their entry opens
            books.setdefault(order.symbol, _Book()).add(order)
    return books


def exposure(
    rules: RuleSet,
    positions: Iterable[Position],
    working: Iterable[Order],
    instruments: Mapping[str, Instrument],
) -> dict[str, Decimal]:
    """Worst-case weighted contracts per symbol: max(|pos + working buys|, |pos − working
    sells|) × the symbol's weight (`RuleSet.contracts`: a micro is a fraction, a stock or a
    coin nothing). Orders that are not working (held bracket legs) do not count."""
    return {
        symbol: rules.contracts(instruments[symbol], book.worst_case)
        for symbol, book in _books(positions, working).items()
    }


def reduces(order: Order, positions: Iterable[Position], working: Iterable[Order]) -> bool:
    """`order` can only shrink its symbol's position: it is on the other side, and its open
    quantity fits in what the working orders of its side leave of the position. Such an
    order never raises the worst case, so no risk rule refuses it."""
    book = _books(positions, working).get(order.symbol, _Book())
    if order.side is OrderSide.sell and book.position > 0:
        return order.open_qty <= book.position - book.sells
    if order.side is OrderSide.buy and book.position < 0:
        return order.open_qty <= -book.position - book.buys
    return False


def might_refuse(
    rules: RuleSet,
    state: RiskState,
    valuation: AccountSnapshot,
    order: Order,
    instruments: Mapping[str, Instrument],
) -> bool:
    """Whether any rule could refuse `order`, decided without the working orders (the
    account may have thousands): False lets it through at once; True means ask
    `pre_trade_reason`. Exact on the False side: every refusal below needs one of these."""
    if state.lock is not None or _at_trade_cap(rules, state):
        return True
    floor = rules.loss_floor(state.starting_balance, state.balance_high)
    if floor is not None and valuation.equity <= floor:
        return True
    limit = rules.daily_loss_limit
    if (
        limit is not None
        and rules.daily_loss_action is not RiskAction.notify
        and valuation.pnl_today <= -limit
    ):
        return True
    if rules.max_contracts is None and rules.max_contracts_per_symbol is None:
        return False
    instrument = instruments.get(order.symbol)
    return instrument is not None and rules.contracts(instrument, order.qty) > 0


def pre_trade_reason(
    rules: RuleSet,
    state: RiskState,
    valuation: AccountSnapshot,
    order: Order,
    working: Iterable[Order],
    instruments: Mapping[str, Instrument],
) -> str | None:
    """The RiskCode value `order` must be refused with, or None to let it through.

    `working`: the account's working orders, `order` excluded. An order that only reduces
    (see `reduces`) is never refused. Otherwise, in this order: a locked account
    (ACCOUNT_LOCKED); equity at or below the maximum-loss floor (MAX_LOSS_LIMIT); P&L today
    at or below minus the daily loss limit, unless the rule's action is only to notify
    (DAILY_LOSS_LIMIT); the day's or the week's trade count already at its cap
    (MAX_TRADES); the worst-case weighted contracts after the order past the per-symbol or
    the total cap (MAX_CONTRACTS), so that no fill of working orders can exceed them.
    """
    working = [o for o in working if o.id != order.id]
    positions = valuation.positions
    if reduces(order, positions, working):
        return None
    if not state.can_trade:
        return RiskCode.ACCOUNT_LOCKED
    floor = rules.loss_floor(state.starting_balance, state.balance_high)
    if floor is not None and valuation.equity <= floor:
        return RiskCode.MAX_LOSS_LIMIT
    limit = rules.daily_loss_limit
    if (
        limit is not None
        and rules.daily_loss_action is not RiskAction.notify
        and valuation.pnl_today <= -limit
    ):
        return RiskCode.DAILY_LOSS_LIMIT
    if _at_trade_cap(rules, state):
        return RiskCode.MAX_TRADES
    if _past_contract_caps(rules, positions, working, order, instruments):
        return RiskCode.MAX_CONTRACTS
    return None


def _at_trade_cap(rules: RuleSet, state: RiskState) -> bool:
    day, week = rules.max_trades_per_day, rules.max_trades_per_week
    return (day is not None and state.trades_today >= day) or (
        week is not None and state.trades_week >= week
    )


def _past_contract_caps(
    rules: RuleSet,
    positions: Iterable[Position],
    working: Iterable[Order],
    order: Order,
    instruments: Mapping[str, Instrument],
) -> bool:
    per_symbol, total = rules.max_contracts_per_symbol, rules.max_contracts
    if per_symbol is None and total is None:
        return False
    books = _books(positions, working)
    books.setdefault(order.symbol, _Book()).add(order)  # whatever its status: it is the new one
    after = {s: rules.contracts(instruments[s], b.worst_case) for s, b in books.items()}
    if per_symbol is not None and after[order.symbol] > per_symbol:
        return True
    return total is not None and sum(after.values(), ZERO) > total
