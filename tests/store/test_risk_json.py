"""A risk state's JSON column: exact with a change of the rules waiting, and read as well
from rows written before a state could hold one."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

from propdesk.domain.risk import RiskState, RuleSet
from propdesk.store.repositories.trading_rows import risk_from_json, risk_to_json

STATE = RiskState.new("acct", Decimal(50_000), date(2025, 1, 15), 1.0)


def test_risk_json_when_rules_wait_then_the_round_trip_is_exact() -> None:
    waiting = replace(STATE, pending_rules=RuleSet("custom", max_loss=Decimal("1500.50")))

    assert risk_from_json(risk_to_json(waiting)) == waiting


def test_risk_json_when_written_before_pending_rules_existed_then_none_wait() -> None:
    stored = risk_to_json(STATE)
    del stored["pending_rules"]

    assert risk_from_json(stored) == STATE
