"""Account figures through the broker: P&L per point value, reversals, marks, the day, restore."""

from __future__ import annotations

from propdesk.domain.broker import Broker, BrokerSettings
from propdesk.domain.events import AccountChanged, PositionChanged
from propdesk.domain.orders import OrderSide, sequential_ids
from propdesk.domain.positions import MarkPrice

from .builders import (
    ACCOUNT,
    BALANCE,
    INSTRUMENTS,
    NOW,
    SESSION_CLOSE,
    bracket,
    buy,
    d,
    fills,
    make_broker,
    of,
    sell,
    tick,
)

ROLL = SESSION_CLOSE + 3600
"""17:00 in Chicago: Thursday's trading day starts."""


def test_round_trip_when_mnq_then_two_dollars_a_point_less_commissions() -> None:
    broker = make_broker()
    broker.on_tick(tick(20000))
    broker.apply(buy(2), NOW)  # 2 @ 20000.25
    broker.on_tick(tick(20010, at=NOW + 1))
    broker.apply(sell(2), NOW + 2)  # 2 @ the bid 20009.75
    account = broker.account(ACCOUNT)
    assert account is not None
    # (20009.75 - 20000.25) × 2 × $2 = 38.00; commissions 4 sides × 0.62 = 2.48
    assert (account.realized_pnl, account.commissions) == (d("38.00"), d("2.48"))
    assert account.balance == BALANCE + d("38.00") - d("2.48")  # 50035.52
    assert (account.unrealized_pnl, account.margin_used) == (0, 0)


def test_round_trip_when_es_then_fifty_dollars_a_point() -> None:
    broker = make_broker()
    broker.on_tick(tick(6000, symbol="ES"))
    broker.apply(buy(1, symbol="ES"), NOW)  # 1 @ 6000.25
    broker.on_tick(tick("6004.25", symbol="ES", at=NOW + 1))
    broker.apply(sell(1, symbol="ES"), NOW + 2)  # @ the bid 6004.00
    account = broker.account(ACCOUNT)
    assert account is not None
    # (6004.00 - 6000.25) × $50 = 187.50; commissions 2 × 2.25 = 4.50
    assert (account.realized_pnl, account.commissions) == (d("187.50"), d("4.50"))
    assert account.balance == d("50183.00")


def test_sell_when_more_than_the_long_then_reverses_through_zero() -> None:
    broker = make_broker()
    broker.on_tick(tick(20000))
    broker.apply(buy(2), NOW)  # long 2 @ 20000.25
    broker.on_tick(tick(20005, at=NOW + 1))
    events = broker.apply(sell(5), NOW + 2)  # 5 @ the bid 20004.75
    [changed] = of(events, PositionChanged)
    # closes 2: (20004.75 - 20000.25) × 2 × $2 = 18.00; opens short 3 @ 20004.75
    assert (changed.position.qty, changed.position.avg_price) == (d(-3), d("20004.75"))
    assert broker.account(ACCOUNT).realized_pnl == d("18.00")  # type: ignore[union-attr]


def test_account_when_the_market_moves_then_equity_follows_the_bid_of_a_long() -> None:
    broker = make_broker()
    broker.on_tick(tick(20000))
    broker.apply(buy(2), NOW)  # 2 @ 20000.25, commission 1.24
    broker.on_tick(tick("20005.25", at=NOW + 1))  # bid 20005.00
    account = broker.account(ACCOUNT)
    assert account is not None
    # (20005.00 - 20000.25) × 2 × $2 = 19.00
    assert account.unrealized_pnl == d("19.00")
    assert account.equity == BALANCE - d("1.24") + d("19.00")  # 50017.76
    assert account.pnl_today == d("17.76")
    assert account.margin_used == d(4800)
    assert account.buying_power == d("45217.76")


def test_account_when_marked_at_last_then_the_spread_does_not_count() -> None:
    settings = BrokerSettings(mark=MarkPrice.last)
    broker = Broker(INSTRUMENTS, ids=sequential_ids(), settings=settings)
    broker.open_account(ACCOUNT, BALANCE, NOW)
    broker.on_tick(tick(20000))
    broker.apply(buy(2), NOW)  # 2 @ 20000.25
    # last 20000.00: (20000.00 - 20000.25) × 2 × $2 = -1.00
    assert broker.account(ACCOUNT).unrealized_pnl == d("-1.00")  # type: ignore[union-attr]


