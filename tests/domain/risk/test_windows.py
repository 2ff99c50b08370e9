"""Calendars and trading windows: each account's day rolls at its family's boundary, and
each family trades only inside its window, flattened at its end.

Clock: NOW is Wednesday 15 January 2025, 15:00 UTC = 09:00 in Chicago (UTC−6 in winter).
BTC here trades around the clock, every day; MNQ on the CME's hours.
"""

from __future__ import annotations

from datetime import UTC, datetime, time
from decimal import Decimal

import pytest

from propdesk.domain import codec
from propdesk.domain.broker import Broker, BrokerState
from propdesk.domain.commands import ModifyOrder
from propdesk.domain.events import CommandRejected, OrderCanceled, OrderRejected, RiskBreached
from propdesk.domain.instruments import AssetClass, Instrument, SessionSchedule
from propdesk.domain.orders import sequential_ids
from propdesk.domain.risk import PRESETS, RiskCode, RuleSet
from propdesk.domain.risk.windows import Calendar, TradingWindow, futures_until

from ..builders import ACCOUNT, INSTRUMENTS, NOW, buy, of, placed, sell, tick

BTC = Instrument(
    symbol="BTC",
    description="Bitcoin",
    asset_class=AssetClass.crypto,
    exchange="SIM",
    currency="USD",
    tick_size=Decimal("0.01"),
    point_value=Decimal(1),
    lot_step=Decimal("0.001"),
    margin=Decimal(0),
    commission=Decimal(0),
    session=SessionSchedule("UTC", time(0), time(0), frozenset(range(7))),
    reference_price=Decimal(100_000),
    annual_volatility=0.6,
)
ALL = {**INSTRUMENTS, "BTC": BTC}
CRYPTO = "crypto-acct"


def at(year: int, month: int, day: int, hour: int, minute: int = 0) -> float:
    return datetime(year, month, day, hour, minute, tzinfo=UTC).timestamp()


def day(broker: Broker, account_id: str) -> str:
    """The account's trading day, as its ledger has it."""
    snapshot = broker.account(account_id)
    assert snapshot is not None
    return snapshot.ledger.trading_day.isoformat()


def btc(price: object, when: float) -> object:
    return tick(price, symbol="BTC", at=when)


def broker_with(rules: RuleSet, account: str = ACCOUNT, balance: int = 50_000) -> Broker:
    broker = Broker(ALL, ids=sequential_ids())
    broker.open_account(account, Decimal(balance), NOW, rules)
    broker.on_tick(tick("20000"))
    broker.on_tick(tick("100000", symbol="BTC"))
    return broker


# ---------------------------------------------------------------------- the window itself


def test_contains_when_the_window_spans_midnight_then_evening_and_day_inside_gap_outside() -> None:
    window = futures_until(time(15, 10))  # 17:00 → 15:10 Chicago
    # Chicago is UTC−6 in January: 15:10 there is 21:10 UTC
    assert window.contains(at(2025, 1, 15, 21, 9))
    assert not window.contains(at(2025, 1, 15, 21, 10))  # 15:10: closed
    assert not window.contains(at(2025, 1, 15, 22, 59))  # 16:59
    assert window.contains(at(2025, 1, 15, 23, 0))  # 17:00: the evening session opens
    assert window.contains(at(2025, 1, 16, 6, 0))  # midnight in Chicago


