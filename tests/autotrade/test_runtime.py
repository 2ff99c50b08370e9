"""Auto-trading: signals published on the bus become bracket orders on the accounts that
trade them, labelled with their strategy; the risk rules may refuse one (a rejected order);
a locked or busy account, or a size below one lot, lets the signal go and says so in its
risk audit log; a signal delivered twice places one order; an expired one places none.

MNQ: $2 a point, quoted 21,000.00 / 21,000.25. The signal risks 20 points: $40 a contract.
"""

from __future__ import annotations

from decimal import Decimal

from propdesk.autotrade.orders import client_order_id
from propdesk.autotrade.runtime import Outcome
from propdesk.domain.strategies import Direction
from propdesk.services import Services

from .conftest import BAR, LONG, NOON, MakeTrader, Trader, deliver, quote, signal


async def test_signal_when_the_account_trades_it_then_a_bracket_with_its_labels(
    trader: Trader,
) -> None:
    await trader.autotrade(qty=2)

    [decision] = await deliver(trader.services, LONG)

    assert (decision.outcome, decision.account_id) == (Outcome.placed, trader.account_id)
    [entry] = await trader.orders()
    assert entry["id"] == decision.order_id
    assert entry["client_order_id"] == client_order_id(LONG.id, trader.account_id)
    assert (entry["side"], entry["type"], entry["qty"], entry["order_class"]) == (
        "buy",
        "market",
        2,
        "bracket",
    )
    assert (entry["status"], entry["filled_avg_price"]) == ("filled", 21000.25)
    assert (entry["strategy"], entry["tag"], entry["regime"]) == (
        "ma_cross",
        "ma_cross",
        "trend_up",
    )
    take_profit, stop_loss = entry["legs"]
    assert (take_profit["type"], take_profit["limit_price"]) == ("limit", 21040.25)
    assert (stop_loss["type"], stop_loss["stop_price"]) == ("stop", 20980.25)
    assert {leg["time_in_force"] for leg in entry["legs"]} == {"gtc"}
    assert {(leg["strategy"], leg["tag"]) for leg in entry["legs"]} == {("ma_cross", "ma_cross")}


async def test_signal_when_short_then_a_sell_bracket_the_other_way(trader: Trader) -> None:
    await trader.autotrade()
    short = signal(
        direction=Direction.short,
        entry=Decimal("21000.00"),
        stop=Decimal("21020.00"),
        target=Decimal("20960.00"),
    )

    [decision] = await deliver(trader.services, short)

    assert decision.outcome is Outcome.placed
    [entry] = await trader.orders()
    assert (entry["side"], entry["filled_avg_price"]) == ("sell", 21000.0)
    assert [leg["side"] for leg in entry["legs"]] == ["buy", "buy"]


async def test_signal_when_delivered_twice_then_one_order_and_the_retry_answered_with_it(
    trader: Trader,
) -> None:
    await trader.autotrade()

    first, again = await deliver(trader.services, LONG, LONG)

    assert (first.outcome, again.outcome) == (Outcome.placed, Outcome.replayed)
    assert again.order_id == first.order_id
    assert len(await trader.orders()) == 1
    assert [e["code"] for e in await trader.risk_events()] == []


async def test_signal_when_the_risk_rules_refuse_it_then_a_rejected_order_is_recorded(
    make_trader: MakeTrader,
) -> None:
    # One mini at most, ten micros: eleven MNQ are past it
    trader = await make_trader({"name": "custom", "max_contracts": 1}, starting_balance=100_000)
    await trader.autotrade(qty=11)

    [decision] = await deliver(trader.services, LONG)
    [again] = await deliver(trader.services, LONG)

    assert (decision.outcome, decision.reason) == (Outcome.rejected, "MAX_CONTRACTS")
    [rejected] = await trader.orders()
    assert rejected["id"] == decision.order_id
    assert (rejected["status"], rejected["strategy"], rejected["tag"]) == (
        "rejected",
        "ma_cross",
        "ma_cross",
    )
    assert (again.outcome, again.order_id) == (Outcome.rejected, decision.order_id)


