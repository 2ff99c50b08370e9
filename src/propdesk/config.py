"""Settings: every knob is a `PROPDESK_*` environment variable (or a line in `.env`)."""

from __future__ import annotations

from dataclasses import fields
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

from limits import parse_many as parse_rate_limits
from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from propdesk.domain.bars import Resolution
from propdesk.domain.broker import BrokerSettings
from propdesk.domain.matching import FillModel
from propdesk.domain.regime import RegimeParams

DEVELOPMENT_SECRET = "development-only-secret-change-me"  # noqa: S105 - refused in production
MIN_SECRET_KEY_LENGTH = 32


class Environment(StrEnum):
    development = "development"
    production = "production"


class FeedSource(StrEnum):
    simulator = "simulator"
    replay = "replay"
    none = "none"


class StrategySetting(BaseModel):
    """One strategy to run (an item of `PROPDESK_STRATEGIES`): its name, the symbols it runs
    on, their bars' resolution and its parameters (its defaults where left out). Names and
    parameters are checked when the server starts, against the strategies installed."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: Annotated[str, Field(min_length=1, max_length=64)]
    symbols: Annotated[list[str], Field(min_length=1)]
    resolution: str = "5"
    params: dict[str, Any] = Field(default_factory=dict)

    @field_validator("resolution")
    @classmethod
    def _resolution(cls, value: str) -> str:
        return str(Resolution.parse(value))


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="PROPDESK_",
        env_file=".env",
        extra="ignore",
        frozen=True,
        # A refused setting must not print the others (the secret key, the admin password).
        hide_input_in_errors=True,
    )

    env: Environment = Environment.development
    database_url: str = "sqlite+aiosqlite:///var/propdesk.db"
    redis_url: str | None = None
    bus_encode: bool = False
    """Encode every message the in-process bus carries, as a remote bus would: a value that
    could not cross a process fails at once (the test suite runs this way)."""
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

    # Regime and signals (propdesk.signals)
    regime_resolutions: list[str] = Field(default_factory=lambda: ["5"])
    """Resolutions every symbol's regime is classified at (each enabled strategy's too)."""
    regime_symbols: list[str] = Field(default_factory=list)
    """Symbols whose regime is classified; empty means every catalogue symbol."""
    regime_params: dict[str, int | float] = Field(default_factory=dict)
    """The classifier's periods and thresholds, as JSON (`RegimeParams`: `adx_period`,
    `atr_period`, `atr_percentile_window`, `trend_adx`, `range_adx`, `volatile_percentile`);
    those left out keep their defaults."""
    strategies: list[StrategySetting] = Field(
        default_factory=lambda: [StrategySetting(name="ma_cross", symbols=["MNQ"])]
    )
    """The strategies that run on every bar close, as JSON; `[]` runs none."""
    signals_warm_up_bars: Annotated[int, Field(ge=1, le=10_000)] = 500
    """Bars of each resolution replayed from the store when a classifier and its strategies
    start (or resume over a gap), and that `POST /signals/generate` runs a strategy over."""

    # Paper broker (fill model)
    fill_on_touch: bool = False
    """Resting limits fill when the market touches their price, not only trades through it."""
    slippage_ticks: Annotated[int, Field(ge=0, le=100)] = 0
    """Ticks of adverse slippage on market orders and triggered stops."""
    top_of_book_size: Annotated[Decimal | None, Field(gt=0)] = Decimal(10)
    """Quantity one order can fill per tick (a larger order fills across ticks, with a
    partial fill each time); unset (`null`) means unlimited."""
    queue_outside_session: bool = False
    """Accept orders while the market is closed (they work from the next session's first
    tick) instead of rejecting them `MARKET_CLOSED`."""

    # Limits that keep one request from starving the others
    history_max_bars: Annotated[int, Field(ge=1, le=5_000_000)] = 200_000

    # WebSocket gateway (/api/v1/ws)
    ws_heartbeat_seconds: Annotated[float, Field(gt=0, le=3600)] = 15.0
    """Seconds between `heartbeat` messages to every connection."""
    ws_queue_size: Annotated[int, Field(ge=1, le=1_000_000)] = 1024
    """Messages waiting for one connection; a client this far behind is closed with 1013."""
    ws_max_message_bytes: Annotated[int, Field(ge=256, le=1024 * 1024)] = 16 * 1024
    """Largest client message accepted; a larger one is answered with an error."""
    ws_auth_timeout_seconds: Annotated[float, Field(gt=0, le=300)] = 5.0
    """How long after connecting an `auth` message (the first one) is accepted."""

    # Identity and access
    admin_username: Annotated[str, Field(min_length=3, max_length=64)] = "admin"
    admin_password: SecretStr | None = None
    """Creates the first admin at start-up (8 characters at least); unset in development, one
    is generated and logged once."""
    allow_signup: bool | None = None
    """`POST /auth/register`; unset means on in development, off in production."""
    access_token_minutes: Annotated[int, Field(ge=1, le=24 * 60)] = 15
    refresh_token_days: Annotated[int, Field(ge=1, le=365)] = 30
    auth_cache_seconds: Annotated[float, Field(ge=0, le=300)] = 5.0
    """A verified token or key is trusted this long without a database look-up (never past
    its expiry). Revocations in this process take effect at once; elsewhere (the CLI,
    another server) within this delay. 0 checks every request."""
    # Argon2id cost: the defaults are the argon2 library's (RFC 9106's second choice);
    # tests lower them, since hashing is deliberately slow.
    password_hash_time_cost: Annotated[int, Field(ge=1, le=20)] = 3
    password_hash_memory_kib: Annotated[int, Field(ge=8, le=4 * 1024 * 1024)] = 64 * 1024
    password_hash_parallelism: Annotated[int, Field(ge=1, le=16)] = 4
    web_dir: Path | None = None
    """The dashboard's built assets, served at `/`; unset: the checkout's `web/dist`."""
    cors_origins: list[str] = Field(default_factory=list)
    """Origins allowed to call the API from a browser, as JSON: `["https://desk.example"]`."""

    # Rate limits ("10/minute", or several: "5/second;100/minute"); kept in memory, or in
    # Redis when PROPDESK_REDIS_URL is set (shared by every process)
    rate_limits_enabled: bool = True
    rate_limit_ip: str = "600/minute"
    """Every request to the identity and account routes, per client IP."""
    rate_limit_user: str = "300/minute"
    """Every authenticated request, per user (all of the user's keys and tokens together)."""
    rate_limit_auth: str = "10/minute"
    """Sign-in, sign-up and refresh, per client IP and (sign-in) per username: brute force."""
    rate_limit_orders: str = "60/minute"
    """Order placement, per user."""
    rate_limit_signals: str = "30/minute"
    """`POST /signals/generate` (each call replays hundreds of bars), per user."""

    def broker_settings(self) -> BrokerSettings:
        return BrokerSettings(
            fill_model=FillModel(
                fill_on_touch=self.fill_on_touch,
                slippage_ticks=self.slippage_ticks,
                top_of_book_size=self.top_of_book_size,
            ),
            queue_outside_session=self.queue_outside_session,
        )

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def is_production(self) -> bool:
        return self.env is Environment.production

    @property
    def signup_enabled(self) -> bool:
        return self.allow_signup if self.allow_signup is not None else not self.is_production

    @field_validator(
        "rate_limit_ip",
        "rate_limit_user",
        "rate_limit_auth",
        "rate_limit_orders",
        "rate_limit_signals",
    )
    @classmethod
    def _parse_rate_limit(cls, value: str) -> str:
        try:
            parse_rate_limits(value)
        except ValueError as error:
            raise ValueError(f"not a rate limit like '10/minute': {value!r}") from error
        return value

    @field_validator("regime_params")
    @classmethod
    def _regime_params(cls, values: dict[str, int | float]) -> dict[str, int | float]:
        known = {f.name for f in fields(RegimeParams)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(f"unknown {', '.join(unknown)}; known: {', '.join(sorted(known))}")
        RegimeParams(**values)  # type: ignore[arg-type]  # ValueError naming a bad one
        return values

    def regime_parameters(self) -> RegimeParams:
        return RegimeParams(**self.regime_params)  # type: ignore[arg-type]  # checked above

    @field_validator("regime_resolutions")
    @classmethod
    def _resolutions(cls, values: list[str]) -> list[str]:
        return list(dict.fromkeys(str(Resolution.parse(value)) for value in values))

    @model_validator(mode="after")
    def _refuse_development_secrets_in_production(self) -> Settings:
        if self.is_production and self.secret_key == DEVELOPMENT_SECRET:
            raise ValueError(
                "PROPDESK_SECRET_KEY must be set to a private value when PROPDESK_ENV=production"
            )
        if self.is_production and len(self.secret_key) < MIN_SECRET_KEY_LENGTH:
            raise ValueError(
                f"PROPDESK_SECRET_KEY must be at least {MIN_SECRET_KEY_LENGTH} characters "
                "(it signs access tokens with HS256)"
            )
        if self.is_production and (
            self.admin_password is None or not self.admin_password.get_secret_value()
        ):
            raise ValueError("PROPDESK_ADMIN_PASSWORD must be set when PROPDESK_ENV=production")
        if self.admin_password is not None and len(self.admin_password.get_secret_value()) < 8:
            raise ValueError("PROPDESK_ADMIN_PASSWORD must have at least 8 characters")
        return self
