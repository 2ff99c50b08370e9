"""Alembic migrations, run in process on a connection the caller owns."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection

HERE = Path(__file__).parent


def config(connection: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    cfg.attributes["connection"] = connection
    return cfg


def upgrade(connection: Connection, revision: str = "head") -> None:
    command.upgrade(config(connection), revision)


def revisions(connection: Connection) -> tuple[str | None, str | None]:
    """(the database's revision, the code's head revision)."""
    current = MigrationContext.configure(connection).get_current_revision()
    head = ScriptDirectory.from_config(config()).get_current_head()
    return current, head
