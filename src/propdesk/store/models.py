"""All ORM rows. Constraint names follow one convention so that migrations stay portable."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    UniqueConstraint,
    Uuid,
    func,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from propdesk.domain.accounts import AccountStatus, Role
from propdesk.store.types import Exact, Money, UtcDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Bar1m(Base):
    """One-minute OHLCV bars, the base every resolution is aggregated from.

    `ts` is the bar's opening second (UNIX, UTC). The primary key is the range-scan index;
    on SQLite the table is stored without a rowid so that a scan reads it in key order.
    """

    __tablename__ = "bars_1m"
    __table_args__ = {"sqlite_with_rowid": False}

    symbol: Mapped[str] = mapped_column(String(32), primary_key=True)
    ts: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    open: Mapped[float] = mapped_column(Float)
    high: Mapped[float] = mapped_column(Float)
    low: Mapped[float] = mapped_column(Float)
    close: Mapped[float] = mapped_column(Float)
    volume: Mapped[float] = mapped_column(Float)


class BarSeries(Base):
    """Per symbol: a revision bumped by every rewrite of history (import, backfill) and the
    newest stored bar, so that any process can tell whether its cached bars are current."""

    __tablename__ = "bar_series"

    symbol: Mapped[str] = mapped_column(String(32), primary_key=True)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    first_ts: Mapped[int] = mapped_column(BigInteger)
    last_ts: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


def _string_enum(enum: type[Role] | type[AccountStatus], length: int = 16) -> Enum:
    """A VARCHAR holding the enum's values; the CHECK constraint is declared on the table."""
    return Enum(
        enum,
        native_enum=False,
        create_constraint=False,
        length=length,
        values_callable=lambda members: [member.value for member in members],
    )


