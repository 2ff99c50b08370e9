"""Risk: an account's standing against its rules, and its audit log."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from propdesk.wire.risk import RiskBase


class RiskRead(RiskBase):
    """Where the account stands against its prop-firm rules, at the current quotes."""


class RiskEventRead(BaseModel):
    """One entry of the audit log: a breach and what was done, a warning, an unlock."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    at: datetime
    code: str = Field(examples=["DAILY_LOSS_LIMIT", "MAX_LOSS_LIMIT", "UNLOCKED"])
    action: str = Field(examples=["liquidate_and_lock", "liquidate", "notify"])
    reason: str
