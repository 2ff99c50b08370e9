"""Where the current market regime of a symbol is read: the protocol the signals runtime
satisfies, and the provider that knows none until it runs."""

from __future__ import annotations

from typing import Protocol

from propdesk.config import Settings
from propdesk.domain.bars import Resolution
from propdesk.domain.regime import RegimeReading

DEFAULT_RESOLUTION = "5"
"""The bars the status reads regimes at when the caller names none and the server
classifies none (TradingView notation)."""


def default_resolution(settings: Settings) -> str:
    """The resolution a status reads regimes at unless asked for another: the first the
    server classifies (`PROPDESK_REGIME_RESOLUTIONS`), so that its regimes are there."""
    configured = settings.regime_resolutions
    return str(Resolution.parse(configured[0])) if configured else DEFAULT_RESOLUTION


class RegimeReadings(Protocol):
    def current(self, symbol: str, resolution: str) -> RegimeReading | None:
        """The latest reading of `symbol` at `resolution` (a catalogue symbol and a
        TradingView resolution); None when there is none (yet)."""
        ...


class NoRegimes:
    """No classifier runs: every regime is unknown."""

    def current(self, symbol: str, resolution: str) -> RegimeReading | None:
        return None
