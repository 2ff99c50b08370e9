"""The engine's writes: a batch of events as its rows' last values, in the caller's transaction."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Dialect, bindparam, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from propdesk.domain.accounts import AccountStatus
from propdesk.domain.events import (
    AccountChanged,
    AccountReset,
    Event,
    OrderEvent,
    OrderFilled,
    PositionChanged,
    RiskBreached,
    RiskChanged,
    TripChanged,
)
from propdesk.domain.journal import RoundTrip
from propdesk.domain.ledger import Ledger
from propdesk.domain.orders import Fill, Order
from propdesk.domain.positions import Position
from propdesk.domain.risk.rules import RuleSet
from propdesk.domain.risk.state import RiskState
from propdesk.store.models import Account, AccountPeriod, RiskEventRow, RiskStateRow
from propdesk.store.repositories.trading_rows import (
    EXECUTIONS,
    LEDGERS,
    ORDERS,
    POSITIONS,
    TRIPS,
    _account,
    _fill_values,
    _ledger_values,
    _order_values,
    _position_values,
    _trip_values,
    risk_to_json,
    to_datetime,
)


@dataclass
class Changes:
    """What one batch of events changed, reduced to the last value of each row."""

    orders: dict[str, Order]
    fills: list[Fill]
    positions: dict[tuple[str, str], Position]
    ledgers: dict[str, Ledger]
    resets: list[AccountReset] = field(default_factory=list)
    risk: dict[str, RiskState] = field(default_factory=dict)
    rules: dict[str, RuleSet] = field(default_factory=dict)
    """The rules enforced on each account whose risk state changed."""
    breaches: list[RiskBreached] = field(default_factory=list)
    trips: dict[str, RoundTrip] = field(default_factory=dict)

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
            elif isinstance(event, RiskChanged):
                changes.risk[event.state.account_id] = event.state
                changes.rules[event.state.account_id] = event.rules
            elif isinstance(event, RiskBreached):
                changes.breaches.append(event)
            elif isinstance(event, TripChanged):
                changes.trips[event.trip.id] = event.trip
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
            changes.risk.update(batch.risk)
            changes.rules.update(batch.rules)
            changes.breaches.extend(batch.breaches)
            changes.trips.update(batch.trips)
        return changes

    def __bool__(self) -> bool:
        return bool(
            self.orders
            or self.fills
            or self.positions
            or self.ledgers
            or self.resets
            or self.risk
            or self.breaches
            or self.trips
        )


_UPSERTS: dict[tuple[str, str], Any] = {}
RISK_STATES: Any = RiskStateRow.__table__


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
    if changes.trips:
        rows = [_trip_values(trip) for trip in changes.trips.values()]
        _write(connection, TRIPS, ("id",), rows)
    for reset in changes.resets:
        _reset(connection, reset)
    if changes.risk:
        _write_risk(connection, changes.risk.values(), changes.rules)
    if changes.breaches:
        connection.execute(
            insert(RiskEventRow),
            [
                {
                    "account_id": _account(b.account_id),
                    "at": to_datetime(b.ts),
                    "code": str(b.code),
                    "action": str(b.action),
                    "reason": b.reason[:500],
                }
                for b in changes.breaches
            ],
        )


def _write_risk(
    connection: Connection, states: Iterable[RiskState], rules: Mapping[str, RuleSet]
) -> None:
    """Each account's risk state, and its status and rule set as the account API reads them
    (and the engine restores the rules from): a lock and a change of the rules are engine
    state, durable like an order (risk changes are rare: plain Core statements)."""
    states = list(states)
    rows = [
        {
            "account_id": _account(state.account_id),
            "state": risk_to_json(state),
            "updated_at": to_datetime(state.updated_at),
        }
        for state in states
    ]
    connection.execute(_upsert(connection.dialect.name, RISK_STATES, ("account_id",)), rows)
    connection.execute(
        update(Account).where(Account.id == bindparam("risk_account")),
        [
            {
                "risk_account": row["account_id"],
                "status": AccountStatus.active if state.lock is None else AccountStatus.locked,
                "rule_set": rules[state.account_id].to_json(),
            }
            for row, state in zip(rows, states, strict=True)
        ],
    )


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
