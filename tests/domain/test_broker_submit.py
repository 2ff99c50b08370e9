"""Submitting: validation as recorded rejections, idempotent client ids, buying power, risk seam."""

from __future__ import annotations

from decimal import Decimal

import pytest

from propdesk.domain.commands import SubmitOrder
from propdesk.domain.errors import RejectReason
from propdesk.domain.events import CommandRejected, OrderAccepted, OrderRejected
from propdesk.domain.ledger import AccountSnapshot
from propdesk.domain.orders import Order, OrderStatus

from .builders import ACCOUNT, NOW, buy, d, fills, make_broker, of, placed, sell, tick

R = RejectReason


@pytest.mark.parametrize(
    ("command", "reason"),
    [
        (buy(1, symbol="XYZ"), R.UNKNOWN_SYMBOL),
        (buy(0), R.INVALID_QUANTITY),
        (buy(-1), R.INVALID_QUANTITY),
        (buy("1.5"), R.INVALID_QUANTITY),  # MNQ trades whole contracts
        (buy(1, "limit"), R.INVALID_PRICE),  # no limit price
        (buy(1, limit_price=19990), R.INVALID_PRICE),  # a market order with a limit
        (buy(1, "limit", limit_price=-5), R.INVALID_PRICE),
        (buy(1, "stop_limit", stop_price=20010), R.INVALID_PRICE),  # no limit
        (sell(1, "trailing_stop", trail_price=5, trail_percent=1), R.INVALID_PRICE),
        (sell(1, "trailing_stop", trail_percent=100), R.INVALID_PRICE),
        (buy(1, "limit", limit_price=Decimal("NaN")), R.INVALID_PRICE),
        (buy(1, "limit", limit_price="19990.10"), R.INVALID_TICK),
        (buy(1, "stop", stop_price="20010.30"), R.INVALID_TICK),
        (sell(1, "trailing_stop", trail_price="2.1"), R.INVALID_TICK),
    ],
)
def test_submit_when_invalid_then_recorded_as_rejected_with_the_reason(
    command: SubmitOrder, reason: RejectReason
) -> None:
    # Arrange
    broker = make_broker()
    broker.on_tick(tick(20000))
    # Act
    events = broker.apply(command, NOW)
    # Assert: one OrderRejected, and the order is there to be read back
    [event] = events
    assert isinstance(event, OrderRejected)
    assert (event.order.status, event.order.reject_reason) == (OrderStatus.rejected, reason)
    assert broker.order(event.order.id) == event.order
    assert broker.orders(ACCOUNT) == [event.order]


@pytest.mark.parametrize(
    ("command", "reason"),
    [
        (buy(1, client_order_id=""), R.INVALID_CLIENT_ORDER_ID),
        (buy(1, client_order_id="x" * 65), R.INVALID_CLIENT_ORDER_ID),
        (buy(1, client_order_id="nul\x00"), R.INVALID_CLIENT_ORDER_ID),
        (buy(1, symbol="X" * 33), R.UNKNOWN_SYMBOL),
    ],
)
def test_submit_when_it_could_not_be_looked_up_again_then_refused_without_a_record(
    command: SubmitOrder, reason: RejectReason
) -> None:
    broker = make_broker()
    broker.on_tick(tick(20000))

    events = broker.apply(command, NOW)

    assert [(type(e), e.reason) for e in events] == [(CommandRejected, reason)]  # type: ignore[union-attr]
    assert broker.orders(ACCOUNT) == []


def test_submit_when_the_account_is_unknown_then_rejected_without_an_order() -> None:
    broker = make_broker()
    events = broker.apply(buy(1, account_id="ghost"), NOW)
    assert [(type(e), e.reason) for e in events] == [  # type: ignore[union-attr]
        (CommandRejected, R.ACCOUNT_NOT_FOUND)
    ]


# ---------------------------------------------------------------- idempotency


def test_submit_when_retried_with_the_same_body_then_nothing_new_happens() -> None:
    broker = make_broker()
    broker.on_tick(tick(20000))
    first = broker.apply(buy(2, client_order_id="abc"), NOW)
    # 2.0 is the same quantity as 2
    retry = broker.apply(buy("2.0", client_order_id="abc"), NOW + 1)
    assert retry == []
    assert len(fills(first)) == 1
    assert broker.order_by_client_id(ACCOUNT, "abc") == broker.orders(ACCOUNT)[0]
    assert len(broker.orders(ACCOUNT)) == 1


def test_submit_when_the_client_id_is_reused_with_another_body_then_a_conflict() -> None:
    broker = make_broker()
    broker.on_tick(tick(20000))
    broker.apply(buy(2, client_order_id="abc"), NOW)
    events = broker.apply(buy(3, client_order_id="abc"), NOW + 1)
    assert [e.reason for e in of(events, CommandRejected)] == [R.DUPLICATE_CLIENT_ORDER_ID]
    assert len(broker.orders(ACCOUNT)) == 1


