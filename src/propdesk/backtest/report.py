"""A backtest's outcome as JSON-ready data: what ran, what it traded, the journal's figures."""

from __future__ import annotations

import dataclasses
import enum
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from propdesk.analytics import Metrics, compute_metrics
from propdesk.backtest.run import BacktestResult
from propdesk.domain.journal import RoundTrip
from propdesk.domain.strategies import BUILTINS


def metrics_of(result: BacktestResult) -> Metrics:
    """The journal's figures over the closed trips (daily returns on the starting balance)."""
    return compute_metrics(result.trips, starting_balance=result.config.starting_balance)


def report(result: BacktestResult, metrics: Metrics | None = None) -> dict[str, Any]:
    config = result.config
    params = config.params or BUILTINS[config.strategy].params_model()
    account = result.account
    return {
        "strategy": config.strategy,
        "params": _plain(dataclasses.asdict(params)),
        "symbol": result.symbol,
        "resolution": config.resolution,
        "from": _iso(result.first_ts),
        "to": _iso(result.last_ts),
        "rule_set": None if config.rules is None else config.rules.name,
        "starting_balance": float(config.starting_balance),
        "qty": float(config.qty),
        "fill_model": (
            "ticks from each one-minute bar: open, then low and high (low first when the bar "
            "closes at or above its open), then close; a stop or target the path crosses fills "
            "at its own price, one an open gaps past at the open (a stop) or its price (a "
            "target); no spread; a market entry at the signal bar's close"
        ),
        "bars": {"minute": result.minute_bars, "resolution": result.bars},
        "signals": {
            "total": result.signals,
            "placed": result.placed,
            "rejected": dict(sorted(result.rejected.items())),
            "skipped": dict(sorted(result.skipped.items())),
        },
        "account": None
        if account is None
        else {
            "balance": float(account.balance),
            "equity": float(account.equity),
            "realized_pnl": float(account.ledger.realized_pnl),
            "commissions": float(account.ledger.commissions),
        },
        "metrics": _plain(dataclasses.asdict(metrics or metrics_of(result))),
        "trades": [_trade(trip) for trip in result.trips],
        "open_trades": len(result.open_trips),
        "elapsed_s": round(result.elapsed_s, 3),
    }


def _trade(trip: RoundTrip) -> dict[str, Any]:
    r = trip.r_multiple
    exit_price = trip.avg_exit_price
    return {
        "side": "long" if trip.side.value == "buy" else "short",
        "qty": float(trip.max_qty),
        "opened_at": _iso(trip.opened_at),
        "closed_at": _iso(trip.closed_at),
        "entry": float(trip.avg_entry_price),
        "exit": None if exit_price is None else float(exit_price),
        "initial_stop": None if trip.initial_stop is None else float(trip.initial_stop),
        "net_pnl": float(trip.net_pnl),
        "fees": float(trip.fees),
        "r": None if r is None else round(float(r), 4),
        "mae": float(trip.mae),
        "mfe": float(trip.mfe),
    }


def _iso(ts: float | None) -> str | None:
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, UTC).isoformat().replace("+00:00", "Z")


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Decimal):
        return float(value)
    return value
