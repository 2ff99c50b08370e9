"""Trading state in and out of the store: the engine's events become rows, rows become the
broker's state again, and the read side queries orders and executions.

Only the engine writes here (one transaction per batch); everything else reads.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Connection,
    Dialect,
    Select,
    bindparam,
    func,
    insert,
    not_,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import ColumnElement

from propdesk.domain.accounts import AccountStatus
from propdesk.domain.broker import BrokerState
from propdesk.domain.events import (
    AccountChanged,
    AccountReset,
    Event,
    OrderEvent,
    OrderFilled,
    PositionChanged,
)
from propdesk.domain.ledger import Ledger
from propdesk.domain.orders import (
    OPEN_STATUSES,
    Fill,
    FillId,
    LegRole,
    Liquidity,
    Order,
    OrderClass,
    OrderId,
    OrderSide,
    OrderStatus,
    OrderType,
    TimeInForce,
)
from propdesk.domain.positions import Position
from propdesk.store.models import (
    Account,
    AccountPeriod,
    ExecutionRow,
    LedgerRow,
    OrderRow,
    PositionRow,
)

ORDERS = OrderRow.__table__
EXECUTIONS = ExecutionRow.__table__
POSITIONS = PositionRow.__table__
LEDGERS = LedgerRow.__table__

_ORDER_TIMES = ("created_at", "updated_at", "filled_at", "canceled_at", "expired_at", "expires_at")
_ORDER_FIELDS = tuple(f.name for f in fields(Order))
_OPEN = tuple(s.value for s in OPEN_STATUSES)


def to_datetime(ts: float | None) -> datetime | None:
    return None if ts is None else datetime.fromtimestamp(ts, UTC)


def _ts(value: datetime | None) -> float | None:
    return None if value is None else value.timestamp()


def _account(account_id: str) -> uuid.UUID:
    return uuid.UUID(account_id)


# ---------------------------------------------------------------------- rows <-> domain


def _order_values(order: Order) -> dict[str, Any]:
    values: dict[str, Any] = {name: getattr(order, name) for name in _ORDER_FIELDS}
    values["account_id"] = _account(order.account_id)
    for name in _ORDER_TIMES:
        values[name] = to_datetime(values[name])
    for name in ("side", "type", "time_in_force", "status", "order_class", "leg"):
        if values[name] is not None:
            values[name] = str(values[name])
    return values


def order_from_row(row: Any) -> Order:
    return Order(
        id=OrderId(row.id),
        account_id=str(row.account_id),
        client_order_id=row.client_order_id,
        symbol=row.symbol,
        side=OrderSide(row.side),
        type=OrderType(row.type),
        qty=row.qty,
        time_in_force=TimeInForce(row.time_in_force),
        status=OrderStatus(row.status),
        created_at=row.created_at.timestamp(),
        updated_at=row.updated_at.timestamp(),
        seq=row.seq,
        order_class=OrderClass(row.order_class),
        limit_price=row.limit_price,
        stop_price=row.stop_price,
        trail_price=row.trail_price,
        trail_percent=row.trail_percent,
        water_mark=row.water_mark,
        triggered=row.triggered,
        filled_qty=row.filled_qty,
        filled_value=row.filled_value,
        filled_at=_ts(row.filled_at),
        canceled_at=_ts(row.canceled_at),
        expired_at=_ts(row.expired_at),
        expires_at=_ts(row.expires_at),
        parent_id=None if row.parent_id is None else OrderId(row.parent_id),
        leg=None if row.leg is None else LegRole(row.leg),
        sibling_id=None if row.sibling_id is None else OrderId(row.sibling_id),
        reject_reason=row.reject_reason,
        fingerprint=row.fingerprint,
    )


def _fill_values(fill: Fill) -> dict[str, Any]:
    return {
        "id": fill.id,
        "order_id": fill.order_id,
        "account_id": _account(fill.account_id),
        "symbol": fill.symbol,
        "side": str(fill.side),
        "qty": fill.qty,
        "price": fill.price,
        "commission": fill.commission,
        "liquidity": str(fill.liquidity),
        "ts": to_datetime(fill.ts),
    }


def fill_from_row(row: Any) -> Fill:
    return Fill(
        id=FillId(row.id),
        order_id=OrderId(row.order_id),
        account_id=str(row.account_id),
        symbol=row.symbol,
        side=OrderSide(row.side),
        qty=row.qty,
        price=row.price,
        commission=row.commission,
        liquidity=Liquidity(row.liquidity),
        ts=row.ts.timestamp(),
    )


def _position_values(position: Position) -> dict[str, Any]:
    return {
        "account_id": _account(position.account_id),
        "symbol": position.symbol,
        "qty": position.qty,
        "cost": position.cost,
        "realized_pnl": position.realized_pnl,
        "opened_at": to_datetime(position.opened_at),
        "updated_at": to_datetime(position.updated_at),
    }


def _position_from_row(row: Any) -> Position:
    return Position(
        account_id=str(row.account_id),
        symbol=row.symbol,
        qty=row.qty,
        cost=row.cost,
        realized_pnl=row.realized_pnl,
        opened_at=_ts(row.opened_at),
        updated_at=_ts(row.updated_at),
    )


def _ledger_values(ledger: Ledger) -> dict[str, Any]:
    return {
        "account_id": _account(ledger.account_id),
        "starting_balance": ledger.starting_balance,
        "trading_day": ledger.trading_day,
        "realized_pnl": ledger.realized_pnl,
        "commissions": ledger.commissions,
        "realized_pnl_today": ledger.realized_pnl_today,
        "commissions_today": ledger.commissions_today,
        "updated_at": to_datetime(ledger.updated_at),
    }


def _ledger_from_row(row: Any) -> Ledger:
    return Ledger(
        account_id=str(row.account_id),
        starting_balance=row.starting_balance,
        trading_day=row.trading_day,
        realized_pnl=row.realized_pnl,
        commissions=row.commissions,
        realized_pnl_today=row.realized_pnl_today,
        commissions_today=row.commissions_today,
        updated_at=_ts(row.updated_at),
    )


# ---------------------------------------------------------------------- the engine's writes


@dataclass
class Changes:
    """What one batch of events changed, reduced to the last value of each row."""

    orders: dict[str, Order]
    fills: list[Fill]
    positions: dict[tuple[str, str], Position]
    ledgers: dict[str, Ledger]
    resets: list[AccountReset] = field(default_factory=list)

    @classmethod
    def of(cls, events: Iterable[Event]) -> Changes:
        changes = cls({}, [], {}, {}, [])
        for event in events:
            if isinstance(event, OrderEvent):
                changes.orders[event.order.id] = event.order
                if isinstance(event, OrderFilled):
                    changes.fills.append(event.fill)
            elif isinstance(event, PositionChanged):
                position = event.position
                changes.positions[position.account_id, position.symbol] = position
            elif isinstance(event, AccountChanged):
                changes.ledgers[event.ledger.account_id] = event.ledger
            elif isinstance(event, AccountReset):
                changes.resets.append(event)
        return changes

    @classmethod
    def merged(cls, batches: Iterable[Changes]) -> Changes:
        """Consecutive batches as one: the last value of each row, every fill."""
        changes = cls({}, [], {}, {}, [])
        for batch in batches:
            changes.orders.update(batch.orders)
            changes.fills.extend(batch.fills)
            changes.positions.update(batch.positions)
            changes.ledgers.update(batch.ledgers)
            changes.resets.extend(batch.resets)
        return changes

    def __bool__(self) -> bool:
        return bool(self.orders or self.fills or self.positions or self.ledgers or self.resets)


_UPSERTS: dict[tuple[str, str], Any] = {}


def _upsert(dialect: str, table: Any, keys: Sequence[str]) -> Any:
    """INSERT … ON CONFLICT (keys) DO UPDATE every other column; built once per dialect
    (building it makes a column proxy per column, a cost the engine's hot path should not pay
    per batch)."""
    statement = _UPSERTS.get((dialect, table.name))
    if statement is None:
        insert: Any = sqlite.insert(table) if dialect == "sqlite" else postgresql.insert(table)
        statement = insert.on_conflict_do_update(
            index_elements=list(keys),
            set_={c.name: insert.excluded[c.name] for c in table.columns if c.name not in keys},
        )
        _UPSERTS[dialect, table.name] = statement
    return statement


class _SQLiteStatement:
    """A table's INSERT (or upsert on `keys`) as SQLite's driver takes it: SQLAlchemy's own
    text, and the converter of each parameter, the column type's own bind processor. A
    batch's rows go as one multi-row statement of plain values: SQLAlchemy's per-statement
    compilation and per-row parameter processing cost more than SQLite's own work (the
    engine's commits run in the writer thread, whose Python holds the GIL against the event
    loop)."""

    def __init__(self, table: Any, keys: Sequence[str], dialect: Dialect) -> None:
        statement = _upsert("sqlite", table, keys) if keys else insert(table)
        compiled = statement.compile(dialect=dialect)
        sql: str = compiled.string
        # The parameters in the order of the text's placeholders.
        self.names = tuple(compiled.positiontup or ())
        types = {c.name: c.type for c in table.columns}
        self.processors = tuple(
            types[name].dialect_impl(dialect).bind_processor(dialect) for name in self.names
        )
        # One row's placeholders, to repeat for a statement of many rows.
        self._row = "(" + ", ".join("?" for _ in self.names) + ")"
        if sql.count(self._row) != 1:  # pragma: no cover - SQLAlchemy's text changed shape
            raise RuntimeError(f"unexpected INSERT text for {table.name}: {sql}")
        self._sql = sql
        self._texts: dict[int, str] = {}
        self._max_rows = 0
        """Rows per statement within SQLite's parameter limit (read at the first write)."""

    def text(self, rows: int) -> str:
        """The statement for `rows` rows (VALUES (…), (…), …), made once per count."""
        text = self._texts.get(rows)
        if text is None:
            text = self._sql.replace(self._row, ", ".join([self._row] * rows), 1)
            self._texts[rows] = text
        return text

    def execute(self, connection: Connection, rows: Sequence[dict[str, Any]]) -> None:
        """All of `rows` in as few statements as SQLite allows: one `step` each, where
        `executemany` steps once per row, and each step gives up the GIL and waits (up to
        the switch interval) to take it back from the busy event loop."""
        processors, names = self.processors, self.names
        if not self._max_rows:
            self._max_rows = _max_variables(connection) // len(names)
        max_rows = self._max_rows
        for start in range(0, len(rows), max_rows):
            chunk = rows[start : start + max_rows]
            values = [
                value if process is None else process(value)
                for row in chunk
                for process, value in zip(processors, map(row.__getitem__, names), strict=True)
            ]
            connection.exec_driver_sql(self.text(len(chunk)), tuple(values))