def test_submit_when_a_rejected_submission_is_retried_then_the_rejection_stands() -> None:
    broker = make_broker()
    first = broker.apply(buy(1, client_order_id="abc"), NOW)  # no quote yet
    broker.on_tick(tick(20000))
    retry = broker.apply(buy(1, client_order_id="abc"), NOW + 1)
    assert of(first, OrderRejected)
    assert retry == []


def test_submit_when_client_ids_repeat_across_accounts_then_both_are_accepted() -> None:
    broker = make_broker()
    broker.open_account("other", d(50_000), NOW)
    broker.on_tick(tick(20000))
    mine = broker.apply(buy(1, client_order_id="abc"), NOW)
    theirs = broker.apply(buy(1, client_order_id="abc", account_id="other"), NOW)
    assert len(of(mine, OrderAccepted)) == len(of(theirs, OrderAccepted)) == 1


def test_submit_when_no_client_id_then_one_is_generated() -> None:
    broker = make_broker()
    broker.on_tick(tick(20000))
    a = placed(broker.apply(buy(1), NOW))
    b = placed(broker.apply(buy(1), NOW))
    assert a.client_order_id
    assert a.client_order_id != b.client_order_id


# ---------------------------------------------------------------- buying power


def test_submit_when_margin_fits_the_equity_then_accepted_and_one_more_is_not() -> None:
    # 50,000 of equity at 2,400 a contract: 20 contracts (48,000) fit, 21 (50,400) do not
    broker = make_broker()
    broker.on_tick(tick(20000))
    fits = broker.apply(buy(20, "limit", limit_price=19990), NOW)
    one_more = broker.apply(buy(1, "limit", limit_price=19990), NOW)
    assert of(fits, OrderAccepted)
    assert [e.order.reject_reason for e in of(one_more, OrderRejected)] == [
        R.INSUFFICIENT_BUYING_POWER
    ]
    account = broker.account(ACCOUNT)
    assert account is not None
    assert (account.margin_used, account.buying_power) == (d(48000), d(2000))


def test_submit_when_an_order_reduces_exposure_then_no_margin_is_needed() -> None:
    broker = make_broker()
    broker.on_tick(tick(20000))
    broker.apply(buy(20, "limit", limit_price=19990), NOW)
    # selling 1 against 20 working buys never adds exposure beyond 20
    events = broker.apply(sell(1, "limit", limit_price=20010), NOW)
    assert of(events, OrderAccepted)


def test_submit_when_losses_shrink_equity_then_buying_power_shrinks() -> None:
    broker = make_broker(balance=d(5000))
    broker.on_tick(tick(20000))
    broker.apply(buy(1), NOW)  # 1 @ 20000.25, margin 2,400
    # bid 19700.00: (19700 - 20000.25) × $2 = -600.50; equity 5000 - 0.62 - 600.50 = 4398.88
    broker.on_tick(tick("19700.25", at=NOW + 1))
    events = broker.apply(buy(1), NOW + 2)  # 2 contracts need 4,800
    assert [e.order.reject_reason for e in of(events, OrderRejected)] == [
        R.INSUFFICIENT_BUYING_POWER
    ]
    assert broker.account(ACCOUNT).equity == d("4398.88")  # type: ignore[union-attr]


# ---------------------------------------------------------------- the risk seam


def test_submit_when_a_pre_trade_check_objects_then_rejected_with_its_reason() -> None:
    seen: list[tuple[AccountSnapshot, Order]] = []

    def max_one_contract(account: AccountSnapshot, order: Order) -> str | None:
        seen.append((account, order))
        return "MAX_CONTRACTS" if order.qty > 1 else None

    broker = make_broker(checks=[max_one_contract])
    broker.on_tick(tick(20000))
    allowed = broker.apply(buy(1), NOW)
    denied = broker.apply(buy(2), NOW)
    assert of(allowed, OrderAccepted)
    assert [e.order.reject_reason for e in of(denied, OrderRejected)] == ["MAX_CONTRACTS"]
    assert [(a.account_id, o.qty) for a, o in seen] == [(ACCOUNT, d(1)), (ACCOUNT, d(2))]


def test_submit_when_validation_fails_then_pre_trade_checks_are_not_consulted() -> None:
    calls: list[Order] = []
    broker = make_broker(checks=[lambda account, order: calls.append(order)])  # type: ignore[func-returns-value]
    broker.on_tick(tick(20000))
    broker.apply(buy(0), NOW)
    assert calls == []