def test_account_when_exit_legs_work_then_they_add_no_margin() -> None:
    broker = make_broker()
    broker.on_tick(tick(20000))
    broker.apply(bracket(OrderSide.buy, 2, take_profit=20010, stop=19990), NOW)
    assert broker.account(ACCOUNT).margin_used == d(4800)  # type: ignore[union-attr]


def test_day_roll_when_17_in_chicago_passes_then_today_restarts_and_totals_stay() -> None:
    # Arrange: +38.00 realized on Wednesday
    broker = make_broker()
    broker.on_tick(tick(20000))
    broker.apply(buy(2), NOW)
    broker.on_tick(tick(20010, at=NOW + 1))
    broker.apply(sell(2), NOW + 2)
    # Act
    before = broker.advance(ROLL - 1)
    events = broker.advance(ROLL)
    # Assert
    assert before == []
    [changed] = of(events, AccountChanged)
    ledger = changed.ledger
    assert (ledger.realized_pnl_today, ledger.commissions_today) == (0, 0)
    assert (ledger.realized_pnl, ledger.commissions) == (d("38.00"), d("2.48"))
    assert str(ledger.trading_day) == "2025-01-16"


def test_restore_when_rebuilt_from_a_snapshot_then_continues_as_if_never_stopped() -> None:
    # Arrange: a working bracket, a position, quotes, a partial fill
    def opening(broker: Broker) -> None:
        broker.on_tick(tick(20000))
        broker.apply(bracket(OrderSide.buy, 2, take_profit=20010, stop=19990), NOW)
        broker.apply(sell(3, "limit", limit_price=20008, time_in_force="gtc"), NOW)

    def closing(broker: Broker) -> list[object]:
        return [
            *broker.on_tick(tick("20008.25", at=NOW + 1)),
            *broker.on_tick(tick(19990, at=NOW + 2)),
        ]

    ids = sequential_ids()
    straight = Broker(INSTRUMENTS, ids=ids, settings=BrokerSettings())
    straight.open_account(ACCOUNT, BALANCE, NOW)
    opening(straight)
    ids_again = sequential_ids()
    first_half = Broker(INSTRUMENTS, ids=ids_again, settings=BrokerSettings())
    first_half.open_account(ACCOUNT, BALANCE, NOW)
    opening(first_half)
    # Act
    restored = Broker.restore(first_half.snapshot(), INSTRUMENTS, ids=ids_again)
    # Assert
    expected = closing(straight)
    assert len(fills(expected)) == 2  # type: ignore[arg-type]
    assert closing(restored) == expected
    assert restored.snapshot() == straight.snapshot()


def test_open_account_when_already_open_then_nothing_changes() -> None:
    broker = make_broker()
    broker.on_tick(tick(20000))
    broker.apply(buy(1), NOW)
    assert broker.open_account(ACCOUNT, d(1), NOW + 1) == []
    assert broker.account(ACCOUNT).ledger.starting_balance == BALANCE  # type: ignore[union-attr]


def test_queries_when_the_account_is_unknown_then_empty() -> None:
    broker = make_broker()
    assert broker.account("ghost") is None
    assert broker.orders("ghost") == []
    assert broker.positions("ghost") == []
    assert broker.order_by_client_id("ghost", "abc") is None


def test_marks_when_positions_long_and_short_then_agree_with_the_valuation() -> None:
    # The tick path's risk check reads AccountMarks (no margin): it must see the same
    # equity and P&L today as the full valuation.
    for mark in MarkPrice:
        broker = Broker(INSTRUMENTS, ids=sequential_ids(), settings=BrokerSettings(mark=mark))
        broker.open_account(ACCOUNT, BALANCE, NOW)
        broker.on_tick(tick(20000))
        broker.on_tick(tick(6000, symbol="ES"))
        broker.apply(buy(2), NOW)
        broker.apply(sell(1, symbol="ES"), NOW)
        broker.on_tick(tick(20010, at=NOW + 1))
        broker.on_tick(tick("6003.25", symbol="ES", at=NOW + 1))
        account = broker._accounts[ACCOUNT]
        full, light = broker._desk.valuation(account), broker._desk.marks(account)
        assert light.unrealized_pnl != 0
        assert (light.account_id, light.equity, light.pnl_today) == (
            full.account_id,
            full.equity,
            full.pnl_today,
        )
