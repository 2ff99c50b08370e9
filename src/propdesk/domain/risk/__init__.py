"""The prop-firm risk rules: rule sets, the risk state of an account, pre-trade checks and
the tripwires that flatten and lock it. Pure and synchronous, as all of the domain."""

from propdesk.domain.risk.checks import exposure, pre_trade_reason, reduces
from propdesk.domain.risk.rules import (
    CUSTOM,
    PRESETS,
    DrawdownMode,
    Preset,
    RiskAction,
    RuleSet,
    preset,
)
from propdesk.domain.risk.state import Lock, RiskCode, RiskState, iso_week

__all__ = [
    "CUSTOM",
    "PRESETS",
    "DrawdownMode",
    "Lock",
    "Preset",
    "RiskAction",
    "RiskCode",
    "RiskState",
    "RuleSet",
    "exposure",
    "iso_week",
    "pre_trade_reason",
    "preset",
    "reduces",
]