class User(Base):
    """A person or a bot's owner. Never deleted, only deactivated: accounts point at it."""

    __tablename__ = "users"
    __table_args__ = (CheckConstraint("role IN ('admin', 'trader', 'viewer')", name="role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(_string_enum(Role))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class RefreshToken(Base):
    """One refresh token, stored as the SHA-256 of its secret. Every token of one sign-in
    shares a `family_id`; a used token presented again revokes the whole family."""

    __tablename__ = "refresh_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    family_id: Mapped[str] = mapped_column(String(32), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class ApiKey(Base):
    """A bot's credential: `pd_<prefix>_<secret>`, stored as the prefix and the secret's
    SHA-256 (the secret is random, so a slow hash would add nothing)."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    scopes: Mapped[list[str]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class Account(Base):
    """A paper trading account. `balance` is the starting balance until the broker moves it;
    `rule_set` holds the rule set's parameters (domain.risk.RuleSet.to_json)."""

    __tablename__ = "accounts"
    __table_args__ = (
        UniqueConstraint("owner_id", "name"),
        CheckConstraint("status IN ('active', 'locked')", name="status"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    """Random, so that ids say nothing about other accounts; the domain sees `str(id)`."""
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    name: Mapped[str] = mapped_column(String(100))
    currency: Mapped[str] = mapped_column(String(3))
    starting_balance: Mapped[Decimal] = mapped_column(Money)
    balance: Mapped[Decimal] = mapped_column(Money)
    rule_set: Mapped[dict[str, Any]] = mapped_column(JSON)
    risk_per_trade: Mapped[Decimal | None] = mapped_column(Money)
    """1R in money, as its owner set it; null: the default (1% of the starting balance)."""
    status: Mapped[AccountStatus] = mapped_column(_string_enum(AccountStatus))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class AccountPeriod(Base):
    """One run of an account from a (re)start; a reset closes it with its ending balance."""

    __tablename__ = "account_periods"
    __table_args__ = (UniqueConstraint("account_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("accounts.id", ondelete="CASCADE")
    )
    number: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    starting_balance: Mapped[Decimal] = mapped_column(Money)
    ending_balance: Mapped[Decimal | None] = mapped_column(Money)


# --- trading state: written by the engine alone (one transaction per batch of commands/ticks)


class OrderRow(Base):
    """The latest value of one order (domain.orders.Order); rejected orders are kept too."""

    __tablename__ = "orders"
    __table_args__ = (
        UniqueConstraint("account_id", "client_order_id"),
        Index("ix_orders_account_created", "account_id", "created_at"),
        Index("ix_orders_open", "status"),
        # A bracket's legs by their entry (nested order listings, open-bracket filters).
        Index("ix_orders_parent", "parent_id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    account_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("accounts.id", ondelete="CASCADE")
    )
    client_order_id: Mapped[str] = mapped_column(String(64))
    symbol: Mapped[str] = mapped_column(String(32))
    side: Mapped[str] = mapped_column(String(8))
    type: Mapped[str] = mapped_column(String(16))
    qty: Mapped[Decimal] = mapped_column(Exact)
    time_in_force: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(20))
    seq: Mapped[int] = mapped_column(BigInteger)
    order_class: Mapped[str] = mapped_column(String(16))
    limit_price: Mapped[Decimal | None] = mapped_column(Exact)
    stop_price: Mapped[Decimal | None] = mapped_column(Exact)
    trail_price: Mapped[Decimal | None] = mapped_column(Exact)
    trail_percent: Mapped[Decimal | None] = mapped_column(Exact)
    water_mark: Mapped[Decimal | None] = mapped_column(Exact)
    triggered: Mapped[bool] = mapped_column(Boolean)
    filled_qty: Mapped[Decimal] = mapped_column(Exact)
    filled_value: Mapped[Decimal] = mapped_column(Exact)
    parent_id: Mapped[str | None] = mapped_column(String(36))
    leg: Mapped[str | None] = mapped_column(String(16))
    sibling_id: Mapped[str | None] = mapped_column(String(36))
    reject_reason: Mapped[str | None] = mapped_column(String(64))
    fingerprint: Mapped[str] = mapped_column(String(1024))
    strategy: Mapped[str | None] = mapped_column(String(64))
    tag: Mapped[str | None] = mapped_column(String(64))
    regime: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    filled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    canceled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    expired_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class ExecutionRow(Base):
    """One fill (domain.orders.Fill); append-only."""

    __tablename__ = "executions"
    __table_args__ = (Index("ix_executions_account_ts", "account_id", "ts"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    order_id: Mapped[str] = mapped_column(String(36), index=True)
    account_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("accounts.id", ondelete="CASCADE")
    )
    symbol: Mapped[str] = mapped_column(String(32))
    side: Mapped[str] = mapped_column(String(8))
    qty: Mapped[Decimal] = mapped_column(Exact)
    price: Mapped[Decimal] = mapped_column(Exact)
    commission: Mapped[Decimal] = mapped_column(Exact)
    liquidity: Mapped[str] = mapped_column(String(8))
    ts: Mapped[datetime] = mapped_column(UtcDateTime)


class PositionRow(Base):
    """One account's position in one symbol (domain.positions.Position); flat ones stay,
    carrying their realized P&L."""

    __tablename__ = "positions"

    account_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    symbol: Mapped[str] = mapped_column(String(32), primary_key=True)
    qty: Mapped[Decimal] = mapped_column(Exact)
    cost: Mapped[Decimal] = mapped_column(Exact)
    realized_pnl: Mapped[Decimal] = mapped_column(Exact)
    opened_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class LedgerRow(Base):
    """What an account has realized and paid (domain.ledger.Ledger)."""

    __tablename__ = "ledgers"

    account_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    starting_balance: Mapped[Decimal] = mapped_column(Exact)
    trading_day: Mapped[date] = mapped_column(Date)
    realized_pnl: Mapped[Decimal] = mapped_column(Exact)
    commissions: Mapped[Decimal] = mapped_column(Exact)
    realized_pnl_today: Mapped[Decimal] = mapped_column(Exact)
    commissions_today: Mapped[Decimal] = mapped_column(Exact)
    updated_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class RiskStateRow(Base):
    """An account's risk state (domain.risk.RiskState, as the bus codec writes it)."""

    __tablename__ = "risk_states"

    account_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    state: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class RiskEventRow(Base):
    """The audit log: every breach, lock, unlock and warning, as durable as orders."""

    __tablename__ = "risk_events"
    __table_args__ = (Index("ix_risk_events_account_at", "account_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("accounts.id", ondelete="CASCADE")
    )
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    code: Mapped[str] = mapped_column(String(40))
    action: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(String(500))


class TripRow(Base):
    """One round trip of the journal (domain.journal.RoundTrip), written by the engine with
    the fills that change it; an open trip's row is replaced on each of its fills."""

    __tablename__ = "trips"
    __table_args__ = (
        Index("ix_trips_account_closed", "account_id", "closed_at"),
        Index("ix_trips_account_opened", "account_id", "opened_at"),
    )

    id: Mapped[str] = mapped_column(String(120), primary_key=True)
    account_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("accounts.id", ondelete="CASCADE")
    )
    symbol: Mapped[str] = mapped_column(String(32))
    seq: Mapped[int] = mapped_column(Integer)
    side: Mapped[str] = mapped_column(String(8))
    point_value: Mapped[Decimal] = mapped_column(Exact)
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    qty: Mapped[Decimal] = mapped_column(Exact)
    open_cost: Mapped[Decimal] = mapped_column(Exact)
    entry_qty: Mapped[Decimal] = mapped_column(Exact)
    entry_value: Mapped[Decimal] = mapped_column(Exact)
    exit_qty: Mapped[Decimal] = mapped_column(Exact)
    exit_value: Mapped[Decimal] = mapped_column(Exact)
    max_qty: Mapped[Decimal] = mapped_column(Exact)
    gross_pnl: Mapped[Decimal] = mapped_column(Exact)
    fees: Mapped[Decimal] = mapped_column(Exact)
    net_pnl: Mapped[Decimal] = mapped_column(Exact)
    """gross − fees, kept for the filters and sorts of the reads."""
    mae_price: Mapped[Decimal] = mapped_column(Exact)
    mfe_price: Mapped[Decimal] = mapped_column(Exact)
    mae: Mapped[Decimal] = mapped_column(Exact)
    mfe: Mapped[Decimal] = mapped_column(Exact)
    risk: Mapped[Decimal | None] = mapped_column(Exact)
    risk_source: Mapped[str | None] = mapped_column(String(16))
    initial_stop: Mapped[Decimal | None] = mapped_column(Exact)
    strategy: Mapped[str | None] = mapped_column(String(64))
    setup: Mapped[str | None] = mapped_column(String(64))
    regime: Mapped[str | None] = mapped_column(String(32))
    tags: Mapped[list[str]] = mapped_column(JSON)
    fill_ids: Mapped[list[str]] = mapped_column(JSON)
    order_ids: Mapped[list[str]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class TripNoteRow(Base):
    """What the trader wrote on a trip (notes, tags, setup, a screenshot): the API's to write,
    kept apart from the engine's row so that neither overwrites the other."""

    __tablename__ = "trip_notes"

    trip_id: Mapped[str] = mapped_column(
        String(120), ForeignKey("trips.id", ondelete="CASCADE"), primary_key=True
    )
    notes: Mapped[str | None] = mapped_column(String(10_000))
    tags: Mapped[list[str] | None] = mapped_column(JSON)
    setup: Mapped[str | None] = mapped_column(String(64))
    screenshot_url: Mapped[str | None] = mapped_column(String(2_000))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


# --- signals and regimes: written by the signal runner alone


class SignalRow(Base):
    """A signal a running strategy gave (domain.strategies.Signal), with the parameters it ran
    with; append-only, its id deterministic (strategy, symbol, resolution, bar)."""

    __tablename__ = "signals"
    __table_args__ = (
        Index("ix_signals_created", "created_at"),
        Index("ix_signals_symbol_created", "symbol", "created_at"),
        Index("ix_signals_strategy_created", "strategy", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    symbol: Mapped[str] = mapped_column(String(32))
    resolution: Mapped[str] = mapped_column(String(8))
    strategy: Mapped[str] = mapped_column(String(64))
    direction: Mapped[str] = mapped_column(String(8))
    entry: Mapped[Decimal] = mapped_column(Exact)
    stop: Mapped[Decimal] = mapped_column(Exact)
    target: Mapped[Decimal] = mapped_column(Exact)
    regime: Mapped[str | None] = mapped_column(String(16))
    confidence: Mapped[float] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    params: Mapped[dict[str, Any]] = mapped_column(JSON)


class RegimeRow(Base):
    """A change of a symbol's regime at one resolution: the reading of the bar (its `ts`, UNIX
    seconds) whose regime differs from the row before; append-only."""

    __tablename__ = "regimes"

    symbol: Mapped[str] = mapped_column(String(32), primary_key=True)
    resolution: Mapped[str] = mapped_column(String(8), primary_key=True)
    ts: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    regime: Mapped[str] = mapped_column(String(16))
    adx: Mapped[float] = mapped_column(Float)
    plus_di: Mapped[float] = mapped_column(Float)
    minus_di: Mapped[float] = mapped_column(Float)
    atr: Mapped[float] = mapped_column(Float)
    atr_percentile: Mapped[float] = mapped_column(Float)


class AutotradeSettingsRow(Base):
    """An account's auto-trading: whether the signals of which strategies on which symbols
    become bracket orders, and how large (a fixed `qty`, or `risk_per_trade_r` × the account's
    R; exactly one). The owner's settings, written by the API; the orders go through the
    engine like any other."""

    __tablename__ = "autotrade_settings"
    __table_args__ = (
        CheckConstraint("(qty IS NULL) <> (risk_per_trade_r IS NULL)", name="one_sizing"),
    )

    account_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    enabled: Mapped[bool] = mapped_column(Boolean)
    strategies: Mapped[list[str]] = mapped_column(JSON)
    """Built-in strategy names (domain.strategies.BUILTINS)."""
    symbols: Mapped[list[str]] = mapped_column(JSON)
    """Catalogue symbols, as the catalogue spells them."""
    qty: Mapped[Decimal | None] = mapped_column(Exact)
    risk_per_trade_r: Mapped[Decimal | None] = mapped_column(Exact)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
