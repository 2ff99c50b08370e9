"""Signals and regimes: what running strategies gave, and each change of a symbol's regime.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Exact decimals: NUMERIC(30, 10) on PostgreSQL, text on SQLite (store.types.Exact).
EXACT = sa.Numeric(30, 10).with_variant(sa.String(40), "sqlite")
WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "signals",
        sa.Column("id", sa.String(200), nullable=False),
        sa.Column("symbol", sa.String(32), nullable=False),
        sa.Column("resolution", sa.String(8), nullable=False),
        sa.Column("strategy", sa.String(64), nullable=False),
        sa.Column("direction", sa.String(8), nullable=False),
        sa.Column("entry", EXACT, nullable=False),
        sa.Column("stop", EXACT, nullable=False),
        sa.Column("target", EXACT, nullable=False),
        sa.Column("regime", sa.String(16), nullable=True),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("expires_at", WHEN, nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signals")),
    )
    op.create_index("ix_signals_created", "signals", ["created_at"])
    op.create_index("ix_signals_symbol_created", "signals", ["symbol", "created_at"])
    op.create_index("ix_signals_strategy_created", "signals", ["strategy", "created_at"])
    op.create_table(
        "regimes",
        sa.Column("symbol", sa.String(32), nullable=False),
        sa.Column("resolution", sa.String(8), nullable=False),
        sa.Column("ts", sa.BigInteger(), nullable=False),
        sa.Column("regime", sa.String(16), nullable=False),
        sa.Column("adx", sa.Float(), nullable=False),
        sa.Column("plus_di", sa.Float(), nullable=False),
        sa.Column("minus_di", sa.Float(), nullable=False),
        sa.Column("atr", sa.Float(), nullable=False),
        sa.Column("atr_percentile", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("symbol", "resolution", "ts", name=op.f("pk_regimes")),
    )


def downgrade() -> None:
    op.drop_table("regimes")
    op.drop_index("ix_signals_strategy_created", table_name="signals")
    op.drop_index("ix_signals_symbol_created", table_name="signals")
    op.drop_index("ix_signals_created", table_name="signals")
    op.drop_table("signals")
