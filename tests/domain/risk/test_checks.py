"""Pre-trade risk checks: which orders a rule refuses, with which code; reducing orders never."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from propdesk.domain.orders import Order, OrderStatus
from propdesk.domain.risk import (
    CUSTOM,
    Lock,
    RiskAction,
    RiskCode,
    RuleSet,
    exposure,
    pre_trade_reason,
    reduces,
)

from ..builders import NOW
from .builders import INSTRUMENTS, TOPSTEP_50K, a_state, buy, sell, valuation

D = Decimal
LOCKED = a_state(lock=Lock(RiskCode.DAILY_LOSS_LIMIT, "daily loss limit", NOW, NOW + 3600))


def reason(
    order: Order,
    *positions: tuple[str, object],
    working: tuple[Order, ...] = (),
    rules: RuleSet = TOPSTEP_50K,
    **account: object,
) -> str | None:
    state = account.pop("state", a_state())
    return pre_trade_reason(
        rules,
        state,  # type: ignore[arg-type]
        valuation(*positions, **account),  # type: ignore[arg-type]
        order,
        working,
        INSTRUMENTS,
    )


def test_pre_trade_reason_when_no_rules_then_everything_passes() -> None:
    assert reason(buy(10_000, "ES"), rules=RuleSet(CUSTOM), unrealized=-49_000) is None


def test_pre_trade_reason_when_fifty_micros_then_five_contracts_within_the_cap() -> None:
    # Arrange: 50 MNQ × 0.1 = 5.0 contracts, Topstep 50k's cap exactly
    order = buy(50)

    # Act / Assert
    assert reason(order) is None
    assert reason(buy(51)) == RiskCode.MAX_CONTRACTS  # 5.1 > 5


def test_pre_trade_reason_when_a_working_order_counts_then_the_next_past_the_cap_refused() -> None:
    # Arrange: a working buy of 3 ES; 3 + 3 = 6 > 5 if both fill, 3 + 2 = 5 fits
    working = (buy(3, "ES"),)

    # Act / Assert
    assert reason(buy(3, "ES"), working=working) == RiskCode.MAX_CONTRACTS
    assert reason(buy(2, "ES"), working=working) is None


def test_pre_trade_reason_when_exit_is_working_then_worst_case_is_one_side_at_a_time() -> None:
    # Arrange: long 3 ES with a protective sell 3 working. Buying 2 more: all buys fill → 5,
    # all sells fill → 3 − 3 = 0; worst case 5 ≤ 5. Buying 3: 6 > 5.
    working = (sell(3, "ES"),)

    # Act / Assert
    assert reason(buy(2, "ES"), ("ES", 3), working=working) is None
    assert reason(buy(3, "ES"), ("ES", 3), working=working) == RiskCode.MAX_CONTRACTS


def test_pre_trade_reason_when_contracts_across_symbols_then_the_total_cap_sums_them() -> None:
    # Arrange: long 3 ES + long 20 MNQ (2.0) = 5.0; one more MNQ is 5.1
    positions = (("ES", 3), ("MNQ", 20))

    # Act / Assert
    assert reason(buy(1), *positions) == RiskCode.MAX_CONTRACTS
    assert reason(sell(25), *positions) is None  # 20 − 25 = short 5 MNQ = 0.5: 3.5 in all


def test_pre_trade_reason_when_per_symbol_cap_then_one_symbol_limited_alone() -> None:
    # Arrange: at most 2 contracts a symbol, 5 in all
    rules = replace(TOPSTEP_50K, max_contracts_per_symbol=2)

    # Act / Assert
    assert reason(buy(3, "ES"), rules=rules) == RiskCode.MAX_CONTRACTS
    assert reason(buy(2, "ES"), ("MNQ", 20), rules=rules) is None  # ES 2, MNQ 2.0: 4 in all


def test_pre_trade_reason_when_stocks_then_they_count_nothing_toward_contracts() -> None:
    assert reason(buy(1_000, "AAPL"), ("ES", 5)) is None


def test_pre_trade_reason_when_held_bracket_leg_then_it_does_not_count() -> None:
    # A held take-profit sell of 5 ES would add nothing unless its entry fills first
    working = (sell(5, "ES", status=OrderStatus.held),)

    assert reason(buy(5, "ES"), working=working) is None


@pytest.mark.parametrize(
    ("name", "state", "account"),
    [
        ("locked", LOCKED, {}),
        ("over the contract cap", a_state(), {}),
        ("past the daily loss", a_state(), {"realized_today": -1_200, "balance": 48_800}),
        ("at the max loss floor", a_state(), {"balance": 48_000}),
        ("at the trade cap", a_state(trades_today=3), {}),
    ],
)
def test_pre_trade_reason_when_order_only_reduces_then_never_refused(
    name: str, state: object, account: dict[str, object]
) -> None:
    # Arrange: long 8 ES (over the cap of 5) with a stop sell 3 working: 8 − 3 = 5 left
    rules = replace(TOPSTEP_50K, max_trades_per_day=3)
    working = (sell(3, "ES"),)

    # Act
    got = reason(sell(5, "ES"), ("ES", 8), working=working, rules=rules, state=state, **account)

    # Assert
    assert got is None, name


def test_pre_trade_reason_when_exit_larger_than_what_working_orders_leave_then_it_adds() -> None:
    # Long 3 ES, sell 2 working: a sell of 2 could take the account short 1 → it adds exposure
    assert reduces(sell(2, "ES"), [], []) is False
    assert reason(sell(2, "ES"), ("ES", 3), working=(sell(2, "ES"),), state=LOCKED) == (
        RiskCode.ACCOUNT_LOCKED
    )
    assert reason(sell(1, "ES"), ("ES", 3), working=(sell(2, "ES"),), state=LOCKED) is None


def test_pre_trade_reason_when_short_and_buying_back_then_reduces() -> None:
    assert reason(buy(4, "ES"), ("ES", -4), state=LOCKED) is None
    assert reason(buy(5, "ES"), ("ES", -4), state=LOCKED) == RiskCode.ACCOUNT_LOCKED


def test_pre_trade_reason_when_locked_then_an_opening_order_refused() -> None:
    assert reason(buy(1), state=LOCKED) == RiskCode.ACCOUNT_LOCKED


def test_pre_trade_reason_when_locked_and_past_other_limits_then_the_lock_is_named() -> None:
    assert reason(buy(99, "ES"), state=LOCKED, balance=47_000) == RiskCode.ACCOUNT_LOCKED


@pytest.mark.parametrize(
    ("action", "expected"),
    [
        (RiskAction.notify, None),  # a warning only: the account keeps trading
        (RiskAction.liquidate, RiskCode.DAILY_LOSS_LIMIT),
        (RiskAction.liquidate_and_lock, RiskCode.DAILY_LOSS_LIMIT),
    ],
)
def test_pre_trade_reason_when_daily_loss_reached_then_refused_unless_only_notifying(
    action: RiskAction, expected: str | None
) -> None:
    # Arrange: realized −600 today, open −400: P&L today −1,000 = −limit
    rules = replace(TOPSTEP_50K, daily_loss_action=action)

    # Act
    got = reason(buy(1), rules=rules, balance=49_400, realized_today=-600, unrealized=-400)

    # Assert
    assert got == expected


def test_pre_trade_reason_when_daily_loss_not_yet_reached_then_passes() -> None:
    # −999.99 today > −1,000
    assert reason(buy(1), balance=49_000.01, realized_today=-999.99) is None


def test_pre_trade_reason_when_equity_at_the_floor_then_max_loss() -> None:
    # Arrange: high 50,000 → floor 48,000; balance 48,500, open −500: equity 48,000 ≤ floor
    got = reason(buy(1), balance=48_500, unrealized=-500)

    # Assert
    assert got == RiskCode.MAX_LOSS_LIMIT
    assert reason(buy(1), balance=48_500, unrealized=-499.75) is None


@pytest.mark.parametrize(
    ("today", "week", "expected"),
    [(2, 9, None), (3, 9, RiskCode.MAX_TRADES), (0, 10, RiskCode.MAX_TRADES)],
)
def test_pre_trade_reason_when_trade_counts_at_a_cap_then_max_trades(
    today: int, week: int, expected: str | None
) -> None:
    rules = replace(TOPSTEP_50K, max_trades_per_day=3, max_trades_per_week=10)

    got = reason(buy(1), rules=rules, state=a_state(trades_today=today, trades_week=week))

    assert got == expected


def test_pre_trade_reason_when_the_order_is_among_working_then_not_counted_twice() -> None:
    # A modify passes the order's new value; its old self may still be in the working list
    order = buy(5, "ES")

    assert reason(order, working=(order,)) is None


def test_exposure_when_positions_and_orders_then_worst_case_weighted_per_symbol() -> None:
    # ES: long 2, buys 1, sells 5 → max(|3|, |−3|) = 3; MNQ: short 10, buys 4 → max(6, 10) × 0.1
    got = exposure(
        TOPSTEP_50K,
        valuation(("ES", 2), ("MNQ", -10)).positions,
        [buy(1, "ES"), sell(5, "ES"), buy(4)],
        INSTRUMENTS,
    )

    assert got == {"ES": D(3), "MNQ": D(1)}
