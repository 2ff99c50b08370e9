"""Auto-trading settings per account: which strategies' signals on which symbols it trades,
and how large.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-08
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Exact decimals: NUMERIC(30, 10) on PostgreSQL, text on SQLite (store.types.Exact).
EXACT = sa.Numeric(30, 10).with_variant(sa.String(40), "sqlite")


def upgrade() -> None:
    op.create_table(
        "autotrade_settings",
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("strategies", sa.JSON(), nullable=False),
        sa.Column("symbols", sa.JSON(), nullable=False),
        sa.Column("qty", EXACT, nullable=True),
        sa.Column("risk_per_trade_r", EXACT, nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(qty IS NULL) <> (risk_per_trade_r IS NULL)",
            name=op.f("ck_autotrade_settings_one_sizing"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_autotrade_settings_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_autotrade_settings")),
    )


def downgrade() -> None:
    op.drop_table("autotrade_settings")
