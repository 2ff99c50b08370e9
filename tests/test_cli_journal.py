"""`propdesk journal rebuild`: the trips rebuilt from the stored executions are the trips the
engine wrote, whatever had happened to their rows; the trader's notes on them stay."""

from __future__ import annotations

import asyncio
import gc
import uuid
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest
from click.testing import Result
from sqlalchemy import delete, insert, select, update
from typer.testing import CliRunner

from engine.journal_trading import (
    SYMBOL,
    instruments_with_commission,
    open_account,
    quote,
    send,
    stored_trips,
    submit,
)
from propdesk import cli
from propdesk.config import Settings
from propdesk.domain.commands import StopLoss, TakeProfit
from propdesk.domain.journal import RoundTrip
from propdesk.domain.orders import OrderClass, OrderType
from propdesk.domain.results import ResetAccount
from propdesk.services import Services
from propdesk.store.models import TripNoteRow, TripRow
from propdesk.store.repositories.trading_rows import TRIPS, _trip_values

if TYPE_CHECKING:
    from collections.abc import Callable

    from conftest import MakeUser

runner = CliRunner()


@pytest.fixture
def settings(make_settings: Callable[..., Settings], tmp_path: Path) -> Settings:
    return make_settings(instruments_file=instruments_with_commission(tmp_path))


@pytest.fixture(autouse=True)
def _quiet(monkeypatch: pytest.MonkeyPatch) -> None:
    # The command configures process-wide logging; tests share the process, so skip it.
    monkeypatch.setattr(cli, "configure_logging", lambda *_, **__: None)


def rebuild(settings: Settings, *arguments: str) -> Result:
    env = {
        "PROPDESK_DATABASE_URL": settings.database_url,
        "PROPDESK_INSTRUMENTS_FILE": str(settings.instruments_file or ""),
    }
    return runner.invoke(cli.app, ["journal", "rebuild", *arguments], env=env)


async def trade_a_session(services: Services, account: str) -> None:
    """Four trips: a long with a stop placed on its own, scaled in and out, reversed into a
    short, reversed by a bracket into a long, which a reset ends; then a long left open."""
    await quote(services, "100.00")
    await send(services, submit(account, "buy", "0.2", strategy="orb", tag="drive"))
    stop = submit(account, "sell", "0.2", type=OrderType.stop, stop_price=Decimal(95))
    await send(services, stop)
    await quote(services, "104.00")
    await send(services, submit(account, "buy", "0.1"))
    await quote(services, "110.00")
    await send(services, submit(account, "sell", "0.1"))
    await send(services, submit(account, "sell", "0.4", strategy="fade"))
    await quote(services, "105.00")
    bracket = submit(
        account,
        "buy",
        "0.4",
        order_class=OrderClass.bracket,
        take_profit=TakeProfit(Decimal(120)),
        stop_loss=StopLoss(stop_price=Decimal(100)),
        tag="reclaim",
    )
    await send(services, bracket)
    await send(services, ResetAccount(account, Decimal(1_000_000)))
    await quote(services, "106.00")
    await send(services, submit(account, "buy", "0.1"))


EXCURSIONS = ("mae_price", "mfe_price", "mae", "mfe")


def without_excursions(trip: RoundTrip) -> RoundTrip:
    return replace(trip, **dict.fromkeys(EXCURSIONS, Decimal(0)))