def _max_variables(connection: Connection) -> int:
    """The most parameters SQLite takes in one statement (32,766 since 3.32; as built)."""
    limit: int = connection.connection.driver_connection.getlimit(  # type: ignore[union-attr]
        sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER
    )
    return limit


_SQLITE_STATEMENTS: dict[str, _SQLiteStatement] = {}


def _write(
    connection: Connection, table: Any, keys: Sequence[str], rows: list[dict[str, Any]]
) -> None:
    """Insert `rows` into `table`, updating those whose `keys` exist already if keys are
    given."""
    dialect = connection.dialect
    if dialect.name == "sqlite":
        statement = _SQLITE_STATEMENTS.get(table.name)
        if statement is None:
            statement = _SQLITE_STATEMENTS[table.name] = _SQLiteStatement(table, keys, dialect)
        statement.execute(connection, rows)
    elif keys:
        connection.execute(_upsert(dialect.name, table, keys), rows)
    else:
        connection.execute(insert(table), rows)


def save(connection: Connection, changes: Changes) -> None:
    """Write one batch in the caller's transaction (`Database.write`; the engine acknowledges
    only after its commit)."""
    if changes.orders:
        _write(connection, ORDERS, ("id",), [_order_values(o) for o in changes.orders.values()])
    if changes.fills:
        _write(connection, EXECUTIONS, (), [_fill_values(f) for f in changes.fills])
    if changes.positions:
        rows = [_position_values(p) for p in changes.positions.values()]
        _write(connection, POSITIONS, ("account_id", "symbol"), rows)
    if changes.ledgers:
        rows = [_ledger_values(ledger) for ledger in changes.ledgers.values()]
        _write(connection, LEDGERS, ("account_id",), rows)
        # The account's cash balance, as the account API and the reset read it.
        connection.execute(
            update(Account).where(Account.id == bindparam("ledger_account")),
            [
                {"ledger_account": _account(ledger.account_id), "balance": ledger.balance}
                for ledger in changes.ledgers.values()
            ],
        )
    for reset in changes.resets:
        _reset(connection, reset)


