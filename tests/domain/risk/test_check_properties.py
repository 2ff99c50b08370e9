"""Properties of the pre-trade checks over random order sequences (hypothesis), against a
brute-force exposure model: every subset of the working orders filling."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from itertools import combinations

from hypothesis import given, settings
from hypothesis import strategies as st

from propdesk.domain.orders import Order, OrderSide
from propdesk.domain.positions import Position
from propdesk.domain.risk import CUSTOM, Lock, RiskCode, RuleSet, pre_trade_reason

from ..builders import ACCOUNT, NOW
from .builders import INSTRUMENTS, a_state, an_order, valuation

WEIGHT = {"ES": Decimal(1), "MNQ": Decimal("0.1"), "AAPL": Decimal(0)}
SYMBOLS = tuple(WEIGHT)

steps = st.lists(
    st.tuples(
        st.sampled_from(["order", "order", "order", "fill"]),
        st.sampled_from(SYMBOLS),
        st.sampled_from(OrderSide),
        st.integers(1, 12),
    ),
    max_size=14,
)
caps = st.tuples(st.integers(1, 6), st.none() | st.integers(1, 4))


def worst_case(symbol: str, position: Decimal, orders: list[Order]) -> Decimal:
    """The largest weighted |position| any subset of `orders` filling could leave."""
    mine = [o.side.sign * o.qty for o in orders if o.symbol == symbol]
    reachable = (
        abs(position + sum(chosen, Decimal(0)))
        for size in range(len(mine) + 1)
        for chosen in combinations(mine, size)
    )
    return max(reachable) * WEIGHT[symbol]


def reduces(order: Order, position: Decimal, working: list[Order]) -> bool:
    same_side = sum(
        (o.qty for o in working if o.symbol == order.symbol and o.side is order.side), Decimal(0)
    )
    opposite = position * order.side.sign < 0
    return opposite and order.qty <= abs(position) - same_side


@settings(max_examples=150, deadline=None)
@given(steps=steps, caps=caps)
def test_pre_trade_reason_when_random_orders_then_worst_case_never_passes_the_caps(
    steps: list[tuple[str, str, OrderSide, int]], caps: tuple[int, int | None]
) -> None:
    # Arrange: a flat account under a total cap and perhaps a per-symbol cap
    total, per_symbol = caps
    rules = RuleSet(CUSTOM, max_contracts=total, max_contracts_per_symbol=per_symbol)
    positions = dict.fromkeys(SYMBOLS, Decimal(0))
    working: list[Order] = []

    for kind, symbol, side, qty in steps:
        if kind == "fill":
            if working:  # the oldest working order fills entirely
                filled = working.pop(0)
                positions[filled.symbol] += filled.side.sign * filled.qty
            continue
        order = an_order(side, qty, symbol)
        snapshot = valuation(*positions.items())

        # Act
        got = pre_trade_reason(rules, a_state(), snapshot, order, working, INSTRUMENTS)

        # Assert: accepted exactly when it reduces or every fill subset stays within the caps
        after = {s: worst_case(s, positions[s], [*working, order]) for s in SYMBOLS}
        fits = sum(after.values()) <= total and (per_symbol is None or after[symbol] <= per_symbol)
        assert (got is None) == (fits or reduces(order, positions[symbol], working))
        assert got in (None, RiskCode.MAX_CONTRACTS)
        if got is None:
            working.append(order)
        # Starting flat, nothing accepted can ever let a fill take the account past the caps
        now = {s: worst_case(s, positions[s], working) for s in SYMBOLS}
        assert sum(now.values()) <= total
        assert per_symbol is None or max(now.values()) <= per_symbol


positions = st.dictionaries(st.sampled_from(SYMBOLS), st.integers(-10, 10), max_size=3)
orders = st.lists(
    st.tuples(st.sampled_from(SYMBOLS), st.sampled_from(OrderSide), st.integers(1, 12)),
    max_size=6,
)


@settings(max_examples=200, deadline=None)
@given(
    held=positions,
    resting=orders,
    new=st.tuples(st.sampled_from(SYMBOLS), st.sampled_from(OrderSide), st.integers(1, 12)),
)
def test_pre_trade_reason_when_locked_then_only_reducing_orders_pass(
    held: dict[str, int], resting: list[tuple[str, OrderSide, int]], new: tuple[str, OrderSide, int]
) -> None:
    # Arrange: locked for good, no other rule
    state = a_state(lock=Lock(RiskCode.MAX_LOSS_LIMIT, "max loss", NOW, None))
    snapshot = replace(
        valuation(),
        positions=tuple(Position(ACCOUNT, s, Decimal(q)) for s, q in held.items()),
    )
    working = [an_order(side, qty, symbol) for symbol, side, qty in resting]
    symbol, side, qty = new
    order = an_order(side, qty, symbol)

    # Act
    got = pre_trade_reason(RuleSet(CUSTOM), state, snapshot, order, working, INSTRUMENTS)

    # Assert
    position = Decimal(held.get(symbol, 0))
    expected = None if reduces(order, position, working) else RiskCode.ACCOUNT_LOCKED
    assert got == expected
