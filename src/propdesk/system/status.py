"""The figures of the system status that come from the process itself, and what an account
is trading (for its status's regime and strategy)."""

from __future__ import annotations

import time
from collections.abc import Iterable

from propdesk.autotrade.settings import AutotradeSettings
from propdesk.services import Services
from propdesk.system.regimes import RegimeReadings
from propdesk.trading.reads import ReadModel


def engine_lag_ms(services: Services) -> float | None:
    """From the engine taking its last ticks to the commit of what they did being published
    (engine.EngineStats.tick_lag_ms); None before any tick. Asked here and nowhere else, as
    health asks whether the engine runs."""
    lag = services.engine.stats.tick_lag_ms
    return None if lag is None else round(lag, 3)


def uptime_s(services: Services) -> float:
    return round(time.time() - services.started_at, 3)


def regime_of(regimes: RegimeReadings, symbol: str, resolution: str) -> str | None:
    reading = regimes.current(symbol, resolution)
    return None if reading is None else reading.regime.value


def focus(
    reads: ReadModel, account_id: str, autotrade: AutotradeSettings
) -> tuple[str | None, str | None]:
    """(symbol, strategy) the account is trading: its newest open trip's, else, while it
    auto-trades, its first symbol and strategy; (None, None) otherwise."""
    trips = reads.open_trips(account_id)
    if trips:
        newest = max(trips, key=lambda trip: trip.opened_at)
        return newest.symbol, newest.strategy
    if autotrade.enabled and autotrade.symbols and autotrade.strategies:
        return autotrade.symbols[0], autotrade.strategies[0]
    return None, None


def active_strategies(settings: Iterable[AutotradeSettings]) -> list[str]:
    """The strategies auto-trading on any of these accounts, by name."""
    return sorted({name for each in settings if each.enabled for name in each.strategies})
