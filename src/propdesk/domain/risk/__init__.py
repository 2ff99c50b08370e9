"""The prop-firm risk rules: rule sets, the risk state of an account, pre-trade checks and
the tripwires that flatten and lock it. Pure and synchronous, as all of the domain."""

from propdesk.domain.risk.rules import (
    CUSTOM,
    PRESETS,
    DrawdownMode,
    Preset,
    RiskAction,
    RuleSet,
    preset,
)

__all__ = [
    "CUSTOM",
    "PRESETS",
    "DrawdownMode",
    "Preset",
    "RiskAction",
    "RuleSet",
    "preset",
]
