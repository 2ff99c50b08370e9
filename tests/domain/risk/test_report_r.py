"""R: the account's own, else 1% of the starting balance; amounts in R to two places, half
to even."""

from __future__ import annotations

from decimal import Decimal

from propdesk.domain.risk.report import default_risk_per_trade, in_r, risk_per_trade


def test_default_risk_per_trade_when_50k_then_500() -> None:
    assert default_risk_per_trade(Decimal(50_000)) == Decimal(500)


def test_risk_per_trade_when_the_account_sets_one_then_its_own() -> None:
    assert risk_per_trade(Decimal(50_000), Decimal(250)) == Decimal(250)


def test_risk_per_trade_when_the_account_sets_none_then_the_default() -> None:
    assert risk_per_trade(Decimal(50_000), None) == Decimal(500)


def test_in_r_when_divided_then_two_places_half_to_even() -> None:
    r = Decimal(500)

    assert in_r(Decimal("-1008.70"), r) == Decimal("-2.02")
    assert in_r(Decimal("-502.50"), r) == Decimal("-1.00")  # −1.005: to the even
    assert in_r(Decimal(0), r) == Decimal("0.00")