def test_next_end_across_daylight_saving_then_the_local_time_each_day() -> None:
    window = futures_until(time(15, 10))
    # Friday 7 March 2025, 15:10 CST = 21:10 UTC; Monday 10 March, 15:10 CDT = 20:10 UTC
    assert window.next_end(at(2025, 3, 7, 12)) == at(2025, 3, 7, 21, 10)
    assert window.next_end(at(2025, 3, 7, 21, 10)) == at(2025, 3, 8, 21, 10)  # strictly after
    assert window.next_end(at(2025, 3, 9, 21)) == at(2025, 3, 10, 20, 10)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"start": time(9), "end": time(9)}, "must differ"),
        ({"start": time(9), "end": time(16), "timezone": "Mars/Olympus"}, "unknown time zone"),
        ({"start": time(9, 30, 15), "end": time(16)}, "whole minutes"),
    ],
)
def test_window_when_malformed_then_value_error_naming_it(
    fields: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        TradingWindow(AssetClass.stock, **fields)  # type: ignore[arg-type]


def test_rule_set_when_two_windows_for_one_family_then_refused() -> None:
    with pytest.raises(ValueError, match="one trading window per asset class"):
        RuleSet("x", windows=(futures_until(time(15)), futures_until(time(15, 10))))


def test_from_json_when_stored_with_flatten_at_then_the_futures_window_ending_then() -> None:
    stored = {"name": "custom", "max_contracts": 3, "flatten_at": "15:05"}
    rules = RuleSet.from_json(stored)
    assert rules.windows == (futures_until(time(15, 5)),)
    assert rules.calendar is Calendar.cme
    assert RuleSet.from_json(rules.to_json()) == rules


# ---------------------------------------------------------------------- calendars


def test_crypto_calendar_when_utc_midnight_passes_then_the_day_rolls_and_a_daily_lock_lifts() -> (
    None
):
    # Arrange: a crypto account, daily limit $500; long 1 BTC at 100,000.01 (the ask)
    rules = RuleSet("crypto", daily_loss_limit=Decimal(500), calendar=Calendar.crypto)
    broker = broker_with(rules, CRYPTO)
    assert day(broker, CRYPTO) == "2025-01-15"
    broker.apply(buy(1, symbol="BTC", account_id=CRYPTO), NOW + 1)
    # Act: the bid falls 600 → −600 on the day: flattened and locked until 00:00 UTC
    breached = broker.on_tick(btc("99400.01", NOW + 2))
    [breach] = of(breached, RiskBreached)
    lock = broker.risk(CRYPTO).lock  # type: ignore[union-attr]
    # Assert: locked until the UTC midnight, not the CME's 17:00
    assert breach.code == RiskCode.DAILY_LOSS_LIMIT
    assert lock is not None
    assert lock.until == at(2025, 1, 16, 0)
    broker.advance(at(2025, 1, 15, 23, 30))  # 17:30 in Chicago: the CME's day has rolled
    assert broker.risk(CRYPTO).lock is not None  # type: ignore[union-attr]
    broker.advance(at(2025, 1, 16, 0))
    assert broker.risk(CRYPTO).lock is None  # type: ignore[union-attr]
    assert day(broker, CRYPTO) == "2025-01-16"


def test_two_calendars_in_one_broker_then_each_account_rolls_at_its_own_boundary() -> None:
    broker = broker_with(RuleSet("futures"))  # cme
    broker.open_account(CRYPTO, Decimal(10_000), NOW, RuleSet("c", calendar=Calendar.crypto))
    # 17:00 in Chicago (23:00 UTC): the futures account is on Thursday, the crypto one not yet
    broker.advance(at(2025, 1, 15, 23))
    assert day(broker, ACCOUNT) == "2025-01-16"
    assert day(broker, CRYPTO) == "2025-01-15"
    broker.advance(at(2025, 1, 16, 0))
    assert day(broker, CRYPTO) == "2025-01-16"
    assert broker.risk(CRYPTO).trading_day.isoformat() == "2025-01-16"  # type: ignore[union-attr]


def test_owner_changes_the_calendar_then_it_applies_from_the_roll_at_the_new_boundary() -> None:
    broker = broker_with(RuleSet("futures"))
    broker.change_rules(ACCOUNT, RuleSet("now crypto", calendar=Calendar.crypto), False, NOW + 1)
    assert day(broker, ACCOUNT) == "2025-01-15"
    broker.advance(at(2025, 1, 15, 23))  # the CME roll puts the change in force: Thursday
    assert day(broker, ACCOUNT) == "2025-01-16"
    # Thursday now ends at 00:00 UTC on Friday, not at 17:00 Thursday in Chicago
    broker.advance(at(2025, 1, 16, 23, 30))
    assert day(broker, ACCOUNT) == "2025-01-16"
    broker.advance(at(2025, 1, 17, 0))
    assert day(broker, ACCOUNT) == "2025-01-17"


# ---------------------------------------------------------------------- windows per family


CRYPTO_DAYTIME = TradingWindow(AssetClass.crypto, time(8), time(20), "UTC")
"""Crypto from 08:00 to 20:00 UTC, flat at 20:00."""


def test_crypto_window_when_it_ends_then_only_crypto_is_flattened() -> None:
    # Arrange: futures without a window, crypto 08:00–20:00 UTC; long both, a crypto limit
    rules = RuleSet("mixed", windows=(CRYPTO_DAYTIME,))
    broker = broker_with(rules)
    broker.apply(buy(1), NOW + 1)
    broker.apply(buy("0.5", symbol="BTC"), NOW + 2)
    broker.apply(buy("0.1", "limit", symbol="BTC", limit_price="90000"), NOW + 3)
    # Act: the first BTC print at 20:00 UTC
    before = broker.on_tick(btc("100000", at(2025, 1, 15, 19, 59)))
    ended = broker.on_tick(btc("100000", at(2025, 1, 15, 20)))
    # Assert: BTC flat and its order canceled; MNQ still held
    assert of(before, OrderCanceled) == []
    assert [o.order.symbol for o in of(ended, OrderCanceled)] == ["BTC"]
    assert [p.symbol for p in broker.positions(ACCOUNT)] == ["MNQ"]


def test_order_outside_its_family_window_then_refused_but_reducing_and_other_families_pass() -> (
    None
):
    rules = RuleSet("mixed", windows=(CRYPTO_DAYTIME,))
    broker = broker_with(rules)
    broker.apply(buy("0.5", symbol="BTC"), NOW + 1)
    # 21:00 UTC: the window is closed (the flatten at 20:00 is turned off here)
    rules_no_flatten = RuleSet(
        "mixed", windows=(TradingWindow(AssetClass.crypto, time(8), time(20), "UTC", False),)
    )
    broker.change_rules(ACCOUNT, rules_no_flatten, True, NOW + 2)
    late = at(2025, 1, 15, 21)
    broker.on_tick(btc("100000", late))
    broker.on_tick(tick("20000", at=late))
    added = broker.apply(buy("0.1", symbol="BTC"), late + 1)
    reduced = broker.apply(sell("0.2", symbol="BTC"), late + 2)
    futures = broker.apply(buy(1), late + 3)
    [refused] = of(added, OrderRejected)
    assert refused.order.reject_reason == RiskCode.OUTSIDE_TRADING_WINDOW
    assert of(reduced, OrderRejected) == []
    assert of(futures, OrderRejected) == []
    # 08:00 UTC the next day: open again
    morning = at(2025, 1, 16, 8)
    broker.on_tick(btc("100000", morning))
    assert of(broker.apply(buy("0.1", symbol="BTC"), morning + 1), OrderRejected) == []


def test_modify_raising_the_quantity_outside_the_window_then_refused() -> None:
    rules = RuleSet(
        "m", windows=(TradingWindow(AssetClass.crypto, time(8), time(20), "UTC", False),)
    )
    broker = broker_with(rules)
    order = placed(broker.apply(buy("0.1", "limit", symbol="BTC", limit_price="90000"), NOW + 1))
    late = at(2025, 1, 15, 21)
    broker.on_tick(btc("100000", late))
    modified = broker.apply(ModifyOrder(ACCOUNT, order.id, qty=Decimal("0.3")), late + 1)
    [rejected] = of(modified, CommandRejected)
    assert rejected.reason == RiskCode.OUTSIDE_TRADING_WINDOW


def test_restore_when_the_engine_was_down_over_a_window_end_then_flattened_on_the_first_step() -> (
    None
):
    # Arrange: long BTC inside the window, snapshot, restore after 20:00 UTC
    broker = broker_with(RuleSet("mixed", windows=(CRYPTO_DAYTIME,)))
    broker.apply(buy("0.5", symbol="BTC"), NOW + 1)
    state: BrokerState = broker.snapshot()
    again = Broker.restore(state, ALL, ids=sequential_ids("r-"))
    # Act: the first step after the restart, at 20:30 UTC
    events = again.on_tick(btc("100000", at(2025, 1, 15, 20, 30)))
    # Assert: the window's end is carried out once, late; not again on the next tick
    assert again.positions(ACCOUNT) == []
    assert of(events, OrderCanceled) == []  # nothing was working; the position closed
    snapshot = again.snapshot()
    twice = Broker.restore(snapshot, ALL, ids=sequential_ids("s-"))
    twice.apply(buy("0.1", symbol="BTC"), at(2025, 1, 16, 9))
    twice.on_tick(btc("100000", at(2025, 1, 16, 9, 1)))
    assert [p.symbol for p in twice.positions(ACCOUNT)] == ["BTC"]


def test_codec_when_rules_with_windows_and_a_calendar_cross_then_equal() -> None:
    rules = RuleSet("c", calendar=Calendar.crypto, windows=(CRYPTO_DAYTIME,))
    for value in (rules, *(p.rule_set for p in PRESETS.values())):
        assert codec.from_plain(codec.to_plain(value)) == value
