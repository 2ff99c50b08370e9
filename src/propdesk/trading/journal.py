"""The journal for the gateways: an account's round trips as the engine committed them, the
trader's notes on them (the one thing here a gateway writes: they are no trading state), and
the analytics over the closed ones, measured against the account's balance, R and day.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, fields, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from propdesk.analytics import (
    CalendarDay,
    EquityPoint,
    Granularity,
    GroupBy,
    Metrics,
    TradingDay,
    TripArrays,
    calendar,
    compute_metrics,
    equity_curve,
    group_metrics,
)
from propdesk.domain.instruments import Instrument
from propdesk.domain.journal import RoundTrip
from propdesk.domain.risk.report import risk_per_trade
from propdesk.domain.risk.rules import RuleSet
from propdesk.errors import NotFoundError
from propdesk.store.db import Database
from propdesk.store.models import Account
from propdesk.store.repositories import journal as store
from propdesk.store.repositories.journal import NOTE_FIELDS as NOTE_FIELDS
from propdesk.store.repositories.journal import TripFilter as TripFilter
from propdesk.trading.service import as_utc, canonical_symbol

CALENDAR_MARGIN = timedelta(days=2)
"""A trading day's closes lie within a day of its date in any zone: the closes a month's
calendar reads are those within this of the month."""


EVERY_TRIP = TripFilter()
PLACES = 10
"""Figures are rounded to the places of the stored money: what float sums of its exact
amounts leave beyond them is noise (34.279999999999994 for 34.28), never a digit."""
Figures = TypeVar("Figures", Metrics, EquityPoint, CalendarDay)


def _tidy(figures: Figures) -> Figures:
    """`figures` with each float rounded to `PLACES`."""
    rounded: dict[str, Any] = {
        field.name: round(value, PLACES)
        for field in fields(figures)
        if isinstance(value := getattr(figures, field.name), float)
    }
    return replace(figures, **rounded)


@dataclass(frozen=True, slots=True)
class Basis:
    """What an account's figures are measured against."""

    account_id: str
    starting_balance: Decimal
    risk_per_trade: Decimal
    """1R for the trips without a stop of their own: the account's, or its default."""
    trading_day: TradingDay
    """The day of a close, on the calendar of the account's rules (CME 17:00 Chicago, or
    the UTC day)."""


def basis_of(account: Account) -> Basis:
    calendar_ = RuleSet.from_json(account.rule_set).calendar
    return Basis(
        str(account.id),
        account.starting_balance,
        risk_per_trade(account.starting_balance, account.risk_per_trade),
        calendar_.boundary.trading_day,
    )


def _normalized(catalogue: Mapping[str, Instrument], criteria: TripFilter) -> TripFilter:
    """The catalogue's spelling of the symbol; times without an offset read as UTC."""
    return replace(
        criteria,
        symbol=canonical_symbol(catalogue, criteria.symbol),
        opened_from=as_utc(criteria.opened_from),
        opened_to=as_utc(criteria.opened_to),
    )


# ---------------------------------------------------------------------- trips


async def list_trades(
    session: AsyncSession,
    catalogue: Mapping[str, Instrument],
    account_id: str,
    criteria: TripFilter,
    *,
    limit: int,
    offset: int,
) -> tuple[list[RoundTrip], int]:
    """A page of the matching trips, newest opened first, and how many match in all."""
    criteria = _normalized(catalogue, criteria)
    trips = await store.list_trips(session, account_id, criteria, limit=limit, offset=offset)
    return trips, await store.count_trips(session, account_id, criteria)


async def recent_trades(
    session: AsyncSession, account_id: str, limit: int
) -> tuple[list[RoundTrip], int]:
    """The last `limit` closed trips, the last closed first, and how many have closed."""
    trips = await store.recent_closed_trips(session, account_id, limit)
    return trips, await store.count_trips(session, account_id, TripFilter(status="closed"))


