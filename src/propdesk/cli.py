"""The `propdesk` command line."""

from __future__ import annotations

import asyncio
import gc
import json
import time
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Annotated

import typer
import uvicorn
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy.exc import DBAPIError

from propdesk.auth.cli import users
from propdesk.backtest.cli import backtest
from propdesk.config import Settings
from propdesk.domain.instruments import Instrument
from propdesk.journal_rebuild import RebuildError, RebuildSummary
from propdesk.logging import configure_logging
from propdesk.marketdata.csv_import import BarBatch, Timeframe
from propdesk.store.db import DatabaseNotMigratedError

app = typer.Typer(help="propdesk: a self-hosted trading backend.", no_args_is_help=True)
app.add_typer(users, name="users")
app.command()(backtest)


def _settings() -> Settings:
    settings = Settings()
    configure_logging(settings.log_level, json=settings.log_json)
    return settings


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
) -> None:
    """Serve the API (and, in the embedded mode, the feed) until interrupted."""
    from propdesk.app import create_app

    settings = _settings()
    uvicorn.run(
        create_app(settings),
        host=host,
        port=port,
        log_config=None,
        access_log=False,
        ws_per_message_deflate=False,
    )


@app.command()
def migrate() -> None:
    """Bring the database schema up to date."""
    from propdesk.store.db import Database

    settings = _settings()

    async def run() -> None:
        database = Database(settings.database_url)
        try:
            await database.migrate()
        finally:
            await database.dispose()

    asyncio.run(run())
    typer.echo(f"database is up to date ({settings.database_url.split('://')[0]})")


@app.command()
def openapi(
    output: Annotated[Path | None, typer.Option(help="Write here instead of stdout.")] = None,
) -> None:
    """Print (or write) the OpenAPI document."""
    from propdesk.app import create_app

    text = render_openapi(create_app(Settings()))
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text)


def render_openapi(fastapi_app: object) -> str:
    document = fastapi_app.openapi()  # type: ignore[attr-defined]
    return json.dumps(document, indent=2, sort_keys=True) + "\n"


bars = typer.Typer(help="Stored bars.", no_args_is_help=True)
app.add_typer(bars, name="bars")


