"""Roles, scopes and the prop-firm rule sets: pure values, no I/O."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from propdesk.domain.accounts import Role, Scope, may_write
from propdesk.domain.risk import PRESETS, DrawdownMode, RuleSet, preset

D = Decimal


def a_rule_set(**overrides: object) -> RuleSet:
    values: dict[str, object] = {
        "name": "custom",
        "daily_loss_limit": D("500"),
        "max_loss": D("1500"),
        "drawdown": DrawdownMode.end_of_day,
        "locks_at_starting_balance": True,
        "max_contracts": 3,
    }
    values.update(overrides)
    return RuleSet(**values)  # type: ignore[arg-type]


def test_role_order_when_compared_then_admin_over_trader_over_viewer() -> None:
    assert Role.admin.at_least(Role.trader)
    assert Role.trader.at_least(Role.viewer)
    assert Role.trader.at_least(Role.trader)
    assert not Role.viewer.at_least(Role.trader)
    assert not Role.trader.at_least(Role.admin)


@pytest.mark.parametrize(
    ("role", "scopes", "expected"),
    [
        (Role.viewer, {Scope.read, Scope.trade}, False),
        (Role.trader, {Scope.read}, False),
        (Role.trader, {Scope.read, Scope.trade}, True),
        (Role.admin, {Scope.read}, False),
        (Role.admin, {Scope.read, Scope.trade}, True),
    ],
)
def test_may_write_when_role_and_scopes_given_then_needs_both(
    role: Role, scopes: set[Scope], expected: bool
) -> None:
    assert may_write(role, frozenset(scopes)) is expected


@pytest.mark.parametrize(
    ("name", "start", "daily", "max_loss", "contracts"),
    [
        ("topstep-50k", "50000", "1000", "2000", 5),
        ("topstep-100k", "100000", "2000", "3000", 10),
        ("topstep-150k", "150000", "3000", "4500", 15),
    ],
)
def test_preset_when_looked_up_then_has_the_firms_parameters(
    name: str, start: str, daily: str, max_loss: str, contracts: int
) -> None:
    found = preset(name)

    assert found.starting_balance == D(start)
    assert found.currency == "USD"
    assert found.rule_set.name == name
    assert found.rule_set.daily_loss_limit == D(daily)
    assert found.rule_set.max_loss == D(max_loss)
    assert found.rule_set.max_contracts == contracts
    assert found.rule_set.drawdown is DrawdownMode.end_of_day
    assert found.rule_set.locks_at_starting_balance is True


def test_preset_when_unknown_then_value_error() -> None:
    with pytest.raises(ValueError, match="unknown rule-set preset"):
        preset("topstep-1m")


@pytest.mark.parametrize(
    "overrides",
    [
        {"daily_loss_limit": D("0")},
        {"daily_loss_limit": D("-1")},
        {"max_loss": D("0")},
        {"max_loss": D("NaN")},
        {"max_loss": D("Infinity")},
        {"max_loss": 1500.0},
        {"max_contracts": 0},
        {"max_contracts": True},
        {"name": ""},
    ],
)
def test_rule_set_when_parameter_invalid_then_raises(overrides: dict[str, object]) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - each case has its own message
        a_rule_set(**overrides)


def test_rule_set_when_no_limits_then_valid_without_a_loss_floor() -> None:
    rule_set = RuleSet("custom")

    assert (rule_set.daily_loss_limit, rule_set.max_loss, rule_set.max_contracts) == (
        None,
        None,
        None,
    )
    assert rule_set.loss_floor(D("10000"), D("13000")) is None
    assert RuleSet.from_json(rule_set.to_json()) == rule_set
    assert rule_set.to_json()["max_loss"] is None


def test_rule_set_when_json_stored_before_limits_were_optional_then_read_the_same() -> None:
    stored = {
        "name": "topstep-50k",
        "daily_loss_limit": "1000",
        "max_loss": "2000",
        "drawdown": "end_of_day",
        "locks_at_starting_balance": True,
        "max_contracts": 5,
    }

    # The rules added since (a profit target, trade caps, ...) are not enforced on an account
    # that was opened before them; the old keys are written as they were.
    topstep = PRESETS["topstep-50k"].rule_set
    assert RuleSet.from_json(stored) == replace(topstep, profit_target=None, windows=())
    assert {key: topstep.to_json()[key] for key in stored} == stored


def test_rule_set_when_round_tripped_through_json_then_equal_and_money_exact() -> None:
    rule_set = a_rule_set(daily_loss_limit=D("512.25"))

    data = rule_set.to_json()

    assert data["daily_loss_limit"] == "512.25"
    assert RuleSet.from_json(data) == rule_set


@pytest.mark.parametrize(
    ("high", "floor"),
    [
        ("50000", "48000"),  # at the start: start minus the maximum loss
        ("49000", "48000"),  # below the start the floor does not fall
        ("51000", "49000"),  # trails the end-of-day high
        ("52000", "50000"),  # reaches the starting balance...
        ("55000", "50000"),  # ...and locks there
    ],
)
def test_loss_floor_when_topstep_high_moves_then_trails_until_starting_balance(
    high: str, floor: str
) -> None:
    topstep = PRESETS["topstep-50k"]

    assert topstep.rule_set.loss_floor(topstep.starting_balance, D(high)) == D(floor)


def test_loss_floor_when_not_locking_then_keeps_trailing() -> None:
    rule_set = a_rule_set(locks_at_starting_balance=False)

    assert rule_set.loss_floor(D("10000"), D("13000")) == D("11500")


def test_loss_floor_when_static_then_ignores_the_high() -> None:
    rule_set = a_rule_set(drawdown=DrawdownMode.static)

    assert rule_set.loss_floor(D("10000"), D("13000")) == D("8500")


def test_rule_set_when_frozen_then_cannot_change() -> None:
    rule_set = a_rule_set()

    with pytest.raises(AttributeError):
        rule_set.max_contracts = 9  # type: ignore[misc]
    assert replace(rule_set, max_contracts=9).max_contracts == 9
