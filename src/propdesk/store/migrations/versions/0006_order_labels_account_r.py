"""Orders' client labels (`strategy`, `tag`) and an account's own 1R in money.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Exact money: NUMERIC on PostgreSQL, text on SQLite (store.types.Money).
MONEY = sa.Numeric(20, 4).with_variant(sa.String(40), "sqlite")


def upgrade() -> None:
    # Nullable: existing orders have no labels, existing accounts keep the default R.
    op.add_column("orders", sa.Column("strategy", sa.String(64), nullable=True))
    op.add_column("orders", sa.Column("tag", sa.String(64), nullable=True))
    op.add_column("accounts", sa.Column("risk_per_trade", MONEY, nullable=True))


def downgrade() -> None:
    # Batch mode: SQLite drops a column by copying the table.
    with op.batch_alter_table("accounts") as batch:
        batch.drop_column("risk_per_trade")
    with op.batch_alter_table("orders") as batch:
        batch.drop_column("tag")
        batch.drop_column("strategy")
