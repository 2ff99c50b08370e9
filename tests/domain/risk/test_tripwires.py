"""Tripwires and breaches: the trailing floor over sessions, the daily loss actions, warnings."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest

from propdesk.domain.ledger import DayBoundary
from propdesk.domain.risk import (
    CUSTOM,
    Breach,
    DrawdownMode,
    Lock,
    RiskAction,
    RiskCode,
    RuleSet,
    TripwireStatus,
    breach,
    intraday_high,
    locked,
    max_loss_floor,
    rolled,
    traded,
    tripwires,
)

from ..builders import NOW
from .builders import DAY, INSTRUMENTS, TOPSTEP_50K, a_state, buy, sell, valuation

D = Decimal
NEXT_ROLL = DayBoundary().end_of(DAY)
"""17:00 in Chicago on 15 January 2025 = 23:00 UTC."""


def statuses(rules: RuleSet, **account: object) -> dict[str, TripwireStatus]:
    state = account.pop("state", a_state())
    found = tripwires(rules, state, valuation(**account), instruments=INSTRUMENTS)  # type: ignore[arg-type]
    return {t.name: t.status for t in found}


def test_end_of_day_trailing_floor_when_sessions_rise_then_trails_locks_and_breaches() -> None:
    # Arrange: Topstep 50k, max loss 2,000 trailing the end-of-day balance, locking at 50,000
    state = a_state()
    assert max_loss_floor(TOPSTEP_50K, state) == D(48_000)  # 50,000 − 2,000

    # Act / Assert: day 1 ends at 51,200 → floor 51,200 − 2,000 = 49,200
    state = rolled(TOPSTEP_50K, state, end_balance=D(51_200), day=DAY + timedelta(1), now=NOW)
    assert max_loss_floor(TOPSTEP_50K, state) == D(49_200)
    # day 2 ends at 52,500 → 50,500, but it stops at the starting balance: 50,000
    state = rolled(TOPSTEP_50K, state, end_balance=D(52_500), day=DAY + timedelta(2), now=NOW)
    assert max_loss_floor(TOPSTEP_50K, state) == D(50_000)
    # day 3 ends at 53,000 → still 50,000
    state = rolled(TOPSTEP_50K, state, end_balance=D(53_000), day=DAY + timedelta(3), now=NOW)
    assert max_loss_floor(TOPSTEP_50K, state) == D(50_000)
    assert state.balance_high == D(53_000)
    # day 4, intraday: balance 53,000 with an open loss of 3,001 → equity 49,999 ≤ 50,000
    # (P&L today −3,001 is past the daily limit too: the maximum loss comes first)
    found = breach(
        TOPSTEP_50K,
        state,
        valuation(balance=53_000, unrealized=-3_001),
        now=NOW,
        next_roll=NEXT_ROLL,
    )
    assert found is not None
    assert (found.code, found.action, found.until) == (
        RiskCode.MAX_LOSS_LIMIT,
        RiskAction.liquidate_and_lock,
        None,
    )
    assert "equity $49,999.00 is at or below the floor of $50,000.00" in found.reason
    assert locked(state, found, NOW).lock == Lock(RiskCode.MAX_LOSS_LIMIT, found.reason, NOW, None)


def test_breach_when_equity_one_cent_above_the_floor_then_none() -> None:
    # 48,000.01 > 48,000 and P&L today −999.99 > −1,000
    snapshot = valuation(balance=49_000.01, realized_today=-999.99)

    assert breach(TOPSTEP_50K, a_state(), snapshot, now=NOW, next_roll=NEXT_ROLL) is None


def test_breach_when_static_drawdown_then_floor_from_the_start_whatever_the_high() -> None:
    rules = replace(TOPSTEP_50K, drawdown=DrawdownMode.static, daily_loss_limit=None)
    state = a_state(balance_high=D(60_000))  # a static floor ignores it: 48,000

    assert breach(rules, state, valuation(balance=48_001), now=NOW, next_roll=NEXT_ROLL) is None
    found = breach(rules, state, valuation(balance=48_000), now=NOW, next_roll=NEXT_ROLL)
    assert found is not None
    assert "from the starting balance of $50,000.00" in found.reason


@pytest.mark.parametrize(
    ("action", "locks", "words"),
    [
        (RiskAction.notify, False, "a warning only: trading continues"),
        (RiskAction.liquidate, False, "new positions are refused until the next session"),
        (RiskAction.liquidate_and_lock, True, "locked until the next session"),
    ],
)
def test_breach_when_daily_loss_reached_then_the_rule_sets_action_until_the_roll(
    action: RiskAction, locks: bool, words: str
) -> None:
    # Arrange: realized −700 today and −312.40 open → P&L today −1,012.40 ≤ −1,000;
    # equity 49,300 − 312.40 = 48,987.60 is above the 48,000 floor
    rules = replace(TOPSTEP_50K, daily_loss_action=action)
    snapshot = valuation(balance=49_300, realized_today=-700, unrealized=-312.40)

    # Act
    found = breach(rules, a_state(), snapshot, now=NOW, next_roll=NEXT_ROLL)
    state = locked(a_state(), found, NOW) if found else None

    # Assert
    assert found is not None
    assert state is not None
    assert (found.code, found.action, found.until) == (RiskCode.DAILY_LOSS_LIMIT, action, NEXT_ROLL)
    assert found.reason.startswith("daily loss limit: lost $1,012.40 today, limit $1,000.00; ")
    assert words in found.reason
    assert found.reason.endswith("(2025-01-15T23:00:00Z)")
    assert state.can_trade is not locks
    if locks:
        assert state.lock == Lock(RiskCode.DAILY_LOSS_LIMIT, found.reason, NOW, NEXT_ROLL)


def test_locked_when_already_locked_for_good_then_a_daily_lock_does_not_shorten_it() -> None:
    forever = Lock(RiskCode.MAX_LOSS_LIMIT, "max loss", NOW, None)
    state = a_state(lock=forever)
    daily = Breach(RiskCode.DAILY_LOSS_LIMIT, "daily", RiskAction.liquidate_and_lock, NEXT_ROLL)

    assert locked(state, daily, NOW + 1).lock == forever


def test_breach_when_other_currency_then_figures_name_it() -> None:
    snapshot = valuation(balance=49_000, realized_today=-1_000)

    found = breach(TOPSTEP_50K, a_state(), snapshot, now=NOW, next_roll=NEXT_ROLL, currency="EUR")

    assert found is not None
    assert "lost 1,000.00 EUR today, limit 1,000.00 EUR" in found.reason


@pytest.mark.parametrize(
    ("account", "expected"),
    [
        ({"balance": 49_200.01, "realized_today": -799.99}, TripwireStatus.ok),
        ({"balance": 49_200, "realized_today": -800}, TripwireStatus.warning),  # 80% of 1,000
        ({"balance": 49_000, "realized_today": -1_000}, TripwireStatus.breached),
    ],
)
def test_daily_loss_tripwire_when_loss_grows_then_warns_at_eighty_percent(
    account: dict[str, object], expected: TripwireStatus
) -> None:
    assert statuses(TOPSTEP_50K, **account)["daily_loss"] is expected


@pytest.mark.parametrize(
    ("equity", "expected"),
    [
        ("48400.01", TripwireStatus.ok),  # 1,599.99 of the 2,000 used
        ("48400", TripwireStatus.warning),  # 1,600 used: 80%
        ("48000", TripwireStatus.breached),
    ],
)
def test_max_loss_tripwire_when_equity_falls_then_warns_at_eighty_percent(
    equity: str, expected: TripwireStatus
) -> None:
    rules = replace(TOPSTEP_50K, daily_loss_limit=None)

    assert statuses(rules, balance=D(equity))["max_loss"] is expected


def test_tripwires_when_every_limit_set_then_values_limits_and_remaining() -> None:
    # Arrange: long 30 MNQ (3.0) with a working buy of 10 (worst case 4.0 of 5: a warning);
    # 2 trades today of 3, 4 this week of 10, 1 red day of 3
    rules = replace(
        TOPSTEP_50K, max_trades_per_day=3, max_trades_per_week=10, max_consecutive_red_days=3
    )
    state = a_state(trades_today=2, trades_week=4, consecutive_red_days=1)
    snapshot = valuation(("MNQ", 30), balance=49_500, realized_today=-500)

    # Act
    found = tripwires(rules, state, snapshot, instruments=INSTRUMENTS, working=[buy(10), sell(5)])

    # Assert
    by_name = {t.name: (t.status, t.value, t.limit, t.remaining) for t in found}
    assert by_name == {
        "daily_loss": (TripwireStatus.ok, D(500), D(1_000), D(500)),
        "max_loss": (TripwireStatus.ok, D(49_500), D(48_000), D(1_500)),
        "contracts": (TripwireStatus.warning, D(4), D(5), D(1)),
        "trades_today": (TripwireStatus.ok, D(2), D(3), D(1)),
        "trades_week": (TripwireStatus.ok, D(4), D(10), D(6)),
        "consecutive_red_days": (TripwireStatus.ok, D(1), D(3), D(2)),
    }


def test_tripwires_when_counts_reach_caps_then_breached_but_contracts_at_cap_warn() -> None:
    rules = replace(TOPSTEP_50K, max_trades_per_day=3, max_consecutive_red_days=2)
    state = a_state(trades_today=3, consecutive_red_days=2)

    got = statuses(rules, state=state)
    at_cap = tripwires(rules, state, valuation(("ES", 5)), instruments=INSTRUMENTS)

    assert got["trades_today"] is TripwireStatus.breached
    assert got["consecutive_red_days"] is TripwireStatus.breached
    assert {t.name: t.status for t in at_cap}["contracts"] is TripwireStatus.warning


def test_tripwires_when_no_limits_or_no_instruments_then_only_what_can_be_measured() -> None:
    assert tripwires(RuleSet(CUSTOM), a_state(), valuation()) == []
    names = [t.name for t in tripwires(TOPSTEP_50K, a_state(), valuation())]
    assert names == ["daily_loss", "max_loss"]  # contracts need the instruments' weights


def test_traded_when_a_trade_then_day_and_week_count_one_more() -> None:
    state = traded(a_state(trades_today=1, trades_week=6), NOW)

    assert (state.trades_today, state.trades_week, state.updated_at) == (2, 7, NOW)


def test_intraday_high_when_intraday_mode_then_highest_equity_trails() -> None:
    # Arrange: intraday trailing 2,000 without the lock at the start
    rules = replace(TOPSTEP_50K, drawdown=DrawdownMode.intraday, locks_at_starting_balance=False)

    # Act: equity peaks at 51,000 then falls back
    state = intraday_high(rules, a_state(), D(51_000))
    state = intraday_high(rules, state, D(50_500))

    # Assert: floor 51,000 − 2,000 = 49,000; end-of-day mode ignores the intraday peak
    assert max_loss_floor(rules, state) == D(49_000)
    assert intraday_high(TOPSTEP_50K, a_state(), D(51_000)) == a_state()