@bars.command("import")
def import_bars(
    file: Annotated[
        Path,
        typer.Argument(help="The CSV file.", exists=True, dir_okay=False, readable=True),
    ],
    symbol: Annotated[str, typer.Option(help="Catalogue symbol of the bars, e.g. ES.")],
    timeframe: Annotated[
        Timeframe, typer.Option(case_sensitive=False, help="The bar length of the rows.")
    ] = Timeframe.minute,
    tz: Annotated[
        str, typer.Option("--tz", help="IANA zone of naive times; offsets in the data win.")
    ] = "UTC",
) -> None:
    """Import OHLCV bars from a CSV file, all in one transaction (re-importing changes nothing).

    Reads a header with a date-time column (or Date and Time) plus Open, High, Low, Close and
    Volume in any case and order: TradingView, Yahoo Finance, MetaTrader, NinjaTrader/Kibot,
    Binance and the like. Rows are stored as one-minute base bars: 1m rows at their minute,
    1h rows as one bar at the hour's open, 1D rows as one bar at the start of their trading
    day's session (a daily row must be stamped 00:00 in --tz), so that the daily resolution
    serves each row back. Every row is checked first; when any is bad, the bad rows are listed
    with their line numbers and nothing is imported.
    """
    from propdesk.marketdata.catalogue import Catalogue
    from propdesk.marketdata.csv_import import CsvFormatError, RejectedRows, parse_file, time_zone

    settings = _settings()
    catalogue = Catalogue.load(settings.instruments_file)
    if symbol not in catalogue:
        known = ", ".join(sorted(catalogue))
        raise typer.BadParameter(
            f"unknown symbol {symbol!r}; known: {known}", param_hint="--symbol"
        )
    instrument = catalogue[symbol]
    try:
        zone = time_zone(tz)
    except ValueError as error:
        raise typer.BadParameter(str(error), param_hint="--tz") from None
    console = Console(stderr=True)
    started = time.perf_counter()
    with _progress(console) as progress:
        reading = progress.add_task("parsing", total=file.stat().st_size)
        try:
            parsed = parse_file(
                file,
                session=instrument.session,
                timeframe=timeframe,
                tz=zone,
                on_bytes=lambda count: progress.advance(reading, count),
            )
        except (CsvFormatError, OSError) as error:
            progress.stop()
            typer.echo(f"{file}: {error}; nothing was imported", err=True)
            raise typer.Exit(1) from None
        parsed_at = time.perf_counter()
        if isinstance(parsed, RejectedRows):
            progress.stop()
            typer.echo(f"{file}: {parsed.total:,} bad rows; nothing was imported", err=True)
            for row_error in parsed.errors:
                typer.echo(f"  {row_error}", err=True)
            if parsed.total > len(parsed.errors):
                typer.echo(f"  … and {parsed.total - len(parsed.errors):,} more", err=True)
            raise typer.Exit(1)
        writing = progress.add_task("writing", total=len(parsed))
        try:
            asyncio.run(
                _write_bars(
                    settings.database_url,
                    instrument.symbol,
                    parsed.batches(),
                    lambda count: progress.advance(writing, count),
                )
            )
        except (DatabaseNotMigratedError, OSError, DBAPIError) as error:
            progress.stop()
            typer.echo(f"cannot write the bars: {error}; nothing was imported", err=True)
            raise typer.Exit(1) from None
    finished = time.perf_counter()
    first, last = (_utc(int(parsed.bars.ts[i])) for i in (0, -1))
    typer.echo(
        f"imported {len(parsed):,} {timeframe.value} bars of {instrument.symbol} "
        f"({first} … {last}) in {finished - started:.1f} s "
        f"(parsing {parsed_at - started:.1f} s, writing {finished - parsed_at:.1f} s)"
    )
    typer.echo("columns: " + ", ".join(f"{k}={v}" for k, v in parsed.columns.items()))
    for note in parsed.notes:
        typer.echo(f"note: {note}")
    if timeframe is not Timeframe.minute:
        stored_at = "the hour's open" if timeframe is Timeframe.hour else "its session's open"
        typer.echo(f"note: each {timeframe.value} row is stored as one 1-minute bar at {stored_at}")


def _progress(console: Console) -> Progress:
    return Progress(
        TextColumn("{task.description:<8}"),
        BarColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
        console=console,
    )


async def _write_bars(
    url: str,
    symbol: str,
    batches: Iterator[BarBatch],
    advance: Callable[[int], object],
) -> None:
    """Every batch in one transaction: a failure part-way rolls all of them back."""
    from propdesk.store.db import open_database
    from propdesk.store.repositories.bars import upsert_bar_columns

    def advancing() -> Iterator[BarBatch]:
        for batch in batches:
            yield batch
            advance(len(batch[0]))

    database = await open_database(url)
    try:
        async with database.connect() as connection:
            # rewrites_history: a running server's caches reload the rewritten series.
            await upsert_bar_columns(connection, symbol, advancing(), rewrites_history=True)
    finally:
        await database.dispose()


def _utc(ts: int) -> str:
    return f"{datetime.fromtimestamp(ts, UTC):%Y-%m-%d %H:%M} UTC"


journal = typer.Typer(help="The trade journal.", no_args_is_help=True)
app.add_typer(journal, name="journal")

SERVER_STOPPED = (
    "run it with the server stopped: a running engine keeps the open trips in memory, writes "
    "over the rebuilt ones at their next fill and loads the rebuilt ones only when it starts "
    "(there is no lock that could tell; start the server again afterwards)"
)
SHOWN_ACCOUNTS = 20


