"""Trading state in and out of the store: the engine's events become rows, rows become the
broker's state again, and the read side queries orders and executions.

Only the engine writes here (one transaction per batch); everything else reads. The rows'
conversion lives in `trading_rows` and the writes in `trading_writes`; what callers use of
them is re-exported here, so that the store's trading state stays one module to them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, func, not_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import ColumnElement

from propdesk.domain.broker import BrokerState
from propdesk.domain.journal import RoundTrip
from propdesk.domain.orders import OPEN_STATUSES, Fill, LegRole, Order
from propdesk.domain.risk.rules import RuleSet
from propdesk.domain.risk.state import RiskState
from propdesk.store.models import Account, RiskEventRow, RiskStateRow
from propdesk.store.repositories.trading_rows import (
    EXECUTIONS,
    LEDGERS,
    ORDERS,
    POSITIONS,
    TRIPS,
    _account,
    _ledger_from_row,
    _position_from_row,
    fill_from_row,
    order_from_row,
    risk_from_json,
    trip_from_row,
)

# Re-exported: the engine's `Changes` and `save`, `to_datetime`, and the row values and
# upserts the store's tests build rows with.
from propdesk.store.repositories.trading_rows import _fill_values as _fill_values
from propdesk.store.repositories.trading_rows import _ledger_values as _ledger_values
from propdesk.store.repositories.trading_rows import _order_values as _order_values
from propdesk.store.repositories.trading_rows import _position_values as _position_values
from propdesk.store.repositories.trading_rows import to_datetime as to_datetime
from propdesk.store.repositories.trading_writes import Changes as Changes
from propdesk.store.repositories.trading_writes import _upsert as _upsert
from propdesk.store.repositories.trading_writes import save as save

_OPEN = tuple(s.value for s in OPEN_STATUSES)


# ---------------------------------------------------------------------- loads


async def load_state(session: AsyncSession) -> BrokerState:
    """What the broker resumes from: ledgers, positions, risk, and the orders it still
    needs: every open order, and the rest too (they answer retried client order ids)."""
    next_seq = (await session.execute(select(func.max(ORDERS.c.seq)))).scalar_one_or_none()
    return await _load(session, select(ORDERS), next_seq=(next_seq or 0) + 1)


async def load_open_state(session: AsyncSession) -> BrokerState:
    """What a read model of committed state needs: the same, with the open orders only."""
    return await _load(session, select(ORDERS).where(ORDERS.c.status.in_(_OPEN)))


async def _load(session: AsyncSession, orders: Select[Any], *, next_seq: int = 1) -> BrokerState:
    ledgers = [_ledger_from_row(r) for r in (await session.execute(select(LEDGERS))).all()]
    positions = [_position_from_row(r) for r in (await session.execute(select(POSITIONS))).all()]
    rows = (await session.execute(orders)).all()
    return BrokerState(
        ledgers=tuple(ledgers),
        orders=tuple(order_from_row(r) for r in rows),
        positions=tuple(positions),
        next_seq=next_seq,
        rules=await _rule_sets(session),
        risk=await load_risk_states(session),
        trips=await load_open_trips(session),
        trip_seqs=await _trip_seqs(session),
    )


async def load_open_trips(session: AsyncSession) -> tuple[RoundTrip, ...]:
    """The journal's open trips, in the order they opened."""
    rows = await session.execute(
        select(TRIPS).where(TRIPS.c.closed_at.is_(None)).order_by(TRIPS.c.opened_at)
    )
    return tuple(trip_from_row(row) for row in rows)


async def _trip_seqs(session: AsyncSession) -> tuple[tuple[str, str, int], ...]:
    rows = await session.execute(
        select(TRIPS.c.account_id, TRIPS.c.symbol, func.max(TRIPS.c.seq)).group_by(
            TRIPS.c.account_id, TRIPS.c.symbol
        )
    )
    return tuple((str(account), symbol, int(seq)) for account, symbol, seq in rows)


async def _rule_sets(session: AsyncSession) -> tuple[tuple[str, RuleSet], ...]:
    """Every account's rule set, as the engine enforces it (unenforced limits are None)."""
    rows = await session.execute(select(Account.id, Account.rule_set))
    return tuple((str(row.id), RuleSet.from_json(row.rule_set)) for row in rows)


async def load_risk_states(session: AsyncSession) -> tuple[RiskState, ...]:
    rows = await session.execute(select(RiskStateRow.state))
    return tuple(risk_from_json(row.state) for row in rows)


async def account_balances(
    session: AsyncSession, account_ids: Iterable[str]
) -> dict[str, tuple[Decimal, RuleSet]]:
    """Starting balance and rule set of accounts the engine has not opened yet (absent: no
    such account)."""
    ids = [_account(a) for a in account_ids]
    rows = await session.execute(
        select(Account.id, Account.starting_balance, Account.rule_set).where(Account.id.in_(ids))
    )
    return {str(r.id): (r.starting_balance, RuleSet.from_json(r.rule_set)) for r in rows}


