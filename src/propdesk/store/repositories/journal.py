"""The journal's reads (round trips with the trader's notes laid over them) and the notes'
one write: the API's, never the engine's (which writes `trips` with the fills).

A trip's setup and tags are the trader's when they wrote any (`trip_notes`), else what its
orders carried (`trips`); the filters match these effective values, as `trip_from_row` does.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal, NamedTuple

from sqlalchemy import Select, func, literal, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import ColumnElement

from propdesk.domain.journal import RoundTrip
from propdesk.store.models import TripNoteRow
from propdesk.store.repositories.trading_rows import TRIPS, trip_from_row

NOTES = TripNoteRow.__table__
_JOINED = TRIPS.outerjoin(NOTES, NOTES.c.trip_id == TRIPS.c.id)
SETUP = func.coalesce(NOTES.c.setup, TRIPS.c.setup)
"""The effective setup: the trader's ("" when they cleared it), else the entry order's tag."""
TAGS = func.coalesce(NOTES.c.tags, TRIPS.c.tags)
"""The effective tags: the trader's list when they wrote one (SQL NULL otherwise)."""
_NOTE_COLUMNS = (
    NOTES.c.trip_id.label("note_trip_id"),
    NOTES.c.notes.label("note_notes"),
    NOTES.c.tags.label("note_tags"),
    NOTES.c.setup.label("note_setup"),
    NOTES.c.screenshot_url.label("note_screenshot_url"),
    NOTES.c.updated_at.label("note_updated_at"),
)
_TRIPS_WITH_NOTES = select(TRIPS, *_NOTE_COLUMNS).select_from(_JOINED)
NOTE_FIELDS = ("notes", "tags", "setup", "screenshot_url")


@dataclass(frozen=True, slots=True)
class TripFilter:
    """Which of an account's trips: each criterion given narrows them (None: any)."""

    symbol: str | None = None
    strategy: str | None = None
    setup: str | None = None
    regime: str | None = None
    side: str | None = None
    """The entry's side as stored: `buy` (long) or `sell` (short)."""
    tag: str | None = None
    status: Literal["open", "closed", "all"] = "all"
    opened_from: datetime | None = None
    """Opened at or after (inclusive)."""
    opened_to: datetime | None = None
    """Opened before (exclusive)."""
    closed_from: datetime | None = None
    """Closed at or after (inclusive); only closed trips then."""
    closed_to: datetime | None = None
    """Closed before (exclusive); only closed trips then."""


class _Note(NamedTuple):
    notes: str | None
    tags: list[str] | None
    setup: str | None
    screenshot_url: str | None
    updated_at: datetime


class ClosedColumns(NamedTuple):
    """The columns of closed trips the analytics need, in close order."""

    opened_at: list[float]
    closed_at: list[float]
    net_pnl: list[Decimal]
    risk: list[Decimal | None]
    symbol: list[str | None]
    strategy: list[str | None]
    setup: list[str | None]
    regime: list[str | None]


def _trip(row: Any) -> RoundTrip:
    note = None
    if row.note_trip_id is not None:
        note = _Note(
            row.note_notes,
            row.note_tags,
            row.note_setup,
            row.note_screenshot_url,
            row.note_updated_at,
        )
    return trip_from_row(row, note)


def _dialect(session: AsyncSession) -> str:
    name: str = session.get_bind().dialect.name
    return name


def _has_tag(dialect: str, tag: str) -> ColumnElement[bool]:
    """The trip's effective tags hold `tag` (a JSON array's elements, per dialect)."""
    if dialect == "postgresql":
        elements = func.json_array_elements_text(TAGS).table_valued("value")
    else:
        elements = func.json_each(TAGS).table_valued("value")
    return select(literal(1)).select_from(elements).where(elements.c.value == tag).exists()


def _where(
    statement: Select[Any], dialect: str, account_id: str, criteria: TripFilter
) -> Select[Any]:
    statement = statement.where(TRIPS.c.account_id == uuid.UUID(account_id))
    if criteria.status == "open":
        statement = statement.where(TRIPS.c.closed_at.is_(None))
    elif criteria.status == "closed":
        statement = statement.where(TRIPS.c.closed_at.is_not(None))
    for column, value in (
        (TRIPS.c.symbol, criteria.symbol),
        (TRIPS.c.strategy, criteria.strategy),
        (TRIPS.c.regime, criteria.regime),
        (TRIPS.c.side, criteria.side),
        (SETUP, criteria.setup),
    ):
        if value is not None:
            statement = statement.where(column == value)
    if criteria.tag is not None:
        statement = statement.where(_has_tag(dialect, criteria.tag))
    for column, start, end in (
        (TRIPS.c.opened_at, criteria.opened_from, criteria.opened_to),
        (TRIPS.c.closed_at, criteria.closed_from, criteria.closed_to),
    ):
        if start is not None:
            statement = statement.where(column >= start)
        if end is not None:
            statement = statement.where(column < end)
    return statement