@journal.command("rebuild")
def rebuild_journal(
    account: Annotated[
        str | None, typer.Option("--account", help="Only this account's trips (its id).")
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Rebuild: the server is stopped (required).")
    ] = False,
    keep_excursions: Annotated[
        bool,
        typer.Option(
            "--keep-excursions/--drop-excursions",
            help="Keep a stored trip's larger MAE/MFE where it is the same trip (same fills): "
            "the engine measured them at every quote, a rebuild sees only the fills.",
        ),
    ] = True,
) -> None:
    """Rebuild the journal's trips from the stored executions, in one transaction.

    Fills are replayed in time order (then by id), labelled with their order's strategy and
    tag, a bracket entry's stop leg giving the trip its initial stop; account resets end the
    open trips, and a stop placed on its own within the stop window of a trip's opening is its
    initial stop, as in the engine. Every trip row is written over; rows no rebuilt trip has
    are deleted with their notes, and notes on trips that still exist are kept.

    It refuses to run without --force: run it with the server stopped.
    """
    if not force:
        typer.echo(
            "refusing to rebuild the journal without --force: it rewrites the trips table, "
            f"which the engine writes; {SERVER_STOPPED}",
            err=True,
        )
        raise typer.Exit(1)
    from propdesk.marketdata.catalogue import Catalogue

    settings = _settings()
    catalogue = Catalogue.load(settings.instruments_file)
    typer.echo(f"warning: {SERVER_STOPPED}", err=True)
    started = time.perf_counter()
    # A rebuild allocates a tuple or two per fill and frees none of them: the collector would
    # walk them all again and again, for nothing. The domain cannot switch it off; a command can.
    collecting = gc.isenabled()
    gc.disable()
    try:
        summary = asyncio.run(
            _rebuild_journal(
                settings.database_url,
                catalogue,
                account,
                keep_excursions,
                settings.broker_settings().stop_window,
            )
        )
    except (RebuildError, DatabaseNotMigratedError, OSError, DBAPIError) as error:
        typer.echo(f"cannot rebuild the journal: {error}; nothing was changed", err=True)
        raise typer.Exit(1) from None
    finally:
        if collecting:
            gc.enable()
    _print_rebuild(summary, time.perf_counter() - started)


async def _rebuild_journal(
    url: str,
    instruments: Mapping[str, Instrument],
    account: str | None,
    keep_excursions: bool,
    stop_window: float,
) -> RebuildSummary:
    from propdesk.journal_rebuild import rebuild_journal as rebuild
    from propdesk.store.db import open_database

    database = await open_database(url)
    try:
        return await rebuild(
            database,
            instruments,
            account_id=account,
            keep_excursions=keep_excursions,
            stop_window=stop_window,
        )
    finally:
        await database.dispose()


def _print_rebuild(summary: RebuildSummary, seconds: float) -> None:
    console = Console()
    table = Table(title="journal rebuilt", title_justify="left", show_footer=True)
    table.add_column("account", footer="total")
    table.add_column("trips", justify="right", footer=f"{summary.trips:,}")
    table.add_column("open", justify="right", footer=f"{summary.open:,}")
    table.add_column("net P&L", justify="right", footer=_money(summary.net_pnl))
    for totals in summary.accounts[:SHOWN_ACCOUNTS]:
        table.add_row(
            totals.account_id, f"{totals.trips:,}", f"{totals.open:,}", _money(totals.net_pnl)
        )
    hidden = len(summary.accounts) - SHOWN_ACCOUNTS
    if hidden > 0:
        table.add_row(f"… and {hidden:,} more accounts", "", "", "")
    console.print(table)
    console.print(
        f"{summary.executions:,} executions → {summary.trips:,} trips "
        f"({summary.open:,} open) in {seconds:.1f} s · stored trips removed: "
        f"{summary.removed:,} · notes kept: {summary.notes_kept:,}, dropped: "
        f"{summary.notes_dropped:,} · trips keeping their stored excursions: "
        f"{summary.excursions_kept:,}",
        highlight=False,
        soft_wrap=True,
    )


def _money(amount: Decimal) -> str:
    return f"{amount.normalize():,f}"


if __name__ == "__main__":  # pragma: no cover
    app()
