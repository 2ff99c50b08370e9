"""The trade journal: round trips from executions, their fees, excursions and R."""

from propdesk.domain.journal.journal import (
    DEFAULT_STOP_WINDOW,
    Journal,
    TripNotFound,
    no_default_risk,
)
from propdesk.domain.journal.state import DefaultRisk
from propdesk.domain.journal.trips import NO_CONTEXT, RiskSource, RoundTrip, TripContext

__all__ = [
    "DEFAULT_STOP_WINDOW",
    "NO_CONTEXT",
    "DefaultRisk",
    "Journal",
    "RiskSource",
    "RoundTrip",
    "TripContext",
    "TripNotFound",
    "no_default_risk",
]
