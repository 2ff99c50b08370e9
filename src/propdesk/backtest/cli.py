"""`propdesk backtest`: a built-in strategy over the stored one-minute bars, with a progress
bar, the journal's figures, and a JSON report."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from rich.console import Console

    from propdesk.analytics import Metrics
    from propdesk.backtest.run import BacktestResult
    from propdesk.marketdata.aggregate import BarColumns


def backtest(
    strategy: Annotated[str, typer.Option(help="A built-in strategy: ma_cross, …")],
    symbol: Annotated[str, typer.Option(help="A catalogue symbol, e.g. MNQ.")],
    from_day: Annotated[
        datetime, typer.Option("--from", formats=["%Y-%m-%d"], help="First day (UTC).")
    ],
    to_day: Annotated[
        datetime, typer.Option("--to", formats=["%Y-%m-%d"], help="Last day (UTC), included.")
    ],
    resolution: Annotated[str, typer.Option(help="The strategy's bars: 1, 5, 15, 60, 1D…")] = "5",
    params: Annotated[
        str | None, typer.Option(help="The strategy's parameters as JSON: '{\"fast_period\": 5}'.")
    ] = None,
    rule_set: Annotated[
        str | None,
        typer.Option(help="A preset the account trades under (topstep-50k…); none: no limits."),
    ] = None,
    qty: Annotated[str, typer.Option(help="Contracts per signal.")] = "1",
    balance: Annotated[
        str | None, typer.Option(help="Starting balance (default: the preset's, else 50,000).")
    ] = None,
    report: Annotated[
        Path | None, typer.Option(help="Write the JSON report (trades, figures) here.")
    ] = None,
) -> None:
    """Backtest a built-in strategy on stored one-minute bars, through the paper broker.

    The bars are aggregated to --resolution for the strategy; every one-minute bar is played
    to the broker as ticks (open, then low and high, low first when the bar closes at or
    above its open, then close; a stop or a target the path crosses fills at its own price,
    one an open gaps past at the open (a stop) or its price (a target); no spread). Each
    signal becomes the bracket the auto-trader places (a market entry at the signal bar's
    close, the signal's stop and target as legs), one trade at a time, under the rule set's
    limits. Nothing is written to the database.
    """
    from rich.console import Console

    from propdesk.backtest import report as reporting
    from propdesk.backtest.params import parse_params
    from propdesk.backtest.run import DEFAULT_BALANCE, BacktestConfig, run_backtest
    from propdesk.cli import _progress, _settings
    from propdesk.domain.bars import Resolution
    from propdesk.domain.risk import PRESETS
    from propdesk.domain.strategies import UnknownStrategy
    from propdesk.marketdata.catalogue import Catalogue

    settings = _settings()
    catalogue = Catalogue.load(settings.instruments_file)
    if symbol not in catalogue:
        known = ", ".join(sorted(catalogue))
        raise typer.BadParameter(
            f"unknown symbol {symbol!r}; known: {known}", param_hint="--symbol"
        )
    instrument = catalogue[symbol]
    try:
        chosen = parse_params(strategy, params)
    except UnknownStrategy as error:
        raise typer.BadParameter(str(error), param_hint="--strategy") from None
    except ValueError as error:
        raise typer.BadParameter(str(error), param_hint="--params") from None
    try:
        Resolution.parse(resolution)
    except ValueError as error:
        raise typer.BadParameter(str(error), param_hint="--resolution") from None
    rules, starting_balance = None, DEFAULT_BALANCE
    if rule_set is not None and rule_set != "none":
        preset = PRESETS.get(rule_set)
        if preset is None:
            known = ", ".join(sorted(PRESETS))
            raise typer.BadParameter(
                f"unknown rule set {rule_set!r}; presets: {known}", param_hint="--rule-set"
            )
        rules, starting_balance = preset.rule_set, preset.starting_balance
    if balance is not None:
        starting_balance = _positive(balance, "--balance")
    contracts = _positive(qty, "--qty")
    if contracts % instrument.lot_step:
        raise typer.BadParameter(
            f"must be a multiple of {instrument.symbol}'s lot step ({instrument.lot_step})",
            param_hint="--qty",
        )
    start = int(from_day.replace(tzinfo=UTC).timestamp())
    end = int((to_day.replace(tzinfo=UTC) + timedelta(days=1)).timestamp())
    if end <= start:
        raise typer.BadParameter("must not be before --from", param_hint="--to")
    config = BacktestConfig(
        strategy,
        resolution,
        chosen,
        rules,
        starting_balance,
        contracts,
        settings.broker_settings(),
    )
    console = Console(stderr=True)
    bars = asyncio.run(_read_bars(settings.database_url, instrument.symbol, start, end))
    if len(bars) == 0:
        typer.echo(
            f"no stored one-minute bars of {instrument.symbol} from {from_day:%Y-%m-%d} to "
            f"{to_day:%Y-%m-%d}: import some (`propdesk bars import`) or let the simulator "
            "backfill them",
            err=True,
        )
        raise typer.Exit(1)
    with _progress(console) as progress:
        task = progress.add_task("replaying", total=len(bars))
        result = run_backtest(
            bars,
            instrument,
            config,
            progress=lambda done: progress.update(task, completed=done),
        )
    metrics = reporting.metrics_of(result)
    _print(Console(), result, metrics)
    if report is not None:
        document = reporting.report(result, metrics)
        report.write_text(json.dumps(document, indent=2) + "\n")
        typer.echo(f"report written to {report}")


def _positive(text: str, hint: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise typer.BadParameter(f"not a number: {text!r}", param_hint=hint) from None
    if not value.is_finite() or value <= 0:
        raise typer.BadParameter("must be a positive number", param_hint=hint)
    return value


async def _read_bars(url: str, symbol: str, start: int, end: int) -> BarColumns:
    from propdesk.marketdata.aggregate import BarColumns
    from propdesk.store.db import Database
    from propdesk.store.repositories.bars import read_bar_columns

    database = Database(url)
    try:
        async with database.connect() as connection:
            columns = await read_bar_columns(connection, symbol, start)
    except Exception as error:  # the driver's own errors (a raw read), not only SQLAlchemy's
        typer.echo(f"cannot read the bars: {error} (is the database migrated?)", err=True)
        raise typer.Exit(1) from None
    finally:
        await database.dispose()
    return BarColumns(*columns).between(start, end)


def _print(console: Console, result: BacktestResult, metrics: Metrics) -> None:
    from rich.table import Table

    config = result.config
    title = f"{config.strategy} on {result.symbol} at {config.resolution}"
    table = Table(title=title, show_header=False)
    table.add_column("figure")
    table.add_column("value", justify="right")
    rejected = ", ".join(f"{code} {count}" for code, count in sorted(result.rejected.items()))
    skipped = ", ".join(f"{why} {count}" for why, count in sorted(result.skipped.items()))
    rows: list[tuple[str, object]] = [
        ("one-minute bars replayed", result.minute_bars),
        (f"bars of {config.resolution}", result.bars),
        ("seconds", round(result.elapsed_s, 1)),
        ("signals", result.signals),
        ("orders placed", result.placed),
        ("rejected", rejected or "none"),
        ("skipped", skipped or "none"),
        ("closed trades", metrics.total_trades),
        ("open at the end", len(result.open_trips)),
        ("net P&L", metrics.net_pnl),
        ("win rate", metrics.win_rate),
        ("win rate, Wilson lower bound", metrics.win_rate_wilson_lb),
        ("profit factor", metrics.profit_factor),
        ("expectancy", metrics.expectancy),
        ("expected R", metrics.expected_r),
        ("max drawdown", metrics.max_drawdown),
        ("max drawdown (R)", metrics.max_drawdown_r),
        ("Sharpe", metrics.sharpe),
        ("Sortino", metrics.sortino),
        ("SQN", metrics.sqn),
        ("final balance", None if result.account is None else result.account.balance),
    ]
    for name, value in rows:
        table.add_row(name, _cell(value))
    console.print(table)


def _cell(value: object) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.4f}" if abs(value) < 100 else f"{value:,.2f}"
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    return f"{value:,}" if isinstance(value, int) else str(value)