async def test_rebuild_when_trip_rows_were_lost_or_garbled_then_they_are_the_engines_again(
    services: Services, client: httpx.AsyncClient, make_user: MakeUser, settings: Settings
) -> None:
    # Arrange: the engine's trips, then two rows deleted, one garbled, one invented
    account = await open_account(client, (await make_user()).headers)
    await trade_a_session(services, account)
    written = {trip.id: trip for trip in await stored_trips(services.database)}
    first, second, third, fourth = (f"{account}:{SYMBOL}:{n}" for n in range(1, 5))
    assert list(written) == [first, second, third, fourth]
    assert (written[first].initial_stop, written[third].initial_stop) == (95, 100)
    assert (written[second].strategy, written[third].setup) == ("fade", "reclaim")
    assert written[third].closed_at is not None  # by the reset, without an exit
    assert written[third].qty == Decimal("0.2")
    assert written[fourth].is_open
    invented = replace(written[first], id=f"{account}:{SYMBOL}:99", seq=99)
    now = datetime.now(UTC)
    async with services.database.session() as session:
        await session.execute(delete(TripRow).where(TripRow.id.in_([second, fourth])))
        await session.execute(
            update(TripRow)
            .where(TripRow.id == first)
            .values(
                net_pnl=Decimal(0), gross_pnl=Decimal(999), fees=Decimal(-1), seq=7, strategy="x"
            )
        )
        await session.execute(insert(TRIPS).values(**_trip_values(invented)))
        for trip_id in (first, invented.id):
            session.add(TripNoteRow(trip_id=trip_id, notes=f"on {trip_id}", updated_at=now))

    # Act: the command itself (it runs its own event loop: in a thread of its own here)
    result = await asyncio.to_thread(rebuild, settings, "--force")

    # Assert: every trip is the engine's again (deleted ones: but for the quotes' excursions)
    assert result.exit_code == 0, result.output
    rebuilt = {trip.id: trip for trip in await stored_trips(services.database)}
    assert list(rebuilt) == [first, second, third, fourth]
    assert rebuilt[first] == written[first]
    assert rebuilt[third] == written[third]
    for trip_id in (second, fourth):
        assert without_excursions(rebuilt[trip_id]) == without_excursions(written[trip_id])
        for name in EXCURSIONS:
            assert getattr(rebuilt[trip_id], name) <= getattr(written[trip_id], name)
    async with services.database.session() as session:
        notes = (await session.execute(select(TripNoteRow.trip_id))).scalars().all()
    assert notes == [first]  # the invented trip's went with it
    assert gc.isenabled()
    assert "server stopped" in result.stderr
    net = sum((trip.net_pnl for trip in written.values()), Decimal(0))
    assert f"{net.normalize():,f}" in result.stdout
    assert "→ 4 trips (1 open)" in result.stdout
    assert "stored trips removed: 1 · notes kept: 1, dropped: 1" in result.stdout


async def test_rebuild_when_one_account_is_named_then_only_its_trips_are_rewritten(
    services: Services, client: httpx.AsyncClient, make_user: MakeUser, settings: Settings
) -> None:
    # Arrange: two accounts trading, both with a garbled trip
    user = await make_user()
    mine, other = await open_account(client, user.headers), await open_account(client, user.headers)
    await quote(services, "100.00")
    for account in (mine, other):
        await send(services, submit(account, "buy", "0.3"))
        await send(services, submit(account, "sell", "0.3"))
    written = {trip.id: trip for trip in await stored_trips(services.database)}
    async with services.database.session() as session:
        await session.execute(update(TripRow).values(net_pnl=Decimal(0), gross_pnl=Decimal(0)))

    # Act
    result = await asyncio.to_thread(rebuild, settings, "--force", "--account", mine)

    # Assert
    assert result.exit_code == 0, result.output
    assert await stored_trips(services.database, mine) == [written[f"{mine}:{SYMBOL}:1"]]
    [untouched] = await stored_trips(services.database, other)
    assert untouched.gross_pnl == 0
    assert mine in result.stdout
    assert other not in result.stdout


def test_rebuild_when_not_forced_then_it_refuses_and_says_why(settings: Settings) -> None:
    result = rebuild(settings)

    assert result.exit_code == 1
    assert "--force" in result.stderr
    assert "run it with the server stopped" in result.stderr
    assert result.stdout == ""


@pytest.mark.usefixtures("app")  # the schema
def test_rebuild_when_the_account_is_unknown_then_exit_1_and_nothing_changes(
    settings: Settings,
) -> None:
    missing, malformed = (
        rebuild(settings, "--force", "--account", str(uuid.uuid4())),
        rebuild(settings, "--force", "--account", "nope"),
    )

    assert (missing.exit_code, malformed.exit_code) == (1, 1)
    assert "no account" in missing.stderr
    assert "not an account id" in malformed.stderr
    assert "nothing was changed" in missing.stderr
