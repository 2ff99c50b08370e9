"""The extended rule set: its new rules, their validation, JSON old and new, contract weights."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from propdesk.domain.instruments import AssetClass
from propdesk.domain.risk import CUSTOM, PRESETS, DrawdownMode, RiskAction, RuleSet, preset

from ..builders import ES, MNQ

D = Decimal

EVERY_RULE = RuleSet(
    name=CUSTOM,
    daily_loss_limit=D("750.50"),
    max_loss=D("2500"),
    drawdown=DrawdownMode.intraday,
    locks_at_starting_balance=False,
    max_contracts=7,
    daily_loss_action=RiskAction.notify,
    max_contracts_per_symbol=3,
    micro_weight=D("0.2"),
    max_trades_per_day=10,
    max_trades_per_week=30,
    max_consecutive_red_days=4,
    warning_ratio=D("0.75"),
    profit_target=D("3000.25"),
)


def test_rule_set_when_every_rule_round_tripped_through_json_then_equal_and_exact() -> None:
    # Arrange
    rule_set = EVERY_RULE

    # Act
    data = rule_set.to_json()

    # Assert
    assert RuleSet.from_json(data) == rule_set
    assert data["micro_weight"] == "0.2"
    assert data["warning_ratio"] == "0.75"
    assert data["profit_target"] == "3000.25"
    assert data["daily_loss_action"] == "notify"


def test_to_json_when_no_limits_then_every_key_written_and_null() -> None:
    data = RuleSet(CUSTOM).to_json()

    assert set(data) == set(EVERY_RULE.to_json())
    assert data["max_trades_per_day"] is None
    assert data["profit_target"] is None
    assert data["daily_loss_action"] == "liquidate_and_lock"
    assert data["micro_weight"] == "0.1"


def test_from_json_when_only_the_name_stored_then_defaults_and_nothing_enforced() -> None:
    assert RuleSet.from_json({"name": CUSTOM}) == RuleSet(CUSTOM)


def test_from_json_when_stored_before_the_new_rules_then_new_rules_default() -> None:
    # Arrange: what an account opened before this change holds
    stored = {
        "name": "topstep-100k",
        "daily_loss_limit": "2000",
        "max_loss": "3000",
        "drawdown": "end_of_day",
        "locks_at_starting_balance": True,
        "max_contracts": 10,
    }

    # Act
    rule_set = RuleSet.from_json(stored)

    # Assert
    assert rule_set == replace(PRESETS["topstep-100k"].rule_set, profit_target=None, windows=())
    assert rule_set.daily_loss_action is RiskAction.liquidate_and_lock
    assert rule_set.micro_weight == D("0.1")
    assert rule_set.warning_ratio == D("0.8")


@pytest.mark.parametrize(
    ("name", "target"),
    [("topstep-50k", "3000"), ("topstep-100k", "6000"), ("topstep-150k", "9000")],
)
def test_preset_when_looked_up_then_has_the_profit_target_and_topstep_actions(
    name: str, target: str
) -> None:
    rule_set = preset(name).rule_set

    assert rule_set.profit_target == D(target)
    assert rule_set.daily_loss_action is RiskAction.liquidate_and_lock
    assert rule_set.micro_weight == D("0.1")
    assert rule_set.max_trades_per_day is None


@pytest.mark.parametrize(
    "overrides",
    [
        {"max_contracts_per_symbol": 0},
        {"max_trades_per_day": 0},
        {"max_trades_per_week": True},
        {"max_consecutive_red_days": -1},
        {"micro_weight": D("0")},
        {"micro_weight": D("1.5")},
        {"warning_ratio": D("0")},
        {"warning_ratio": D("NaN")},
        {"warning_ratio": 0.8},
        {"profit_target": D("0")},
        {"daily_loss_action": "explode"},
    ],
)
def test_rule_set_when_new_parameter_invalid_then_raises(overrides: dict[str, object]) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - each case has its own message
        replace(EVERY_RULE, **overrides)  # type: ignore[arg-type]


def test_contracts_when_fifty_micros_then_five_contracts() -> None:
    # 50 MNQ × 0.1 = 5 contracts: Topstep's 50k allows 5 minis or 50 micros
    assert PRESETS["topstep-50k"].rule_set.contracts(MNQ, D(50)) == D(5)


def test_contracts_when_a_mini_or_a_short_then_its_absolute_quantity() -> None:
    rule_set = RuleSet(CUSTOM)

    assert rule_set.contracts(ES, D(3)) == D(3)
    assert rule_set.contracts(ES, D(-3)) == D(3)


@pytest.mark.parametrize("asset_class", [AssetClass.stock, AssetClass.crypto])
def test_contracts_when_stock_or_crypto_then_counts_nothing(asset_class: AssetClass) -> None:
    instrument = replace(ES, asset_class=asset_class)

    assert RuleSet(CUSTOM).contracts(instrument, D(100)) == 0
