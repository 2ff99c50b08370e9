"""The journal: round trips (written by the engine) and the trader's notes on them.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Exact decimals: NUMERIC(30, 10) on PostgreSQL, text on SQLite (store.types.Exact).
EXACT = sa.Numeric(30, 10).with_variant(sa.String(40), "sqlite")
WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "trips",
        sa.Column("id", sa.String(120), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("symbol", sa.String(32), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("side", sa.String(8), nullable=False),
        sa.Column("point_value", EXACT, nullable=False),
        sa.Column("opened_at", WHEN, nullable=False),
        sa.Column("closed_at", WHEN, nullable=True),
        *(
            sa.Column(name, EXACT, nullable=False)
            for name in (
                "qty",
                "open_cost",
                "entry_qty",
                "entry_value",
                "exit_qty",
                "exit_value",
                "max_qty",
                "gross_pnl",
                "fees",
                "net_pnl",
                "mae_price",
                "mfe_price",
                "mae",
                "mfe",
            )
        ),
        sa.Column("risk", EXACT, nullable=True),
        sa.Column("risk_source", sa.String(16), nullable=True),
        sa.Column("initial_stop", EXACT, nullable=True),
        sa.Column("strategy", sa.String(64), nullable=True),
        sa.Column("setup", sa.String(64), nullable=True),
        sa.Column("regime", sa.String(32), nullable=True),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("fill_ids", sa.JSON(), nullable=False),
        sa.Column("order_ids", sa.JSON(), nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_trips_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trips")),
    )
    op.create_index("ix_trips_account_closed", "trips", ["account_id", "closed_at"])
    op.create_index("ix_trips_account_opened", "trips", ["account_id", "opened_at"])
    op.create_table(
        "trip_notes",
        sa.Column("trip_id", sa.String(120), nullable=False),
        sa.Column("notes", sa.String(10_000), nullable=True),
        sa.Column("tags", sa.JSON(), nullable=True),
        sa.Column("setup", sa.String(64), nullable=True),
        sa.Column("screenshot_url", sa.String(2_000), nullable=True),
        sa.Column("updated_at", WHEN, nullable=False),
        sa.ForeignKeyConstraint(
            ["trip_id"],
            ["trips.id"],
            name=op.f("fk_trip_notes_trip_id_trips"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("trip_id", name=op.f("pk_trip_notes")),
    )


def downgrade() -> None:
    op.drop_table("trip_notes")
    op.drop_index("ix_trips_account_opened", table_name="trips")
    op.drop_index("ix_trips_account_closed", table_name="trips")
    op.drop_table("trips")
