"""The committed state a gateway reads, held to the broker itself over random sequences, and
every value the engine publishes held to an exact round trip through the bus codec."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from propdesk.domain.broker import Broker
from propdesk.domain.codec import from_plain, to_plain
from propdesk.domain.commands import CancelOrder, SubmitOrder
from propdesk.domain.committed import CommittedState
from propdesk.domain.events import AccountChanged, OrderAccepted
from propdesk.domain.ledger import Ledger
from propdesk.domain.matching import FillModel
from propdesk.domain.orders import OrderId, OrderSide
from propdesk.domain.positions import MarkPrice
from propdesk.domain.results import Commit, CommitMark, result_of

from .builders import INSTRUMENTS, NOW, buy
from .test_broker_properties import (
    ACCOUNTS,
    SETTINGS,
    START,
    Interpreter,
    models,
    new_broker,
    steps_strategy,
)


def committed_view(broker: Broker) -> CommittedState:
    """Loaded from what the broker would have stored so far."""
    view = CommittedState(INSTRUMENTS, MarkPrice.quote)
    state = broker.snapshot()
    view.load(state.ledgers, state.positions, state.orders)
    return view


@SETTINGS
@given(steps=steps_strategy, model=models)
def test_committed_state_when_fed_the_brokers_events_then_it_values_every_account_alike(
    steps: list[tuple[Any, ...]], model: FillModel
) -> None:
    # Arrange: the view is loaded from what was stored half way
    interpreter = Interpreter(new_broker(model))
    interpreter.run(steps[: len(steps) // 2])
    view = committed_view(interpreter.broker)
    # Act: then it follows the events
    for event in interpreter.run(steps[len(steps) // 2 :]):
        view.apply(event)
    # Assert
    broker = interpreter.broker
    for account in ACCOUNTS:
        assert view.valuation(account, broker.quote) == broker.account(account)
        assert view.open_orders(account) == broker.orders(account, open_only=True)
        assert view.positions(account) == broker.positions(account)


@SETTINGS
@given(steps=steps_strategy, model=models)
def test_codec_when_the_brokers_events_and_results_cross_then_they_come_back_equal(
    steps: list[tuple[Any, ...]], model: FillModel
) -> None:
    interpreter = Interpreter(new_broker(model))
    events = tuple(interpreter.run(steps))
    commit = Commit(CommitMark(0, "run-1", 7), events)

    assert from_plain(to_plain(commit)) == commit


def test_committed_state_when_an_order_event_names_an_unknown_account_then_ignored() -> None:
    broker = new_broker(FillModel())
    accepted = [
        e for e in broker.apply(buy(1, "limit", limit_price=1), NOW) if isinstance(e, OrderAccepted)
    ]
    view = CommittedState(INSTRUMENTS, MarkPrice.quote)

    view.apply(accepted[0])

    assert view.open_orders("acct") == []
    assert view.valuation("acct", broker.quote) is None


def test_committed_state_when_an_account_opens_then_valued_from_its_ledger() -> None:
    view = CommittedState(INSTRUMENTS, MarkPrice.quote)
    ledger = Ledger("acct", START, date(2025, 1, 15))

    view.apply(AccountChanged(ledger, NOW))

    valued = view.valuation("acct", lambda _: None)
    assert valued is not None
    assert (valued.balance, valued.equity, valued.margin_used) == (START, START, 0)


@given(qty=st.integers(1, 3))
def test_result_of_when_a_submission_is_retried_then_replayed_with_the_original(qty: int) -> None:
    broker = new_broker(FillModel())
    command = SubmitOrder("acct", "MNQ", OrderSide.buy, Decimal(qty), client_order_id="c-1")

    first = result_of(broker, command, broker.apply(command, NOW + 1))
    again = result_of(broker, command, broker.apply(command, NOW + 2))

    assert first.order is not None
    assert not first.replayed
    assert again.replayed
    assert again.order == broker.order(first.order.id)


def test_result_of_when_a_cancel_is_refused_then_the_reason_without_an_order() -> None:
    broker = new_broker(FillModel())
    command = CancelOrder("acct", OrderId("no-such-order"))

    result = result_of(broker, command, broker.apply(command, NOW + 1))

    assert (result.rejected, result.order) == ("ORDER_NOT_FOUND", None)
