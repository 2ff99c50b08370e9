"""An index on orders.parent_id: listings find a bracket's legs by their entry.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_orders_parent", "orders", ["parent_id"])


def downgrade() -> None:
    op.drop_index("ix_orders_parent", table_name="orders")