def _reset(connection: Connection, reset: AccountReset) -> None:
    """Close the account's current period and start the next; the account is active again
    (its balance came with its ledger). Resets are rare: a few statements each is fine."""
    account_id = _account(reset.account_id)
    now = to_datetime(reset.ts)
    connection.execute(
        update(AccountPeriod)
        .where(AccountPeriod.account_id == account_id, AccountPeriod.ended_at.is_(None))
        .values(ended_at=now, ending_balance=reset.ending_balance)
    )
    last = connection.execute(
        select(func.max(AccountPeriod.number)).where(AccountPeriod.account_id == account_id)
    ).scalar_one_or_none()
    connection.execute(
        insert(AccountPeriod).values(
            account_id=account_id,
            number=(last or 0) + 1,
            started_at=now,
            starting_balance=reset.starting_balance,
        )
    )
    connection.execute(
        update(Account)
        .where(Account.id == account_id)
        .values(status=AccountStatus.active, updated_at=now)
    )


async def load_state(session: AsyncSession) -> BrokerState:
    """Ledgers, positions, and the orders the broker still needs: every open order, and
    the rest too (they answer retried client order ids) up to what memory should hold."""
    ledgers = [_ledger_from_row(r) for r in (await session.execute(select(LEDGERS))).all()]
    positions = [_position_from_row(r) for r in (await session.execute(select(POSITIONS))).all()]
    orders = [order_from_row(r) for r in (await session.execute(select(ORDERS))).all()]
    next_seq = (await session.execute(select(func.max(ORDERS.c.seq)))).scalar_one_or_none()
    return BrokerState(
        ledgers=tuple(ledgers),
        orders=tuple(orders),
        positions=tuple(positions),
        next_seq=(next_seq or 0) + 1,
    )


async def load_open_state(session: AsyncSession) -> BrokerState:
    """Ledgers, positions and the open orders: what a read model of committed state needs."""
    ledgers = [_ledger_from_row(r) for r in (await session.execute(select(LEDGERS))).all()]
    positions = [_position_from_row(r) for r in (await session.execute(select(POSITIONS))).all()]
    rows = await session.execute(select(ORDERS).where(ORDERS.c.status.in_(_OPEN)))
    return BrokerState(
        ledgers=tuple(ledgers),
        orders=tuple(order_from_row(r) for r in rows.all()),
        positions=tuple(positions),
    )


async def account_balances(session: AsyncSession, account_ids: Iterable[str]) -> dict[str, Any]:
    """Starting balances of accounts the engine has not opened yet (None: no such account)."""
    ids = [_account(a) for a in account_ids]
    rows = await session.execute(
        select(Account.id, Account.starting_balance).where(Account.id.in_(ids))
    )
    return {str(row.id): row.starting_balance for row in rows}


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
) -> list[Order]:
    """Newest first. `status`: open, closed or all.

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
