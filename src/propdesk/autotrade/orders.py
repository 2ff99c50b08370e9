"""The order a signal makes: a market bracket with the signal's stop and target as its legs.

Pure, so that the live runtime and the backtest place the very same orders.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal

from propdesk.domain.commands import StopLoss, SubmitOrder, TakeProfit
from propdesk.domain.orders import OrderClass, OrderSide, OrderType, TimeInForce
from propdesk.domain.strategies import Direction, Signal


def client_order_id(signal_id: str, account_id: str) -> str:
    """The one order id a signal may have on an account: stable across processes."""
    digest = hashlib.sha256(f"{signal_id}\n{account_id}".encode()).hexdigest()
    return f"sig-{digest[:32]}"


def bracket_order(signal: Signal, account_id: str, qty: Decimal) -> SubmitOrder:
    """The submission a signal makes on an account (the same every time it is asked).

    A market entry: the signal's entry is the close it was computed on, which the market has
    left already, and a limit there could wait for good. The take profit at the signal's
    target, the stop loss at its stop, both good till canceled (a day order's legs would
    leave the position bare at the session's close). `strategy` is the signal's strategy,
    `tag` (the journal's setup) its name too; the regime stays in the signal.
    """
    return SubmitOrder(
        account_id=account_id,
        symbol=signal.symbol,
        side=OrderSide.buy if signal.direction is Direction.long else OrderSide.sell,
        qty=qty,
        type=OrderType.market,
        time_in_force=TimeInForce.gtc,
        client_order_id=client_order_id(signal.id, account_id),
        order_class=OrderClass.bracket,
        take_profit=TakeProfit(signal.target),
        stop_loss=StopLoss(stop_price=signal.stop),
        strategy=signal.strategy,
        tag=signal.strategy,
        regime=signal.regime,
    )
