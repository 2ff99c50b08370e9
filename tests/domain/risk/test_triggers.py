"""Triggers skip the accounts a tick cannot bring to a limit: held to checking every account
on every tick, over random prices, the broker locks an account in the very tick whose marks
reach its limit, never later."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from propdesk.domain.broker import Broker, BrokerSettings
from propdesk.domain.orders import OrderSide, sequential_ids
from propdesk.domain.risk import RuleSet

from ..builders import INSTRUMENTS, NOW, buy, sell, tick

ACCOUNTS = ("a", "b", "c")
BASE = {"MNQ": Decimal(20000), "ES": Decimal(6000)}


@settings(max_examples=60, deadline=None)
@given(
    sides=st.lists(st.sampled_from(OrderSide), min_size=6, max_size=6),
    limits=st.lists(st.integers(50, 400), min_size=3, max_size=3),
    moves=st.lists(
        st.tuples(st.sampled_from(sorted(BASE)), st.integers(-40, 40)), min_size=5, max_size=60
    ),
)
def test_marks_when_they_reach_a_limit_then_locked_in_that_tick(
    sides: list[OrderSide], limits: list[int], moves: list[tuple[str, int]]
) -> None:
    # Arrange: three accounts, each with a position in both symbols, tight daily limits
    broker = Broker(INSTRUMENTS, ids=sequential_ids(), settings=BrokerSettings())
    mid = dict(BASE)
    for symbol, price in mid.items():
        broker.on_tick(tick(price, symbol=symbol))
    for n, account in enumerate(ACCOUNTS):
        rules = RuleSet(
            account, daily_loss_limit=Decimal(limits[n]), max_loss=Decimal(2 * limits[n])
        )
        broker.open_account(account, Decimal(1_000_000), NOW, rules)
        for k, symbol in enumerate(sorted(BASE)):
            order = buy if sides[2 * n + k] is OrderSide.buy else sell
            broker.apply(order(1, symbol=symbol, account_id=account), NOW + 1)
    # Act and assert, tick by tick
    at = NOW + 2
    for symbol, move in moves:
        at += 1
        mid[symbol] += Decimal(move) / 4
        broker.on_tick(tick(mid[symbol], symbol=symbol, at=at))
        for account in ACCOUNTS:
            risk = broker.risk(account)
            valued = broker.account(account)
            assert risk is not None
            assert valued is not None
            if risk.lock is None:
                # Not locked: then its figures are within both of its limits right now
                assert valued.pnl_today > -Decimal(limits[ACCOUNTS.index(account)])
                assert valued.equity > Decimal(1_000_000) - 2 * limits[ACCOUNTS.index(account)]
            else:
                assert broker.positions(account) == []
