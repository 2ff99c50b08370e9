"""Orders' `regime` label: the market regime an order was placed in (an auto-traded
signal's), which the journal's trip takes.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Nullable: existing orders were placed in no regime anybody recorded.
    op.add_column("orders", sa.Column("regime", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("orders") as batch:
        batch.drop_column("regime")
