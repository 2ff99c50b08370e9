"""Where the current market regime of a symbol is read: the protocol the signals runtime
satisfies, and the provider that knows none until it runs."""

from __future__ import annotations

from typing import Protocol

from propdesk.domain.regime import RegimeReading

DEFAULT_RESOLUTION = "5"
"""The bars the status reads regimes at when the caller names none (TradingView notation)."""


class RegimeReadings(Protocol):
    def current(self, symbol: str, resolution: str) -> RegimeReading | None:
        """The latest reading of `symbol` at `resolution` (a catalogue symbol and a
        TradingView resolution); None when there is none (yet)."""
        ...


class NoRegimes:
    """No classifier runs: every regime is unknown."""

    def current(self, symbol: str, resolution: str) -> RegimeReading | None:
        return None
