"""The session roll: locks lifting or staying, red days, trade counters by ISO week, progress."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest

from propdesk.domain.risk import (
    Lock,
    RiskCode,
    RiskState,
    TripwireStatus,
    consistency,
    iso_week,
    profit_target_progress,
    rolled,
    tripwires,
)

from ..builders import NOW
from .builders import DAY, START, TOPSTEP_50K, a_state, valuation

D = Decimal
RED_DAYS = replace(TOPSTEP_50K, max_consecutive_red_days=3)


def roll_through(state: RiskState, *day_pnls: object, rules: object = RED_DAYS) -> RiskState:
    """One session roll per P&L, each day's end balance = the day's start + its P&L."""
    for number, pnl in enumerate(day_pnls, start=1):
        end = state.day_start_balance + D(str(pnl))
        state = rolled(
            rules,  # type: ignore[arg-type]
            state,
            end_balance=end,
            day=state.trading_day + timedelta(1),
            now=NOW + number * 86_400,
        )
    return state


def test_rolled_when_daily_lock_lifts_by_now_then_unlocked_and_a_new_day() -> None:
    # Arrange: locked until the roll at NOW + 8 h
    lock = Lock(RiskCode.DAILY_LOSS_LIMIT, "daily loss limit", NOW, NOW + 8 * 3600)
    state = a_state(lock=lock, trades_today=4, day_start_balance=START)

    # Act: the roll happens at that moment; the day closed at 48,950 (−1,050)
    after = rolled(
        TOPSTEP_50K, state, end_balance=D(48_950), day=DAY + timedelta(1), now=NOW + 8 * 3600
    )

    # Assert
    assert after.can_trade
    assert (after.trading_day, after.day_start_balance, after.trades_today) == (
        DAY + timedelta(1),
        D(48_950),
        0,
    )


def test_rolled_when_lock_is_for_good_then_it_stays() -> None:
    lock = Lock(RiskCode.MAX_LOSS_LIMIT, "maximum loss", NOW, None)

    after = rolled(TOPSTEP_50K, a_state(lock=lock), end_balance=D(47_900), day=DAY, now=NOW + 9e9)

    assert after.lock == lock


def test_rolled_when_lock_lifts_later_then_it_stays_until_then() -> None:
    lock = Lock(RiskCode.DAILY_LOSS_LIMIT, "daily", NOW, NOW + 86_400)

    after = rolled(TOPSTEP_50K, a_state(lock=lock), end_balance=START, day=DAY, now=NOW + 3_600)

    assert after.lock == lock


def test_rolled_when_red_green_and_flat_days_then_the_streak_counts_resets_and_holds() -> None:
    # Arrange / Act: −200 (1), −100 (2), 0 flat (still 2), +50 green (0), −10 (1)
    counts = [
        roll_through(a_state(), *pnls).consecutive_red_days
        for pnls in (
            [-200],
            [-200, -100],
            [-200, -100, 0],
            [-200, -100, 0, 50],
            [-200, -100, 0, 50, -10],
        )
    ]

    # Assert
    assert counts == [1, 2, 2, 0, 1]


def test_rolled_when_red_days_reach_the_cap_then_locked_until_an_admin_resets() -> None:
    # Arrange / Act: three red days in a row, a flat one between: −100, −50, 0, −25
    state = roll_through(a_state(), -100, -50, 0, -25)

    # Assert: locked for good on the third red day's roll; the tripwire shows it breached
    assert state.consecutive_red_days == 3
    assert state.lock is not None
    assert (state.lock.code, state.lock.until) == (RiskCode.CONSECUTIVE_RED_DAYS, None)
    assert state.lock.reason == (
        "3 red days in a row (the limit is 3); locked until an admin resets the account"
    )
    wires = {t.name: t.status for t in tripwires(RED_DAYS, state, valuation())}
    assert wires["consecutive_red_days"] is TripwireStatus.breached


def test_rolled_when_two_red_days_then_warned_not_locked() -> None:
    # 2 of 3 = 67% < 80%: ok; with warning_ratio 0.6 it warns
    state = roll_through(a_state(), -100, -50)
    eager = replace(RED_DAYS, warning_ratio=D("0.6"))

    assert state.can_trade
    assert {t.name: t.status for t in tripwires(RED_DAYS, state, valuation())}[
        "consecutive_red_days"
    ] is TripwireStatus.ok
    assert {t.name: t.status for t in tripwires(eager, state, valuation())}[
        "consecutive_red_days"
    ] is TripwireStatus.warning


@pytest.mark.parametrize(
    ("before", "after", "trades_week"),
    [
        (date(2025, 1, 15), date(2025, 1, 16), 7),  # Wednesday → Thursday, both 2025-W03
        (date(2025, 1, 17), date(2025, 1, 20), 0),  # Friday → Monday: 2025-W04
        (date(2024, 12, 27), date(2024, 12, 30), 0),  # 2024-W52 → 2025-W01
        (date(2024, 12, 30), date(2025, 1, 2), 7),  # a new calendar year, the same ISO week
    ],
)
def test_rolled_when_the_iso_week_changes_then_the_weekly_count_starts_again(
    before: date, after: date, trades_week: int
) -> None:
    state = replace(
        a_state(trades_today=2, trades_week=7), trading_day=before, week=iso_week(before)
    )

    got = rolled(TOPSTEP_50K, state, end_balance=START, day=after, now=NOW)

    assert (got.trades_today, got.trades_week, got.week) == (0, trades_week, iso_week(after))


def test_iso_week_when_formatted_then_year_and_two_digit_week() -> None:
    assert iso_week(date(2026, 12, 1)) == "2026-W49"
    assert iso_week(date(2025, 1, 15)) == "2025-W03"


def test_profit_target_progress_when_balance_above_the_start_then_profit_and_target() -> None:
    # 51,500 − 50,000 = 1,500 of Topstep 50k's 3,000
    assert profit_target_progress(TOPSTEP_50K, a_state(), D(51_500)) == (D(1_500), D(3_000))
    assert (
        profit_target_progress(replace(TOPSTEP_50K, profit_target=None), a_state(), START) is None
    )


def test_consistency_when_days_closed_then_best_day_over_total_profit() -> None:
    # Arrange / Act: +1,000, +500, −300, +1,800 → total 3,000, best day 1,800
    state = roll_through(a_state(), 1_000, 500, -300, 1_800, rules=TOPSTEP_50K)

    # Assert: 1,800 ÷ 3,000 = 0.6
    assert (state.best_day, state.total_profit) == (D(1_800), D(3_000))
    assert consistency(state) == D("0.6")
    assert profit_target_progress(TOPSTEP_50K, state, state.day_start_balance) == (
        D(3_000),
        D(3_000),
    )


def test_consistency_when_no_profit_yet_then_none() -> None:
    assert consistency(a_state()) is None
    assert consistency(roll_through(a_state(), -100, 50, rules=TOPSTEP_50K)) is None  # −50 total


def test_state_new_when_opened_then_high_and_day_start_at_the_balance() -> None:
    state = RiskState.new("acct", START, DAY, NOW)

    assert (state.balance_high, state.day_start_balance, state.week) == (START, START, "2025-W03")
    assert state.can_trade
    assert (state.trades_today, state.trades_week, state.lock) == (0, 0, None)


def test_roll_when_the_iso_week_changes_then_the_week_starts_at_the_end_balance() -> None:
    # Wednesday → Thursday stays in W03; Friday's close rolls into Monday 20 January (W04)
    state = a_state()
    thursday = rolled(TOPSTEP_50K, state, end_balance=D(50_400), day=date(2025, 1, 16), now=NOW)
    friday = rolled(TOPSTEP_50K, thursday, end_balance=D(50_100), day=date(2025, 1, 17), now=NOW)
    monday = rolled(TOPSTEP_50K, friday, end_balance=D(49_800), day=date(2025, 1, 20), now=NOW)
    assert (thursday.week_start_balance, friday.week_start_balance) == (START, START)
    assert (monday.week, monday.week_start_balance) == ("2025-W04", D(49_800))
