"""Trading state written by the engine: orders, executions, positions and ledgers.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Exact prices, quantities and money: NUMERIC on PostgreSQL, text on SQLite (store.types.Exact).
EXACT = sa.Numeric(30, 10).with_variant(sa.String(40), "sqlite")


def _timestamp(name: str, *, nullable: bool = False) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _exact(name: str, *, nullable: bool = False) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, EXACT, nullable=nullable)


def _account_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["account_id"],
        ["accounts.id"],
        name=op.f(f"fk_{table}_account_id_accounts"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "orders",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("client_order_id", sa.String(64), nullable=False),
        sa.Column("symbol", sa.String(32), nullable=False),
        sa.Column("side", sa.String(8), nullable=False),
        sa.Column("type", sa.String(16), nullable=False),
        _exact("qty"),
        sa.Column("time_in_force", sa.String(8), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("order_class", sa.String(16), nullable=False),
        _exact("limit_price", nullable=True),
        _exact("stop_price", nullable=True),
        _exact("trail_price", nullable=True),
        _exact("trail_percent", nullable=True),
        _exact("water_mark", nullable=True),
        sa.Column("triggered", sa.Boolean(), nullable=False),
        _exact("filled_qty"),
        _exact("filled_value"),
        sa.Column("parent_id", sa.String(36), nullable=True),
        sa.Column("leg", sa.String(16), nullable=True),
        sa.Column("sibling_id", sa.String(36), nullable=True),
        sa.Column("reject_reason", sa.String(64), nullable=True),
        sa.Column("fingerprint", sa.String(1024), nullable=False),
        _timestamp("created_at"),
        _timestamp("updated_at"),
        _timestamp("filled_at", nullable=True),
        _timestamp("canceled_at", nullable=True),
        _timestamp("expired_at", nullable=True),
        _timestamp("expires_at", nullable=True),
        _account_fk("orders"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_orders")),
        sa.UniqueConstraint("account_id", "client_order_id", name=op.f("uq_orders_account_id")),
    )
    op.create_index("ix_orders_account_created", "orders", ["account_id", "created_at"])
    op.create_index("ix_orders_open", "orders", ["status"])
    op.create_table(
        "executions",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("order_id", sa.String(36), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("symbol", sa.String(32), nullable=False),
        sa.Column("side", sa.String(8), nullable=False),
        _exact("qty"),
        _exact("price"),
        _exact("commission"),
        sa.Column("liquidity", sa.String(8), nullable=False),
        _timestamp("ts"),
        _account_fk("executions"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_executions")),
    )
    op.create_index("ix_executions_account_ts", "executions", ["account_id", "ts"])
    op.create_index(op.f("ix_executions_order_id"), "executions", ["order_id"])
    op.create_table(
        "positions",
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("symbol", sa.String(32), nullable=False),
        _exact("qty"),
        _exact("cost"),
        _exact("realized_pnl"),
        _timestamp("opened_at", nullable=True),
        _timestamp("updated_at", nullable=True),
        _account_fk("positions"),
        sa.PrimaryKeyConstraint("account_id", "symbol", name=op.f("pk_positions")),
    )
    op.create_table(
        "ledgers",
        sa.Column("account_id", sa.Uuid(), nullable=False),
        _exact("starting_balance"),
        sa.Column("trading_day", sa.Date(), nullable=False),
        _exact("realized_pnl"),
        _exact("commissions"),
        _exact("realized_pnl_today"),
        _exact("commissions_today"),
        _timestamp("updated_at", nullable=True),
        _account_fk("ledgers"),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_ledgers")),
    )


def downgrade() -> None:
    op.drop_table("ledgers")
    op.drop_table("positions")
    op.drop_index(op.f("ix_executions_order_id"), table_name="executions")
    op.drop_index("ix_executions_account_ts", table_name="executions")
    op.drop_table("executions")
    op.drop_index("ix_orders_open", table_name="orders")
    op.drop_index("ix_orders_account_created", table_name="orders")
    op.drop_table("orders")
