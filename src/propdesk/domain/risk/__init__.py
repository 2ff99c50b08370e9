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
from propdesk.domain.risk.tripwires import (
    Breach,
    Tripwire,
    TripwireStatus,
    breach,
    consistency,
    intraday_high,
    locked,
    max_loss_floor,
    profit_target_progress,
    rolled,
    traded,
    tripwires,
)

__all__ = [
    "CUSTOM",
    "PRESETS",
    "Breach",
    "DrawdownMode",
    "Lock",
    "Preset",
    "RiskAction",
    "RiskCode",
    "RiskState",
    "RuleSet",
    "Tripwire",
    "TripwireStatus",
    "breach",
    "consistency",
    "exposure",
    "intraday_high",
    "iso_week",
    "locked",
    "max_loss_floor",
    "pre_trade_reason",
    "preset",
    "profit_target_progress",
    "reduces",
    "rolled",
    "traded",
    "tripwires",
]
