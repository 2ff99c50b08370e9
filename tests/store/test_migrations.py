"""The migrations build exactly the schema the models describe (on SQLite and PostgreSQL)."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection

from propdesk.store.db import Database
from propdesk.store.models import Base


def _differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(
        connection, opts={"compare_type": False, "compare_server_default": False}
    )
    return [
        diff
        for diff in compare_metadata(context, Base.metadata)
        # alembic's own bookkeeping table is no model
        if not (diff[0] == "remove_table" and diff[1].name == "alembic_version")
    ]


async def test_migrated_schema_when_compared_with_the_models_then_identical(
    database_url: str,
) -> None:
    database = Database(database_url)
    try:
        await database.migrate()
        async with database.connect() as connection:
            differences = await connection.run_sync(_differences)
    finally:
        await database.dispose()

    assert differences == []
