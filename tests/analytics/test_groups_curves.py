"""Metrics per group, the equity curve, the P&L calendar, and arrays built from journal trips."""

from __future__ import annotations

import math
from dataclasses import asdict
from datetime import UTC, datetime, time
from decimal import Decimal

import pytest

from propdesk.analytics import TripArrays, calendar, compute_metrics, equity_curve, group_metrics
from propdesk.domain.journal import Journal
from propdesk.domain.ledger import DayBoundary
from propdesk.domain.orders import Fill, FillId, Liquidity, OrderId, OrderSide

from .reference import Trade
from .test_metrics import DAY0, T0, arrays, trade


def labelled(net: float, i: int, symbol: str | None, day: int = 0, r: float | None = None) -> Trade:
    t = trade(net, i=i, day=day, r=r)
    return Trade(t.opened_at, t.closed_at, t.net_pnl, t.r, t.day, symbol=symbol)


TRADES = [
    labelled(100.0, 0, "MNQ", r=1.0),
    labelled(-40.0, 1, "ES", r=-0.5),
    labelled(30.0, 2, None),
    labelled(-20.0, 3, "MNQ", day=1, r=-0.25),
    labelled(60.0, 4, "MNQ", day=1),
]


def test_group_metrics_when_by_symbol_then_each_group_as_its_own_trades() -> None:
    groups = group_metrics(arrays(TRADES), "symbol", starting_balance=10_000)

    assert list(groups) == ["", "ES", "MNQ"]
    mnq = [t for t in TRADES if t.symbol == "MNQ"]
    assert asdict(groups["MNQ"]) == asdict(compute_metrics(arrays(mnq), starting_balance=10_000))
    assert (groups["MNQ"].window_trades, groups["MNQ"].net_pnl) == (3, 140.0)
    assert (groups[""].window_trades, groups["ES"].total_losses) == (1, 1)


def test_group_metrics_when_a_window_then_it_applies_within_each_group() -> None:
    groups = group_metrics(arrays(TRADES), "symbol", window=1)

    assert groups["MNQ"].net_pnl == 60.0  # its last trade


def test_group_metrics_when_by_weekday_then_the_trading_day_of_the_close() -> None:
    groups = group_metrics(arrays(TRADES), "weekday")

    # DAY0 is Monday 6 January 2025
    assert {name: m.window_trades for name, m in groups.items()} == {"monday": 3, "tuesday": 2}


def test_group_metrics_when_by_hour_then_the_entry_hour_in_the_time_zone() -> None:
    utc = group_metrics(arrays(TRADES[:2]), "hour")
    chicago = group_metrics(arrays(TRADES[:2]), "hour", timezone="America/Chicago")

    # entries at 08:00 and 09:00 UTC on 6 January: 02:00 and 03:00 CST
    assert list(utc) == ["08", "09"]
    assert list(chicago) == ["02", "03"]


def test_group_metrics_when_summer_then_the_hour_follows_daylight_saving() -> None:
    july = datetime(2025, 7, 7, 13, 59, 59, tzinfo=UTC).timestamp()
    summer = TripArrays.from_columns(
        opened_at=[july, july + 1], closed_at=[july + 60, july + 61], net_pnl=[1.0, 2.0], day=[0, 0]
    )

    groups = group_metrics(summer, "hour", timezone="America/Chicago")

    # 13:59:59 and 14:00:00 UTC are 08:59:59 and 09:00:00 CDT
    assert {name: m.net_pnl for name, m in groups.items()} == {"08": 1.0, "09": 2.0}


def test_group_metrics_when_the_label_is_unknown_then_value_error() -> None:
    bare = TripArrays.from_columns(opened_at=[0.0], closed_at=[1.0], net_pnl=[1.0], day=[0])

    with pytest.raises(ValueError, match="strategy"):
        group_metrics(bare, "strategy")


def test_equity_curve_when_by_trade_then_a_point_per_close_with_its_drawdown() -> None:
    points = equity_curve(arrays(TRADES), 1_000)

    assert [p.equity for p in points] == [1_100.0, 1_060.0, 1_090.0, 1_070.0, 1_130.0]
    assert [p.pnl for p in points] == [100.0, 60.0, 90.0, 70.0, 130.0]
    assert [p.period_pnl for p in points] == [100.0, -40.0, 30.0, -20.0, 60.0]
    assert [p.drawdown for p in points] == [0.0, 40.0, 10.0, 30.0, 0.0]
    assert points[0].time == TRADES[0].closed_at
    assert points[0].day == "2025-01-06"


def test_equity_curve_when_by_day_then_a_point_per_trading_day() -> None:
    points = equity_curve(arrays(TRADES), 1_000, "day")

    assert [(p.day, p.period_pnl, p.equity, p.drawdown) for p in points] == [
        ("2025-01-06", 90.0, 1_090.0, 0.0),
        ("2025-01-07", 40.0, 1_130.0, 0.0),
    ]
    assert points[-1].time == TRADES[-1].closed_at


def test_equity_curve_when_it_starts_with_a_loss_then_drawdown_from_the_starting_balance() -> None:
    (point,) = equity_curve(arrays([trade(-25.0)]), 1_000)

    assert (point.equity, point.drawdown) == (975.0, 25.0)
    assert equity_curve(arrays([]), 1_000) == []


def test_calendar_when_a_month_then_its_trading_days_with_pnl_trades_and_r() -> None:
    days = calendar(arrays(TRADES), "2025-01")

    assert [asdict(d) for d in days] == [
        {"day": "2025-01-06", "pnl": 90.0, "trades": 3, "r": 0.5},
        {"day": "2025-01-07", "pnl": 40.0, "trades": 2, "r": -0.25},
    ]
    assert calendar(arrays(TRADES), "2025-02") == []
    with pytest.raises(ValueError, match="YYYY-MM"):
        calendar(arrays(TRADES), "2025-13")


def test_compute_metrics_when_journal_trips_then_closed_ones_in_close_order() -> None:
    journal = Journal(default_risk=lambda account: Decimal(40))
    fills = [
        ("MNQ", "buy", 1, "100", 0),
        ("ES", "sell", 1, "5000", 10),
        ("MNQ", "sell", 1, "110", 20),  # MNQ +20, +0.5 R
        ("ES", "buy", 1, "5001", 86_400),  # ES −50 the next day, −1.25 R
        ("MNQ", "buy", 1, "100", 86_500),  # open: left out
    ]
    for n, (symbol, side, qty, price, at) in enumerate(fills):
        fill = Fill(
            FillId(f"f{n}"),
            OrderId(f"o{n}"),
            "acct",
            symbol,
            OrderSide(side),
            Decimal(qty),
            Decimal(price),
            Decimal(0),
            Liquidity.taker,
            T0 + at,
        )
        journal.apply_fill(fill, Decimal(2) if symbol == "MNQ" else Decimal(50))
    midnight = DayBoundary("UTC", time(0)).trading_day

    built = TripArrays.from_trips(journal.trips(), trading_day=midnight)
    metrics = compute_metrics(journal.trips(), trading_day=midnight)

    assert built.net_pnl.tolist() == [20.0, -50.0]
    assert built.r.tolist() == [0.5, -1.25]
    assert built.day.tolist() == [DAY0, DAY0 + 1]
    assert built.labels["symbol"].names == ("MNQ", "ES")
    assert (metrics.window_trades, metrics.net_pnl, metrics.expected_r) == (2, -30.0, -0.375)
    assert metrics.avg_duration == pytest.approx((20 + 86_390) / 2)
    assert not math.isnan(metrics.max_drawdown)
