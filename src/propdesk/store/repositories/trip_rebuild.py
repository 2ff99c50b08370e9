"""What a rebuild of the journal reads (executions with what their orders knew, resets, stops
placed on their own) and how it replaces the `trips` rows, keeping the trader's notes."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, delete, func, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import ColumnElement

from propdesk.domain.journal import RoundTrip, TripContext
from propdesk.domain.orders import Fill, LegRole, OrderClass, OrderSide, OrderStatus, OrderType
from propdesk.store.models import AccountPeriod, ExecutionRow, OrderRow, TripNoteRow, TripRow
from propdesk.store.repositories.trading_rows import TRIPS, _trip_values, fill_from_row
from propdesk.store.repositories.trading_writes import _write

Execution = tuple[Fill, Decimal, TripContext | None]
"""What `Journal.rebuild` takes: the fill, its instrument's point value, its context."""

_STOP_TYPES = (OrderType.stop.value, OrderType.stop_limit.value, OrderType.trailing_stop.value)
_CHUNK = 500
"""Ids per `IN (…)` of a delete: well inside every driver's parameter limit."""


@dataclass(frozen=True, slots=True)
class PlacedStop:
    """A stop order placed on its own (not a bracket's leg), as the engine saw it accepted:
    the journal's initial stop of an open trip on its other side, if in time."""

    account_id: str
    symbol: str
    side: OrderSide
    stop_price: Decimal
    ts: float


def _of_account(column: Any, account_id: uuid.UUID | None) -> ColumnElement[bool]:
    """One account's rows, or every row (`true()`) without one."""
    return true() if account_id is None else column == account_id


async def execution_symbols(session: AsyncSession, account_id: uuid.UUID | None) -> set[str]:
    rows = await session.execute(
        select(ExecutionRow.symbol)
        .where(_of_account(ExecutionRow.account_id, account_id))
        .distinct()
    )
    return set(rows.scalars())


async def load_executions(
    session: AsyncSession, point_values: Mapping[str, Decimal], account_id: uuid.UUID | None
) -> list[Execution]:
    """Every execution (of one account, or all), in ts then id order, each with its order's
    labels (`strategy`, `tag` as the setup) and, for a bracket's entry, its stop leg's stop
    price as the stop. Raises KeyError for a symbol missing from `point_values`."""
    order = OrderRow.__table__.alias("entry")
    leg = OrderRow.__table__.alias("stop_leg")
    executions = ExecutionRow.__table__
    statement = (
        select(executions, order.c.strategy, order.c.tag, leg.c.stop_price.label("leg_stop"))
        .outerjoin(order, order.c.id == executions.c.order_id)
        .outerjoin(
            leg,
            (leg.c.parent_id == order.c.id)
            & (order.c.order_class == OrderClass.bracket.value)
            & (leg.c.leg == LegRole.stop_loss.value),
        )
        .where(_of_account(executions.c.account_id, account_id))
        .order_by(executions.c.ts, executions.c.id)
    )
    loaded: list[Execution] = []
    append = loaded.append
    for row in await session.execute(statement):
        fill = fill_from_row(row)
        stop, strategy, setup = row.leg_stop, row.strategy, row.tag
        context = (
            None
            if stop is None and strategy is None and setup is None
            else TripContext(stop=stop, strategy=strategy, setup=setup)
        )
        append((fill, point_values[fill.symbol], context))
    return loaded


async def load_resets(
    session: AsyncSession, account_id: uuid.UUID | None
) -> list[tuple[str, float]]:
    """(account, when) of every reset: each period after an account's first began with one."""
    rows = await session.execute(
        select(AccountPeriod.account_id, AccountPeriod.started_at)
        .where(_of_account(AccountPeriod.account_id, account_id), AccountPeriod.number > 1)
        .order_by(AccountPeriod.started_at)
    )
    return [(str(account), started.timestamp()) for account, started in rows]


async def load_placed_stops(
    session: AsyncSession, account_id: uuid.UUID | None
) -> list[PlacedStop]:
    """Stop orders placed on their own that ever worked (a bracket's legs come with their
    entry's fills instead), at the stop price they carry now."""
    rows = await session.execute(
        select(
            OrderRow.account_id,
            OrderRow.symbol,
            OrderRow.side,
            OrderRow.stop_price,
            OrderRow.created_at,
        )
        .where(
            _of_account(OrderRow.account_id, account_id),
            OrderRow.type.in_(_STOP_TYPES),
            OrderRow.parent_id.is_(None),
            OrderRow.stop_price.is_not(None),
            OrderRow.status != OrderStatus.rejected.value,
        )
        .order_by(OrderRow.created_at)
    )
    return [
        PlacedStop(str(account), symbol, OrderSide(side), stop, created.timestamp())
        for account, symbol, side, stop, created in rows
        if stop is not None
    ]


@dataclass(frozen=True, slots=True)
class Replaced:
    written: int
    removed: int
    """Trips whose id no rebuilt trip has."""
    notes_kept: int
    notes_dropped: int
    """Notes on the removed trips."""


def replace_trips(
    connection: Connection, trips: Sequence[RoundTrip], account_id: uuid.UUID | None
) -> Replaced:
    """The `trips` rows (of one account, or all) become `trips`, in the caller's
    transaction: each row written over, those of no rebuilt trip deleted with their notes.
    Notes whose trip id still exists stay as they are (they override the trip's own labels
    on every read)."""
    rebuilt = {trip.id for trip in trips}
    stored = set(
        connection.execute(
            select(TripRow.id).where(_of_account(TripRow.account_id, account_id))
        ).scalars()
    )
    removed = sorted(stored - rebuilt)
    dropped = 0
    for chunk in _chunks(removed):
        dropped += connection.execute(
            delete(TripNoteRow).where(TripNoteRow.trip_id.in_(chunk))
        ).rowcount
        connection.execute(delete(TripRow).where(TripRow.id.in_(chunk)))
    if trips:
        _write(connection, TRIPS, ("id",), [_trip_values(trip) for trip in trips])
    kept = connection.execute(
        select(func.count())
        .select_from(TripNoteRow)
        .join(TripRow, TripRow.id == TripNoteRow.trip_id)
        .where(_of_account(TripRow.account_id, account_id))
    ).scalar_one()
    return Replaced(len(trips), len(removed), kept, dropped)


def stored_excursions(
    connection: Connection, account_id: uuid.UUID | None
) -> dict[str, tuple[tuple[str, ...], Decimal, Decimal, Decimal, Decimal]]:
    """Per stored trip id: its fill ids and its excursions (mae_price, mfe_price, mae, mfe),
    which the engine measured at every quote too, where a rebuild sees only the fills."""
    rows = connection.execute(
        select(
            TripRow.id,
            TripRow.fill_ids,
            TripRow.mae_price,
            TripRow.mfe_price,
            TripRow.mae,
            TripRow.mfe,
        ).where(_of_account(TripRow.account_id, account_id))
    )
    return {
        trip_id: (tuple(fill_ids), mae_price, mfe_price, mae, mfe)
        for trip_id, fill_ids, mae_price, mfe_price, mae, mfe in rows
    }


def _chunks(ids: list[str]) -> Iterable[list[str]]:
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]
