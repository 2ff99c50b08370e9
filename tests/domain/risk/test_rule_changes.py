"""A change of an account's rules: the owner's waits for the next trading day (kept in the
risk state, so it survives a restore), an admin's is in force at once and judged at once,
and the owner of a locked account changes nothing.

MNQ here: $2 a point, a tick of 0.25, $0.62 a side, a micro (weight 0.1).
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from propdesk.domain.broker import Broker, BrokerSettings
from propdesk.domain.events import OrderRejected, RiskBreached, RiskChanged
from propdesk.domain.orders import sequential_ids
from propdesk.domain.results import ChangeRules, CommandResult, result_of
from propdesk.domain.risk import RiskAction, RiskCode, RuleSet

from ..builders import ACCOUNT, INSTRUMENTS, NOW, SESSION_CLOSE, buy, of, sell, tick

TOPSTEP_50K = RuleSet(
    "topstep-50k",
    daily_loss_limit=Decimal(1_000),
    max_loss=Decimal(2_000),
    max_contracts=5,
)
ONE_LOT = RuleSet("custom", daily_loss_limit=Decimal(1_000), max_contracts=1)
"""At most one contract: 10 MNQ."""
ROLL = SESSION_CLOSE + 3600
"""17:00 in Chicago: Wednesday's trading day ends, Thursday's begins."""


def guarded(rules: RuleSet = TOPSTEP_50K) -> Broker:
    broker = Broker(INSTRUMENTS, ids=sequential_ids(), settings=BrokerSettings())
    broker.open_account(ACCOUNT, Decimal(50_000), NOW, rules)
    broker.on_tick(tick("20000"))
    return broker


def _refused(events: list[object]) -> list[str | None]:
    return [e.order.reject_reason for e in events if isinstance(e, OrderRejected)]


def test_change_by_the_owner_when_made_then_pending_until_the_roll_and_in_force_after() -> None:
    broker = guarded()

    changed = broker.change_rules(ACCOUNT, ONE_LOT, False, NOW + 1)
    today = broker.apply(buy(11), NOW + 2)  # 1.1 contracts: within the 5 still in force
    broker.apply(sell(11), NOW + 3)
    risk = broker.risk(ACCOUNT)
    assert risk is not None
    assert risk.pending_rules == ONE_LOT
    [event] = of(changed, RiskChanged)
    assert (event.rules, event.state.pending_rules) == (TOPSTEP_50K, ONE_LOT)
    [audit] = of(changed, RiskBreached)
    assert (audit.code, audit.action) == ("RULES_CHANGED", RiskAction.notify)
    assert _refused(today) == []

    rolled = broker.advance(ROLL + 1)
    broker.on_tick(tick("20000", at=ROLL + 60))
    tomorrow = broker.apply(buy(11), ROLL + 61)  # 1.1 contracts: past the one now in force

    [at_roll] = of(rolled, RiskChanged)
    assert at_roll.rules == ONE_LOT
    assert at_roll.state.pending_rules is None
    assert broker.risk(ACCOUNT).pending_rules is None  # type: ignore[union-attr]
    assert _refused(tomorrow) == [RiskCode.MAX_CONTRACTS]


def test_change_by_the_owner_when_restored_before_the_roll_then_still_pending_and_applied() -> None:
    broker = guarded()
    broker.change_rules(ACCOUNT, ONE_LOT, False, NOW + 1)

    restored = Broker.restore(broker.snapshot(), INSTRUMENTS, ids=sequential_ids())
    restored.advance(ROLL + 1)
    restored.on_tick(tick("20000", at=ROLL + 60))
    refused = restored.apply(buy(11), ROLL + 61)

    assert _refused(refused) == [RiskCode.MAX_CONTRACTS]


def test_change_by_the_owner_when_made_twice_then_the_second_waits() -> None:
    broker = guarded()
    second = replace(ONE_LOT, max_contracts=2)

    broker.change_rules(ACCOUNT, ONE_LOT, False, NOW + 1)
    broker.change_rules(ACCOUNT, second, False, NOW + 2)
    [at_roll] = of(broker.advance(ROLL + 1), RiskChanged)

    assert at_roll.rules == second


def test_change_by_an_admin_when_made_then_in_force_at_once_and_a_waiting_change_dropped() -> None:
    broker = guarded()
    broker.change_rules(ACCOUNT, replace(ONE_LOT, max_contracts=3), False, NOW + 1)

    changed = broker.change_rules(ACCOUNT, ONE_LOT, True, NOW + 2)
    refused = broker.apply(buy(11), NOW + 3)
    [rolled] = of(broker.advance(ROLL + 1), RiskChanged)

    [event] = of(changed, RiskChanged)
    assert (event.rules, event.state.pending_rules) == (ONE_LOT, None)
    assert _refused(refused) == [RiskCode.MAX_CONTRACTS]
    assert rolled.rules == ONE_LOT


def test_change_by_an_admin_when_a_new_limit_is_already_passed_then_flat_and_locked_at_once() -> (
    None
):
    # Arrange: long 5 MNQ at 20,000.25; bid 19,950: 5 × (19,950 − 20,000.25) × 2 = −502.50,
    # −505.60 today with $3.10 paid: within the 1,000 limit
    broker = guarded()
    broker.apply(buy(5), NOW + 1)
    broker.on_tick(tick("19950", at=NOW + 2))
    assert broker.risk(ACCOUNT).lock is None  # type: ignore[union-attr]
    # Act: a 500 limit
    tighter = replace(TOPSTEP_50K, daily_loss_limit=Decimal(500))
    events = broker.change_rules(ACCOUNT, tighter, True, NOW + 3)
    # Assert
    codes = [e.code for e in of(events, RiskBreached)]
    assert codes == ["RULES_CHANGED", RiskCode.DAILY_LOSS_LIMIT]
    assert broker.positions(ACCOUNT) == []
    lock = broker.risk(ACCOUNT).lock  # type: ignore[union-attr]
    assert lock is not None
    assert lock.code == RiskCode.DAILY_LOSS_LIMIT


def test_change_by_the_owner_when_locked_then_nothing_changes() -> None:
    broker = guarded()
    broker.apply(buy(5), NOW + 1)
    broker.on_tick(tick("19900", at=NOW + 2))  # the daily loss limit: flat and locked
    before = broker.risk(ACCOUNT)

    events = broker.change_rules(ACCOUNT, ONE_LOT, False, NOW + 3)

    assert events == []
    assert broker.risk(ACCOUNT) == before
    assert before is not None
    assert before.lock is not None
    assert before.pending_rules is None


def test_change_when_the_account_has_no_rules_then_a_no_op() -> None:
    broker = Broker(INSTRUMENTS, ids=sequential_ids(), settings=BrokerSettings())
    broker.open_account(ACCOUNT, Decimal(50_000), NOW)

    assert broker.change_rules(ACCOUNT, ONE_LOT, True, NOW + 1) == []


def test_result_of_a_change_when_applied_then_its_events_without_a_rejection() -> None:
    broker = guarded()
    command = ChangeRules(ACCOUNT, ONE_LOT, at_once=False)

    produced = broker.change_rules(ACCOUNT, ONE_LOT, False, NOW + 1)

    assert result_of(broker, command, produced) == CommandResult(tuple(produced))
