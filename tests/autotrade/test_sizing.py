"""Sizing in R: R × multiple ÷ the loss of one contract at the stop, floored to the lot step."""

from __future__ import annotations

from decimal import Decimal

import pytest

from propdesk.autotrade.sizing import risk_sized_qty
from propdesk.marketdata.catalogue import Catalogue

from .conftest import signal

CATALOGUE = Catalogue.load(None)


@pytest.mark.parametrize(
    ("symbol", "entry", "stop", "risk_r", "r", "expected"),
    [
        ("MNQ", "21000.25", "20980.25", "1", "500", "12"),  # 500 ÷ (20 × $2) = 12.5
        ("MNQ", "21000.25", "20980.25", "0.08", "500", "1"),  # 40 ÷ 40: exactly one
        ("MNQ", "21000.25", "20980.25", "0.07", "500", "0"),  # 35 < 40: none
        ("ES", "6750.00", "6740.00", "2", "500", "2"),  # 1000 ÷ (10 × $50)
        ("BTCUSD", "95000.00", "94000.00", "1", "500", "0.5"),  # 500 ÷ 1000, 0.0001 lots
        ("BTCUSD", "95000.00", "94987.00", "1", "100", "7.6923"),  # 100 ÷ 13, floored
    ],
)
def test_risk_sized_qty_when_sized_then_the_stop_loses_at_most_the_risk(
    symbol: str, entry: str, stop: str, risk_r: str, r: str, expected: str
) -> None:
    instrument = CATALOGUE[symbol]
    proposed = signal(
        symbol=symbol, entry=Decimal(entry), stop=Decimal(stop), target=Decimal(entry) * 2
    )

    qty = risk_sized_qty(proposed, instrument, Decimal(risk_r), Decimal(r))

    assert qty == Decimal(expected)
    assert qty * proposed.risk * instrument.point_value <= Decimal(risk_r) * Decimal(r)
    assert qty % instrument.lot_step == 0
