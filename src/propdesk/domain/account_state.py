"""One account inside the broker: its ledger, positions, orders, and the margin they need."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal

from propdesk.domain.bars import Tick
from propdesk.domain.errors import RejectReason
from propdesk.domain.instruments import Instrument
from propdesk.domain.ledger import AccountMarks, AccountSnapshot, Ledger, symbol_margin
from propdesk.domain.orders import ZERO, Order, OrderId, OrderSide
from propdesk.domain.positions import MarkPrice, Position, mark_price


class AccountState:
    """Mutable, owned by the broker; the exposure is derived from the account's orders (the
    order index keeps it in step) and rebuilt on restore."""

    __slots__ = ("counted", "exposure", "ledger", "positions")

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self.positions: dict[str, Position] = {}
        self.counted: dict[OrderId, Decimal] = {}
        """What each working order adds to its side's exposure."""
        self.exposure: dict[str, list[Decimal]] = {}
        """Per symbol, [working buy qty, working sell qty] as counted."""

    @property
    def account_id(self) -> str:
        return self.ledger.account_id

    def count(self, order: Order, sibling: Order | None) -> None:
        """Bring `order`'s share of the working exposure up to date.

        The legs of a bracket or OCO pair always have equal open quantities and only one can
        fill, so a pair counts once: through its older working leg.
        """
        qty = order.open_qty if order.is_working else ZERO
        if qty and sibling is not None and sibling.is_working and sibling.seq < order.seq:
            qty = ZERO
        before = self.counted.pop(order.id, ZERO)
        if qty:
            self.counted[order.id] = qty
        if qty != before:
            sides = self.exposure.setdefault(order.symbol, [ZERO, ZERO])
            sides[0 if order.side is OrderSide.buy else 1] += qty - before

    def symbol_margin(
        self, instrument: Instrument, side: OrderSide | None = None, added: Decimal = ZERO
    ) -> Decimal:
        """Margin the instrument ties up, with `added` more working on `side` if given."""
        buy, sell = self.exposure.get(instrument.symbol, (ZERO, ZERO))
        if side is OrderSide.buy:
            buy += added
        elif side is OrderSide.sell:
            sell += added
        position = self.positions.get(instrument.symbol)
        held = position.qty if position else ZERO
        return symbol_margin(instrument.margin, held, buy, sell)

    def margin_used(self, instruments: Mapping[str, Instrument]) -> Decimal:
        symbols = {**dict.fromkeys(self.exposure), **dict.fromkeys(self.positions)}
        return sum((self.symbol_margin(instruments[s]) for s in symbols), ZERO)

    def valuation(
        self,
        instruments: Mapping[str, Instrument],
        quote: Callable[[str], Tick | None],
        mark: MarkPrice,
    ) -> AccountSnapshot:
        """The account at the current quotes; a position without a quote counts at cost."""
        open_positions = tuple(p for p in self.positions.values() if p.qty)
        unrealized = _unrealized(open_positions, instruments, quote, mark)
        margin = self.margin_used(instruments)
        return AccountSnapshot(self.ledger, unrealized, margin, open_positions)

    def marks(
        self,
        instruments: Mapping[str, Instrument],
        quote: Callable[[str], Tick | None],
        mark: MarkPrice,
    ) -> AccountMarks:
        """Equity and P&L today at the current quotes (as `valuation`, without the margin)."""
        return AccountMarks(
            self.ledger, _unrealized(self.positions.values(), instruments, quote, mark)
        )

    def buying_power_reason(
        self, valuation: AccountSnapshot, instrument: Instrument, side: OrderSide, added: Decimal
    ) -> str | None:
        """INSUFFICIENT_BUYING_POWER when `added` more working on `side` needs more margin
        than the account has free."""
        if added <= 0:
            return None
        before = self.symbol_margin(instrument)
        after = self.symbol_margin(instrument, side, added)
        if after > before and valuation.margin_used - before + after > valuation.equity:
            return RejectReason.INSUFFICIENT_BUYING_POWER
        return None


def _unrealized(
    positions: Iterable[Position],
    instruments: Mapping[str, Instrument],
    quote: Callable[[str], Tick | None],
    mark: MarkPrice,
) -> Decimal:
    """The positions' unrealized P&L at the current quotes; one without a quote counts 0."""
    unrealized = ZERO
    for position in positions:
        if not position.qty:
            continue
        last = quote(position.symbol)
        if last is not None:
            point_value = instruments[position.symbol].point_value
            price = mark_price(position.qty, last, mark)
            unrealized += position.unrealized_pnl(price, point_value)
    return unrealized