def _newest_opened_first(statement: Select[Any]) -> Select[Any]:
    return statement.order_by(TRIPS.c.opened_at.desc(), TRIPS.c.seq.desc(), TRIPS.c.id.desc())


async def count_trips(session: AsyncSession, account_id: str, criteria: TripFilter) -> int:
    statement = _where(
        select(func.count()).select_from(_JOINED), _dialect(session), account_id, criteria
    )
    return int((await session.execute(statement)).scalar_one())


async def list_trips(
    session: AsyncSession, account_id: str, criteria: TripFilter, *, limit: int, offset: int
) -> list[RoundTrip]:
    """The account's trips that match, newest opened first."""
    statement = _where(_TRIPS_WITH_NOTES, _dialect(session), account_id, criteria)
    rows = await session.execute(_newest_opened_first(statement).limit(limit).offset(offset))
    return [_trip(row) for row in rows]


async def recent_closed_trips(
    session: AsyncSession, account_id: str, limit: int
) -> list[RoundTrip]:
    """The account's last `limit` closed trips, the last closed first."""
    statement = _where(
        _TRIPS_WITH_NOTES, _dialect(session), account_id, TripFilter(status="closed")
    ).order_by(TRIPS.c.closed_at.desc(), TRIPS.c.opened_at.desc(), TRIPS.c.id.desc())
    rows = await session.execute(statement.limit(limit))
    return [_trip(row) for row in rows]


async def stream_trips(
    session: AsyncSession, account_id: str, criteria: TripFilter, *, batch: int = 500
) -> AsyncIterator[list[RoundTrip]]:
    """Every matching trip, newest opened first, `batch` at a time off a server-side
    cursor (an export holds one batch in memory, not the account's history)."""
    statement = _newest_opened_first(
        _where(_TRIPS_WITH_NOTES, _dialect(session), account_id, criteria)
    ).execution_options(yield_per=batch)
    result = await session.stream(statement)
    async for rows in result.partitions(batch):
        yield [_trip(row) for row in rows]


async def get_trip(session: AsyncSession, account_id: str, trip_id: str) -> RoundTrip | None:
    statement = _TRIPS_WITH_NOTES.where(
        TRIPS.c.id == trip_id, TRIPS.c.account_id == uuid.UUID(account_id)
    )
    row = (await session.execute(statement)).first()
    return None if row is None else _trip(row)


async def closed_columns(
    session: AsyncSession, account_id: str, criteria: TripFilter
) -> ClosedColumns:
    """What the analytics read of the matching closed trips, in the order they closed: the
    columns only (no fills, no notes' text), for every trip of an account's history."""
    statement = select(
        TRIPS.c.opened_at,
        TRIPS.c.closed_at,
        TRIPS.c.net_pnl,
        TRIPS.c.risk,
        TRIPS.c.symbol,
        TRIPS.c.strategy,
        SETUP.label("setup"),
        TRIPS.c.regime,
    ).select_from(_JOINED)
    closed = replace(criteria, status="closed")
    statement = _where(statement, _dialect(session), account_id, closed).order_by(
        TRIPS.c.closed_at, TRIPS.c.opened_at, TRIPS.c.id
    )
    rows = (await session.execute(statement)).all()
    return ClosedColumns(
        [row.opened_at.timestamp() for row in rows],
        [row.closed_at.timestamp() for row in rows],
        [row.net_pnl for row in rows],
        [row.risk for row in rows],
        [row.symbol for row in rows],
        [row.strategy for row in rows],
        [row.setup or None for row in rows],  # "": the trader cleared it
        [row.regime for row in rows],
    )


async def write_note(
    session: AsyncSession, trip_id: str, changes: dict[str, Any], now: datetime
) -> None:
    """Set the named fields of the trip's note (`NOTE_FIELDS`), making it if it has none;
    the others stay as they are. A `setup` of "" clears the trip's setup (its entry's tag
    included); a `tags` list, even empty, replaces the trip's."""
    unknown = set(changes) - set(NOTE_FIELDS)
    if unknown:
        raise ValueError(f"not a note's field: {sorted(unknown)}")
    values = {**changes, "trip_id": trip_id, "updated_at": now}
    insert: Any = (
        postgresql.insert(TripNoteRow)
        if _dialect(session) == "postgresql"
        else sqlite.insert(TripNoteRow)
    ).values(values)
    # Unset fields stay SQL NULL on the insert (so that the trip's own show through).
    statement = insert.on_conflict_do_update(
        index_elements=["trip_id"],
        set_={name: insert.excluded[name] for name in (*changes, "updated_at")},
    )
    await session.execute(statement)