# ---------------------------------------------------------------------- the read side


async def get_order(session: AsyncSession, account_id: str, order_id: str) -> Order | None:
    row = (
        await session.execute(
            select(ORDERS).where(
                ORDERS.c.id == order_id, ORDERS.c.account_id == _account(account_id)
            )
        )
    ).first()
    return None if row is None else order_from_row(row)


async def get_order_by_client_id(
    session: AsyncSession, account_id: str, client_order_id: str
) -> Order | None:
    row = (
        await session.execute(
            select(ORDERS).where(
                ORDERS.c.account_id == _account(account_id),
                ORDERS.c.client_order_id == client_order_id,
            )
        )
    ).first()
    return None if row is None else order_from_row(row)


async def legs_of(session: AsyncSession, order_ids: Sequence[str]) -> dict[str, list[Order]]:
    """The bracket legs of these entries, take profit first."""
    if not order_ids:
        return {}
    rows = await session.execute(
        select(ORDERS).where(ORDERS.c.parent_id.in_(list(order_ids))).order_by(ORDERS.c.seq)
    )
    legs: dict[str, list[Order]] = {}
    for row in rows:
        legs.setdefault(row.parent_id, []).append(order_from_row(row))
    for siblings in legs.values():
        siblings.sort(key=lambda o: o.leg != LegRole.take_profit)
    return legs


def _window(
    statement: Select[Any], column: Any, after: datetime | None, until: datetime | None
) -> Select[Any]:
    if after is not None:
        statement = statement.where(column > after)
    if until is not None:
        statement = statement.where(column <= until)
    return statement


async def list_orders(
    session: AsyncSession,
    account_id: str,
    *,
    status: str,
    symbol: str | None,
    after: datetime | None,
    until: datetime | None,
    limit: int,
    offset: int,
    nested: bool,
    strategy: str | None = None,
    tag: str | None = None,
) -> list[Order]:
    """Newest first. `status`: open, closed or all; `strategy`, `tag`: labelled so.

    `nested`: bracket legs are left out of the list (they come with their entry), and a
    bracket is open while any of its orders is: an entry that filled is listed as open as
    long as one of its exit legs still works, so that the open list never hides a leg.
    """
    statement = select(ORDERS).where(ORDERS.c.account_id == _account(account_id))
    is_open: ColumnElement[bool] = ORDERS.c.status.in_(_OPEN)
    if nested:
        legs = ORDERS.alias("legs")
        open_leg = (
            select(legs.c.id)
            .where(legs.c.parent_id == ORDERS.c.id, legs.c.status.in_(_OPEN))
            .exists()
        )
        statement = statement.where(ORDERS.c.parent_id.is_(None))
        is_open = or_(is_open, open_leg)
    if status == "open":
        statement = statement.where(is_open)
    elif status == "closed":
        statement = statement.where(not_(is_open))
    if symbol is not None:
        statement = statement.where(ORDERS.c.symbol == symbol)
    if strategy is not None:
        statement = statement.where(ORDERS.c.strategy == strategy)
    if tag is not None:
        statement = statement.where(ORDERS.c.tag == tag)
    statement = _window(statement, ORDERS.c.created_at, after, until)
    statement = statement.order_by(ORDERS.c.created_at.desc(), ORDERS.c.seq.desc())
    rows = await session.execute(statement.limit(limit).offset(offset))
    return [order_from_row(r) for r in rows]


async def list_executions(
    session: AsyncSession,
    account_id: str,
    *,
    symbol: str | None,
    order_id: str | None,
    after: datetime | None,
    until: datetime | None,
    limit: int,
    offset: int,
) -> list[Fill]:
    statement = select(EXECUTIONS).where(EXECUTIONS.c.account_id == _account(account_id))
    if symbol is not None:
        statement = statement.where(EXECUTIONS.c.symbol == symbol)
    if order_id is not None:
        statement = statement.where(EXECUTIONS.c.order_id == order_id)
    statement = _window(statement, EXECUTIONS.c.ts, after, until)
    statement = statement.order_by(EXECUTIONS.c.ts.desc(), EXECUTIONS.c.id)
    rows = await session.execute(statement.limit(limit).offset(offset))
    return [fill_from_row(r) for r in rows]


async def list_risk_events(
    session: AsyncSession, account_id: str, *, limit: int, offset: int
) -> list[RiskEventRow]:
    """The account's audit log of risk events, newest first."""
    rows = await session.scalars(
        select(RiskEventRow)
        .where(RiskEventRow.account_id == _account(account_id))
        .order_by(RiskEventRow.at.desc(), RiskEventRow.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return list(rows)