async def test_signal_when_the_account_is_locked_then_skipped_and_said_in_its_risk_events(
    trader: Trader,
) -> None:
    # Long 5 MNQ at 21,000.25; a bid of 20,900 loses 1,008.70: past the 1,000 daily limit
    bought = await trader.request(
        "POST", "/orders", json={"symbol": "MNQ", "side": "buy", "type": "market", "qty": 5}
    )
    assert bought.status_code == 201, bought.text
    await quote(trader.services, "20900.00", "20900.25", ts=NOON + 5)
    await trader.autotrade()
    orders_before = len(await trader.orders())

    [decision] = await deliver(trader.services, signal(created_at=NOON + 5))
    await deliver(trader.services, signal(created_at=NOON + 5))  # noted once

    assert decision.outcome is Outcome.skipped
    assert "locked" in (decision.reason or "")
    assert len(await trader.orders()) == orders_before
    skipped = [e for e in await trader.risk_events() if e["code"] == "AUTOTRADE_SKIPPED"]
    [note] = skipped
    assert note["action"] == "notify"
    assert note["reason"].startswith(f"signal {LONG.id} not traded: the account is locked (")


async def test_signal_when_the_account_already_trades_the_symbol_then_skipped(
    trader: Trader,
) -> None:
    await trader.autotrade()
    await deliver(trader.services, LONG)

    [decision] = await deliver(trader.services, signal(bar=BAR + 300))

    assert decision.outcome is Outcome.skipped
    assert decision.reason == "the account holds a position in MNQ"
    assert len(await trader.orders()) == 1
    assert [e["code"] for e in await trader.risk_events()] == ["AUTOTRADE_SKIPPED"]


async def test_signal_when_sized_in_r_then_the_stop_loses_at_most_that_many_r(
    trader: Trader,
) -> None:
    # R = 500; 1.5 R = 750 ÷ $40 a contract = 18.75: 18 contracts
    await trader.autotrade(risk_per_trade_r=1.5)

    [decision] = await deliver(trader.services, LONG)

    assert decision.outcome is Outcome.placed
    [entry] = await trader.orders()
    assert entry["qty"] == 18


async def test_signal_when_sized_in_r_below_one_contract_then_skipped_and_said_why(
    trader: Trader,
) -> None:
    # 0.05 R = 25 < $40: not one contract
    await trader.autotrade(risk_per_trade_r=0.05)

    [decision] = await deliver(trader.services, LONG)

    assert decision.outcome is Outcome.skipped
    assert await trader.orders() == []
    [event] = await trader.risk_events()
    assert "less than one lot step" in event["reason"]


async def test_signal_when_expired_by_the_markets_clock_then_ignored(trader: Trader) -> None:
    await trader.autotrade()
    await quote(trader.services, "21000.00", "21000.25", ts=LONG.expires_at)

    decisions = await deliver(trader.services, LONG)

    assert decisions == []
    assert trader.services.autotrader.stats.expired == 1
    assert await trader.orders() == []


async def test_signal_when_no_account_takes_it_then_nothing_is_placed(
    make_trader: MakeTrader, services: Services
) -> None:
    other_strategy, disabled, other_symbol = [await make_trader() for _ in range(3)]
    await other_strategy.autotrade(strategies=["vwap_pullback"])
    await disabled.autotrade(enabled=False)
    await other_symbol.autotrade(symbols=["ES"])
    plain = await make_trader()

    decisions = await deliver(services, LONG)

    assert decisions == []
    for account in (other_strategy, disabled, other_symbol, plain):
        assert await account.orders() == []


async def test_signal_when_several_accounts_trade_it_then_each_gets_its_own_order(
    make_trader: MakeTrader, services: Services
) -> None:
    traders = [await make_trader() for _ in range(3)]
    for each, qty in zip(traders, (1, 2, 3), strict=True):
        await each.autotrade(qty=qty)

    decisions = await deliver(services, LONG)

    assert sorted(d.account_id for d in decisions) == sorted(t.account_id for t in traders)
    assert {d.outcome for d in decisions} == {Outcome.placed}
    for each, qty in zip(traders, (1, 2, 3), strict=True):
        [entry] = await each.orders()
        assert entry["qty"] == qty
    assert len({d.order_id for d in decisions}) == 3
