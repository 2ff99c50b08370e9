"""Settings: every knob is a `PROPDESK_*` environment variable (or a line in `.env`)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEVELOPMENT_SECRET = "development-only-secret-change-me"  # noqa: S105 - refused in production


class Environment(StrEnum):
    development = "development"
    production = "production"


class FeedSource(StrEnum):
    simulator = "simulator"
    replay = "replay"
    none = "none"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="PROPDESK_", env_file=".env", extra="ignore", frozen=True
    )

    env: Environment = Environment.development
    database_url: str = "sqlite+aiosqlite:///var/propdesk.db"
    redis_url: str | None = None
    secret_key: str = DEVELOPMENT_SECRET
    log_level: str = "INFO"
    log_json: bool = False

    # Market data
    feed: FeedSource = FeedSource.simulator
    feed_seed: int = 7
    feed_tick_interval: Annotated[float, Field(gt=0, le=60)] = 0.25
    backfill_days: Annotated[int, Field(ge=0, le=3650)] = 30
    replay_speed: Annotated[float, Field(gt=0, le=100_000)] = 60.0
    replay_from: int | None = None
    """UNIX seconds where replay starts; default: the oldest stored bar of each symbol."""
    replay_symbols: list[str] = Field(default_factory=list)
    """Symbols to replay; empty means every catalogue symbol that has stored bars."""
    instruments_file: Path | None = None
    """A JSON catalogue to use instead of the shipped one."""

    # Limits that keep one request from starving the others
    history_max_bars: Annotated[int, Field(ge=1, le=5_000_000)] = 200_000

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def is_production(self) -> bool:
        return self.env is Environment.production

    @model_validator(mode="after")
    def _refuse_development_secrets_in_production(self) -> Settings:
        if self.is_production and self.secret_key == DEVELOPMENT_SECRET:
            raise ValueError(
                "PROPDESK_SECRET_KEY must be set to a private value when PROPDESK_ENV=production"
            )
        return self
