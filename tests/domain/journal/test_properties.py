"""Properties over random fill sequences (hypothesis), against the ledger's own arithmetic
(positions.apply_fill, Ledger.with_fill) and an independent FIFO match of the lots."""

from __future__ import annotations

from collections import deque
from datetime import date
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from propdesk.domain.journal import Journal, TripContext
from propdesk.domain.ledger import Ledger
from propdesk.domain.orders import ZERO, OrderSide
from propdesk.domain.positions import Position, apply_fill

from ..builders import ACCOUNT, NOW
from .builders import fill

POINT_VALUES = {"MNQ": Decimal(2), "ES": Decimal(50), "BTC": Decimal(1)}
PRICE_STEP = {"MNQ": Decimal("0.25"), "ES": Decimal("0.25"), "BTC": Decimal("0.01")}

steps = st.lists(
    st.tuples(
        st.sampled_from(tuple(POINT_VALUES)),
        st.sampled_from(OrderSide),
        st.integers(1, 7),  # quantity
        st.integers(1, 40_000),  # price in steps
        st.integers(0, 400),  # commission in cents
    ),
    max_size=40,
)


def _fifo_gross(fills: list[tuple[OrderSide, Decimal, Decimal]], point_value: Decimal) -> Decimal:
    """Gross P&L of a sequence that ends flat, matching lots first in, first out."""
    lots: deque[list[Decimal]] = deque()  # [signed qty, price]
    gross = ZERO
    for side, qty, price in fills:
        signed = qty * side.sign
        while signed and lots and (lots[0][0] > 0) != (signed > 0):
            lot = lots[0]
            matched = min(abs(lot[0]), abs(signed))
            direction = 1 if lot[0] > 0 else -1
            gross += (price - lot[1]) * matched * direction * point_value
            lot[0] -= matched * direction
            signed += matched * direction
            if not lot[0]:
                lots.popleft()
        if signed:
            lots.append([signed, price])
    assert not lots
    return gross


@settings(max_examples=300, deadline=None)
@given(steps=steps)
def test_apply_fill_when_any_fills_then_trips_net_pnl_sums_to_the_ledgers_realized_less_fees(
    steps: list[tuple[str, OrderSide, int, int, int]],
) -> None:
    journal = Journal()
    ledger = Ledger(ACCOUNT, Decimal(50_000), date(2025, 1, 15))
    positions = {symbol: Position(ACCOUNT, symbol) for symbol in POINT_VALUES}
    executed: dict[str, list[tuple[OrderSide, Decimal, Decimal]]] = {s: [] for s in POINT_VALUES}
    for i, (symbol, side, qty, price_steps, cents) in enumerate(steps):
        execution = fill(
            side.value,
            qty,
            price_steps * PRICE_STEP[symbol],
            commission=Decimal(cents) / 100,
            at=NOW + i,
            symbol=symbol,
        )
        point_value = POINT_VALUES[symbol]
        journal.apply_fill(execution, point_value)
        position, realized = apply_fill(
            positions[symbol],
            execution.side,
            execution.qty,
            execution.price,
            point_value,
            execution.ts,
        )
        positions[symbol] = position
        executed[symbol].append((execution.side, execution.qty, execution.price))
        ledger = ledger.with_fill(realized, execution.commission, execution.ts)

        trips = journal.trips()
        # exact, at every step: closed trips plus the open trips' realized part
        assert sum((t.net_pnl for t in trips), ZERO) == ledger.realized_pnl - ledger.commissions
        assert sum((t.fees for t in trips), ZERO) == ledger.commissions
        for held in positions.values():
            trip = journal.open_trip(ACCOUNT, held.symbol)
            if held.qty == 0:
                # flat: the closed trips' gross is also what matching lots FIFO gives
                assert trip is None
                mine = [t.gross_pnl for t in trips if t.symbol == held.symbol]
                fifo = _fifo_gross(executed[held.symbol], POINT_VALUES[held.symbol])
                assert sum(mine, ZERO) == fifo
                continue
            assert trip is not None
            assert trip.qty * trip.side.sign == held.qty
            assert trip.open_cost == held.cost
            assert trip.qty <= trip.max_qty <= trip.entry_qty

    for trip in journal.trips():
        assert min(trip.mae_price, trip.mfe_price, trip.mae, trip.mfe) >= 0
        if not trip.is_open:
            assert trip.exit_qty == trip.entry_qty


@settings(max_examples=200, deadline=None)
@given(steps=steps, cut=st.integers(0, 40), marks=st.lists(st.integers(1, 40_000), max_size=5))
def test_restore_when_cut_anywhere_then_carrying_on_gives_the_uninterrupted_trips(
    steps: list[tuple[str, OrderSide, int, int, int]], cut: int, marks: list[int]
) -> None:
    executions = [
        (
            fill(
                side.value,
                qty,
                price_steps * PRICE_STEP[symbol],
                commission=Decimal(cents) / 100,
                at=NOW + i,
                symbol=symbol,
            ),
            POINT_VALUES[symbol],
            TripContext(stop=price_steps * PRICE_STEP[symbol] - side.sign, tags=(symbol,)),
        )
        for i, (symbol, side, qty, price_steps, cents) in enumerate(steps)
    ]
    uninterrupted = Journal.rebuild(executions[:cut], default_risk=lambda account: Decimal(9))
    for price in marks:
        uninterrupted.mark(ACCOUNT, "MNQ", price * PRICE_STEP["MNQ"], NOW + cut)
    restored = Journal.restore(uninterrupted.trips(), default_risk=lambda account: Decimal(9))

    for journal in (uninterrupted, restored):
        for execution, point_value, context in executions[cut:]:
            journal.apply_fill(execution, point_value, stop=context.stop, tags=context.tags)

    assert restored.trips() == uninterrupted.trips()
