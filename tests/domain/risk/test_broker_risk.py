"""The broker enforcing an account's rules: pre-trade refusals, tripwires that flatten and
lock in the same step, the roll lifting a daily lock, and a lock surviving a restore.

MNQ here: $2 a point, a tick of 0.25, $0.62 a side, $2,400 margin, a micro (weight 0.1).
"""

from __future__ import annotations

from datetime import time
from decimal import Decimal

from propdesk.domain.broker import Broker, BrokerSettings
from propdesk.domain.events import OrderCanceled, OrderRejected, RiskBreached, RiskChanged
from propdesk.domain.orders import OrderSide, OrderStatus, sequential_ids
from propdesk.domain.risk import RiskAction, RiskCode, RuleSet
from propdesk.domain.risk.windows import futures_until

from ..builders import ACCOUNT, INSTRUMENTS, NOW, SESSION_CLOSE, bracket, buy, of, sell, tick

TOPSTEP_50K = RuleSet(
    "topstep-50k",
    daily_loss_limit=Decimal(1_000),
    max_loss=Decimal(2_000),
    max_contracts=5,
)
ROLL = SESSION_CLOSE + 3600
"""17:00 in Chicago: Wednesday's trading day ends, Thursday's begins."""


def guarded(rules: RuleSet = TOPSTEP_50K, balance: int = 50_000) -> Broker:
    broker = Broker(INSTRUMENTS, ids=sequential_ids(), settings=BrokerSettings())
    broker.open_account(ACCOUNT, Decimal(balance), NOW, rules)
    broker.on_tick(tick("20000"))
    return broker


def test_submit_when_weighted_contracts_would_pass_the_cap_then_max_contracts() -> None:
    # Arrange: 5 minis = 50 micros; 40 MNQ working as a resting limit buy count already
    broker = guarded(balance=1_000_000)
    working = broker.apply(buy(40, "limit", limit_price="19990"), NOW + 1)
    # Act
    refused = broker.apply(buy(11), NOW + 2)
    accepted = broker.apply(buy(10), NOW + 3)
    # Assert
    assert of(working, OrderRejected) == []
    [rejected] = of(refused, OrderRejected)
    assert rejected.order.reject_reason == RiskCode.MAX_CONTRACTS
    assert of(accepted, OrderRejected) == []


def test_tick_when_the_daily_loss_limit_is_hit_with_a_bracket_working_then_flat_and_locked() -> (
    None
):
    # Arrange: long 5 MNQ at 20,000.25 (the ask), a bracket far from the market
    broker = guarded()
    broker.apply(bracket(OrderSide.buy, 5, take_profit="20100", stop="19800"), NOW + 1)
    # Act: bid 19,899.75: 5 × (19,899.75 − 20,000.25) × $2 = −$1,005, plus $3.10 paid
    events = broker.on_tick(tick("19900", at=NOW + 2))
    # Assert: both legs canceled, flat, locked until the roll, the breach recorded
    assert {e.order.status for e in of(events, OrderCanceled)} == {OrderStatus.canceled}
    assert len(of(events, OrderCanceled)) == 2
    assert broker.positions(ACCOUNT) == []
    assert broker.orders(ACCOUNT, open_only=True) == []
    [breached] = of(events, RiskBreached)
    assert (breached.code, breached.action) == (
        RiskCode.DAILY_LOSS_LIMIT,
        RiskAction.liquidate_and_lock,
    )
    risk = broker.risk(ACCOUNT)
    assert risk is not None
    assert risk.lock is not None
    assert risk.lock.until == ROLL
    assert of(events, RiskChanged)[-1].state == risk


def test_submit_when_locked_then_account_locked_and_the_roll_lifts_a_daily_lock() -> None:
    broker = guarded()
    broker.apply(buy(5), NOW + 1)
    broker.on_tick(tick("19900", at=NOW + 2))  # the daily loss limit: flat and locked

    refused = broker.apply(buy(1), NOW + 3)
    broker.advance(ROLL + 1)
    broker.on_tick(tick("19900", at=ROLL + 60))
    accepted = broker.apply(buy(1), ROLL + 61)

    [rejected] = of(refused, OrderRejected)
    assert rejected.order.reject_reason == RiskCode.ACCOUNT_LOCKED
    assert broker.risk(ACCOUNT).lock is None  # type: ignore[union-attr]
    assert of(accepted, OrderRejected) == []


def test_tick_when_equity_reaches_the_trailing_floor_then_locked_for_good_and_restored_so() -> None:
    # Arrange: no daily limit; max loss 2,000 from 100,000: the floor is 98,000
    rules = RuleSet("trailing", max_loss=Decimal(2_000))
    broker = guarded(rules, balance=100_000)
    broker.apply(buy(10), NOW + 1)  # 10 MNQ at 20,000.25, $6.20 paid
    # Act: bid 19,900: 10 × (19,900 − 20,000.25) × 2 = −2,005: equity 97,988.80 ≤ 98,000
    events = broker.on_tick(tick("19900.25", at=NOW + 2))
    restored = Broker.restore(broker.snapshot(), INSTRUMENTS, ids=sequential_ids())
    # Assert
    [breached] = of(events, RiskBreached)
    assert breached.code == RiskCode.MAX_LOSS_LIMIT
    assert broker.positions(ACCOUNT) == []
    after = restored.risk(ACCOUNT)
    assert after is not None
    assert after.lock is not None
    assert after.lock.until is None
    restored.advance(ROLL + 1)
    assert restored.risk(ACCOUNT).lock is not None  # type: ignore[union-attr]