async def get_trade(session: AsyncSession, account_id: str, trade_id: str) -> RoundTrip:
    trip = await store.get_trip(session, account_id, trade_id)
    if trip is None:
        raise NotFoundError(f"no trade {trade_id} in this account", code="TRADE_NOT_FOUND")
    return trip


async def annotate_trade(
    session: AsyncSession,
    account_id: str,
    trade_id: str,
    changes: Mapping[str, Any],
    now: datetime,
) -> RoundTrip:
    """The trip once the trader's `changes` (of `NOTE_FIELDS`) are written on it; the
    others stay as they were. NotFoundError when the account has no such trip."""
    trip = await get_trade(session, account_id, trade_id)
    if not changes:
        return trip
    await store.write_note(session, trade_id, dict(changes), now)
    return await get_trade(session, account_id, trade_id)


async def export_trades(
    database: Database,
    catalogue: Mapping[str, Instrument],
    account_id: str,
    criteria: TripFilter,
) -> AsyncIterator[list[RoundTrip]]:
    """Every matching trip, newest opened first, in batches, read in a session of its own
    (a streamed answer outlives the request's)."""
    criteria = _normalized(catalogue, criteria)
    async with database.session() as session:
        async for batch in store.stream_trips(session, account_id, criteria):
            yield batch


# ---------------------------------------------------------------------- analytics


async def _arrays(
    session: AsyncSession, basis: Basis, criteria: TripFilter = EVERY_TRIP
) -> TripArrays:
    """The matching closed trips as the analytics take them. A trip's R is over its own 1R
    (its initial stop) or else the account's, as a trade's `r_multiple` is answered
    (`wire.journal.r_of`)."""
    columns = await store.closed_columns(session, basis.account_id, criteria)
    default = basis.risk_per_trade
    return TripArrays.from_columns(
        opened_at=columns.opened_at,
        closed_at=columns.closed_at,
        net_pnl=[float(pnl) for pnl in columns.net_pnl],
        r=[
            float(pnl / (default if risk is None else risk))
            for pnl, risk in zip(columns.net_pnl, columns.risk, strict=True)
        ],
        trading_day=basis.trading_day,
        labels={
            "symbol": columns.symbol,
            "strategy": columns.strategy,
            "setup": columns.setup,
            "regime": columns.regime,
        },
    )


async def metrics(
    session: AsyncSession,
    catalogue: Mapping[str, Instrument],
    basis: Basis,
    criteria: TripFilter,
    *,
    window: int | None,
    breakeven: Decimal,
    group_by: GroupBy | None,
    timezone: str,
) -> tuple[Metrics, dict[str, Metrics] | None]:
    """The figures over the matching closed trips (the last `window` of them), and per
    group when `group_by` is given (`timezone`: the zone of `hour`'s hours)."""
    arrays = await _arrays(session, basis, _normalized(catalogue, criteria))
    figures = _tidy(
        compute_metrics(
            arrays, window=window, breakeven=breakeven, starting_balance=basis.starting_balance
        )
    )
    if group_by is None:
        return figures, None
    groups = group_metrics(
        arrays,
        group_by,
        window=window,
        breakeven=breakeven,
        starting_balance=basis.starting_balance,
        timezone=timezone,
    )
    return figures, {key: _tidy(group) for key, group in groups.items()}


async def equity(
    session: AsyncSession, basis: Basis, granularity: Granularity
) -> list[EquityPoint]:
    """The account's equity after each closed trip, or each trading day with a close."""
    curve = equity_curve(await _arrays(session, basis), basis.starting_balance, granularity)
    return [_tidy(point) for point in curve]


async def month_calendar(
    session: AsyncSession, basis: Basis, year: int, month: int
) -> list[CalendarDay]:
    """The trading days of the month with a close, and their P&L, trades and R."""
    first = datetime(year, month, 1, tzinfo=UTC)
    after = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=UTC)
    near = TripFilter(closed_from=first - CALENDAR_MARGIN, closed_to=after + CALENDAR_MARGIN)
    days = calendar(await _arrays(session, basis, near), f"{year:04d}-{month:02d}")
    return [_tidy(day) for day in days]
