"""The journal rebuilt from the stored executions (`propdesk journal rebuild`): the trips the
engine would have written had it journaled every fill from the first, for history older than
the journal or trips a bug got wrong.

Executions say almost everything: each fill with its order's labels, a bracket entry's stop
leg as its initial stop. What they do not say comes from the store beside them: account
resets (a reset ends the open trips without a fill) and stops placed on their own, taken as an
initial stop at the moment they were accepted, as the engine does. Two things a rebuild cannot
see: the quotes between fills (a rebuilt trip's excursions are measured at its fills' prices;
where the stored trip is the same trip, same id and same fills, its larger excursions are kept
unless asked not to), and a stop's price when it was placed, if it was modified since (the
stored order carries its price now).
"""

from __future__ import annotations

import bisect
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from propdesk.domain.instruments import Instrument
from propdesk.domain.journal import DEFAULT_STOP_WINDOW, Journal, RoundTrip
from propdesk.domain.orders import ZERO
from propdesk.store.db import Database
from propdesk.store.models import Account
from propdesk.store.repositories.trip_rebuild import (
    Execution,
    PlacedStop,
    execution_symbols,
    load_executions,
    load_placed_stops,
    load_resets,
    replace_trips,
    stored_excursions,
)


class RebuildError(Exception):
    """The rebuild cannot run; nothing was changed."""


@dataclass(frozen=True, slots=True)
class AccountTotals:
    account_id: str
    trips: int
    open: int
    net_pnl: Decimal


@dataclass(frozen=True, slots=True)
class RebuildSummary:
    executions: int
    accounts: tuple[AccountTotals, ...]
    """Each account with a trip."""
    removed: int
    """Stored trips that no rebuilt trip is (their notes went with them)."""
    notes_kept: int
    notes_dropped: int
    excursions_kept: int
    """Rebuilt trips that kept the stored trip's larger excursions."""

    @property
    def trips(self) -> int:
        return sum(account.trips for account in self.accounts)

    @property
    def open(self) -> int:
        return sum(account.open for account in self.accounts)

    @property
    def net_pnl(self) -> Decimal:
        return sum((account.net_pnl for account in self.accounts), ZERO)


async def rebuild_journal(
    database: Database,
    instruments: Mapping[str, Instrument],
    *,
    account_id: str | None = None,
    keep_excursions: bool = True,
    stop_window: float = DEFAULT_STOP_WINDOW,
) -> RebuildSummary:
    """Rebuild the trips of one account (or of all) and write them over the stored ones, in
    one transaction. Raises RebuildError (an unknown account, or executions in a symbol the
    catalogue lacks) before anything is written.

    Run it with the server stopped: a running engine holds the open trips in memory and
    writes them on their next fill, and restores the rebuilt ones only when it starts.
    """
    account = _account_id(account_id)
    async with database.session() as session:
        if account is not None and await session.get(Account, account) is None:
            raise RebuildError(f"no account {account_id}")
        symbols = await execution_symbols(session, account)
        unknown = sorted(symbols - set(instruments))
        if unknown:
            raise RebuildError(
                f"executions in symbols the catalogue does not have: {', '.join(unknown)}"
            )
        point_values = {symbol: instruments[symbol].point_value for symbol in symbols}
        executions = await load_executions(session, point_values, account)
        resets = await load_resets(session, account)
        stops = await load_placed_stops(session, account)
    trips = journal_of(executions, resets, stops, stop_window=stop_window).trips()

    def write(connection: Any) -> tuple[Any, int]:
        rebuilt, kept = trips, 0
        if keep_excursions:
            rebuilt, kept = with_stored_excursions(trips, stored_excursions(connection, account))
        return replace_trips(connection, rebuilt, account), kept

    replaced, kept = await database.write(write)
    return RebuildSummary(
        executions=len(executions),
        accounts=_totals(trips),
        removed=replaced.removed,
        notes_kept=replaced.notes_kept,
        notes_dropped=replaced.notes_dropped,
        excursions_kept=kept,
    )


def journal_of(
    executions: Sequence[Execution],
    resets: Sequence[tuple[str, float]],
    stops: Sequence[PlacedStop],
    *,
    stop_window: float = DEFAULT_STOP_WINDOW,
) -> Journal:
    """The journal of `executions` (in the order they happened), with each reset and each
    stop placed on its own applied at its moment: after the fills of the same instant, as
    the engine journals a step's fills before the orders it placed."""
    events: list[tuple[float, int, str | PlacedStop]] = [(ts, 1, account) for account, ts in resets]
    events += [(stop.ts, 0, stop) for stop in stops]
    events.sort(key=lambda event: (event[0], event[1]))
    times = [fill.ts for fill, _, _ in executions]
    start = bisect.bisect_right(times, events[0][0]) if events else len(executions)
    journal = Journal.rebuild(executions[:start], stop_window=stop_window)
    for ts, _, event in events:
        end = bisect.bisect_right(times, ts, lo=start)
        journal.replay(executions[start:end])
        start = end
        if isinstance(event, PlacedStop):
            held = journal.open_trip(event.account_id, event.symbol)
            if held is not None and held.side is not event.side:
                journal.set_stop(event.account_id, event.symbol, event.stop_price, ts)
        else:
            journal.abandon(event, ts)
    journal.replay(executions[start:])
    return journal


def with_stored_excursions(
    trips: Sequence[RoundTrip],
    stored: Mapping[str, tuple[tuple[str, ...], Decimal, Decimal, Decimal, Decimal]],
) -> tuple[list[RoundTrip], int]:
    """Each trip with the larger of its excursions and the stored trip's, where the stored
    trip is this one (same id, same fills): the engine measured those at every quote, a
    rebuild at the fills only, so theirs can only be as large or larger. The count of trips
    that kept any."""
    merged, kept = [], 0
    for trip in trips:
        known = stored.get(trip.id)
        if known is None or known[0] != trip.fill_ids:
            merged.append(trip)
            continue
        _, mae_price, mfe_price, mae, mfe = known
        larger = replace(
            trip,
            mae_price=max(trip.mae_price, mae_price),
            mfe_price=max(trip.mfe_price, mfe_price),
            mae=max(trip.mae, mae),
            mfe=max(trip.mfe, mfe),
        )
        if larger != trip:
            kept += 1
        merged.append(larger)
    return merged, kept


def _totals(trips: Sequence[RoundTrip]) -> tuple[AccountTotals, ...]:
    counts: dict[str, list[Any]] = {}
    for trip in trips:
        figures = counts.setdefault(trip.account_id, [0, 0, ZERO])
        figures[0] += 1
        figures[1] += trip.is_open
        figures[2] += trip.net_pnl
    return tuple(AccountTotals(a, n, o, pnl) for a, (n, o, pnl) in counts.items())


def _account_id(account_id: str | None) -> uuid.UUID | None:
    if account_id is None:
        return None
    try:
        return uuid.UUID(account_id)
    except ValueError:
        raise RebuildError(f"{account_id!r} is not an account id (a UUID)") from None