def test_close_when_locked_then_never_refused_by_a_risk_rule() -> None:
    # A notify-only daily limit: the breach is reported once, the position stays
    rules = RuleSet("notify", daily_loss_limit=Decimal(100), daily_loss_action=RiskAction.notify)
    broker = guarded(rules)
    broker.apply(buy(2), NOW + 1)

    first = broker.on_tick(tick("19900", at=NOW + 2))
    second = broker.on_tick(tick("19899", at=NOW + 3))
    closed = broker.apply(sell(2), NOW + 4)

    assert [e.code for e in of(first, RiskBreached)] == [RiskCode.DAILY_LOSS_LIMIT]
    assert of(second, RiskBreached) == []
    assert of(closed, OrderRejected) == []
    assert broker.positions(ACCOUNT) == []


def test_fill_when_it_opens_a_position_then_one_trade_counted_and_max_trades_refuses() -> None:
    rules = RuleSet("two-a-day", max_trades_per_day=2)
    broker = guarded(rules)

    broker.apply(buy(1), NOW + 1)  # opens: 1
    broker.apply(sell(1), NOW + 2)  # closes: not a trade
    broker.apply(sell(1), NOW + 3)  # opens short: 2
    refused = broker.apply(sell(1), NOW + 4)  # would add: refused
    allowed = broker.apply(buy(1), NOW + 5)  # reduces: never refused

    assert broker.risk(ACCOUNT).trades_today == 2  # type: ignore[union-attr]
    [rejected] = of(refused, OrderRejected)
    assert rejected.order.reject_reason == RiskCode.MAX_TRADES
    assert of(allowed, OrderRejected) == []


FLATTEN_AT = NOW + 6 * 3600 + 600
"""15:10 in Chicago that Wednesday."""


def test_flatten_at_when_it_comes_then_futures_flat_orders_canceled_and_new_exposure_refused() -> (
    None
):
    # Arrange: Topstep's 15:10 flatten; long 2 MNQ and a resting limit
    rules = RuleSet("topstep", max_contracts=5, windows=(futures_until(time(15, 10)),))
    broker = guarded(rules)
    broker.apply(buy(2), NOW + 1)
    broker.apply(buy(1, "limit", limit_price="19000"), NOW + 2)
    # Act: the first tick at 15:10
    before = broker.on_tick(tick("20001", at=FLATTEN_AT - 1))
    events = broker.on_tick(tick("20001", at=FLATTEN_AT))
    late = broker.apply(buy(1), FLATTEN_AT + 60)
    # Assert
    assert of(before, OrderCanceled) == []
    assert broker.positions(ACCOUNT) == []
    assert broker.orders(ACCOUNT, open_only=True) == []
    assert of(events, OrderCanceled) != []
    [refused] = of(late, OrderRejected)
    assert refused.order.reject_reason == RiskCode.OUTSIDE_TRADING_WINDOW
    # The next trading day trades again, and is flattened again at its own 15:10
    broker.advance(ROLL + 1)
    broker.on_tick(tick("20001", at=ROLL + 60))
    assert of(broker.apply(buy(1), ROLL + 61), OrderRejected) == []
    assert broker.risk(ACCOUNT).flattened_at == FLATTEN_AT  # type: ignore[union-attr]
    flattened = broker.on_tick(tick("20001", at=ROLL + 22 * 3600 + 600))  # Thursday 15:10
    assert broker.positions(ACCOUNT) == []
    assert of(flattened, RiskChanged) != []


def test_tick_when_80_percent_of_the_daily_limit_is_lost_then_warned_once() -> None:
    # Arrange: daily limit 1,000, warned at 800; long 5 MNQ at 20,000.25, $3.10 paid
    broker = guarded()
    broker.apply(buy(5), NOW + 1)
    # Act: bid 19,920: 5 × (19,920 − 20,000.25) × 2 = −802.50, today −805.60
    warned = broker.on_tick(tick("19920.25", at=NOW + 2))
    deeper = broker.on_tick(tick("19915.25", at=NOW + 3))  # −855.60: still below the limit
    # Assert
    [warning] = of(warned, RiskBreached)
    assert (warning.code, warning.action) == ("DAILY_LOSS_WARNING", RiskAction.notify)
    assert of(warned, RiskChanged) != []
    assert of(deeper, RiskBreached) == []
    assert broker.risk(ACCOUNT).lock is None  # type: ignore[union-attr]
    assert len(broker.positions(ACCOUNT)) == 1
