"""An account's money: balance, today's figures and their roll, margin."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal

from propdesk.domain.ledger import AccountSnapshot, DayBoundary, Ledger, symbol_margin

from .builders import d


def ledger() -> Ledger:
    return Ledger("acct", d(50_000), date(2025, 1, 15))


def utc(*args: int) -> float:
    return datetime(*args, tzinfo=UTC).timestamp()


def test_balance_when_fills_then_start_plus_realized_minus_commissions() -> None:
    after = ledger().with_fill(d("39.00"), d("2.48"), 1.0).with_fill(d(-10), d("1.24"), 2.0)
    # 50000 + (39.00 - 10) - (2.48 + 1.24) = 50025.28
    assert after.balance == d("50025.28")
    assert (after.realized_pnl_today, after.commissions_today) == (d("29.00"), d("3.72"))


def test_rolled_when_a_new_trading_day_then_today_restarts_and_totals_stay() -> None:
    before = ledger().with_fill(d("39.00"), d("2.48"), 1.0)
    after = before.rolled(date(2025, 1, 16), 2.0)
    assert (after.realized_pnl_today, after.commissions_today) == (Decimal(0), Decimal(0))
    assert after.balance == before.balance
    assert after.trading_day == date(2025, 1, 16)


def test_trading_day_when_after_17_in_chicago_then_it_is_the_next_day() -> None:
    boundary = DayBoundary()
    # 22:59 UTC = 16:59 CST (Wednesday 15th); 23:00 UTC = 17:00 CST -> Thursday's trading day
    assert boundary.trading_day(utc(2025, 1, 15, 22, 59)) == date(2025, 1, 15)
    assert boundary.trading_day(utc(2025, 1, 15, 23, 0)) == date(2025, 1, 16)
    assert boundary.end_of(date(2025, 1, 15)) == utc(2025, 1, 15, 23, 0)


def test_trading_day_when_sunday_evening_then_it_belongs_to_monday() -> None:
    assert DayBoundary().trading_day(utc(2025, 1, 19, 23, 30)) == date(2025, 1, 20)


def test_trading_day_when_the_roll_is_midnight_then_the_calendar_day() -> None:
    boundary = DayBoundary("UTC", time(0))
    assert boundary.trading_day(utc(2025, 1, 15, 23, 59)) == date(2025, 1, 15)
    assert boundary.end_of(date(2025, 1, 15)) == utc(2025, 1, 16, 0, 0)


def test_symbol_margin_when_only_a_position_then_margin_per_contract() -> None:
    assert symbol_margin(d(2400), d(-3), d(0), d(0)) == d(7200)


def test_symbol_margin_when_exit_orders_work_then_they_add_nothing() -> None:
    # long 2 with a take profit and a stop loss selling 2 each: still 2 contracts at risk
    assert symbol_margin(d(2400), d(2), d(0), d(2)) == d(4800)


def test_symbol_margin_when_orders_add_exposure_then_the_worst_side_counts() -> None:
    # long 2, buying 3 more (5) or selling 9 (short 7): the sell side is worse
    assert symbol_margin(d(2400), d(2), d(3), d(9)) == d(7) * d(2400)


def test_snapshot_when_valued_then_equity_buying_power_and_pnl_today() -> None:
    account = ledger().with_fill(d(100), d(5), 1.0)
    snapshot = AccountSnapshot(account, unrealized_pnl=d(-20), margin_used=d(4800), positions=())
    # balance 50000 + 100 - 5 = 50095; equity 50095 - 20 = 50075; free 50075 - 4800 = 45275
    assert (snapshot.balance, snapshot.equity, snapshot.buying_power) == (
        d(50095),
        d(50075),
        d(45275),
    )
    assert snapshot.pnl_today == d(75)  # 100 - 5 - 20
    assert snapshot.total_pnl == d(75)
