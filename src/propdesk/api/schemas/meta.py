"""Health and version models."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field


class CheckRead(BaseModel):
    status: Literal["ok", "starting", "unavailable", "disabled"] = Field(
        description="`ok`; `starting` while the component comes up (the feed backfilling, "
        "say); `unavailable` when it has failed; `disabled` when configured off."
    )
    detail: str | None = Field(None, description="What the component is doing, or what failed.")
    latency_ms: float | None = Field(None, description="How long the check took, if timed.")


class HealthRead(BaseModel):
    status: Literal["starting", "ok", "degraded"] = Field(
        description="`ok` when every check passes (HTTP 200); `starting` while a component is "
        "still coming up, `degraded` when one has failed (both HTTP 503)."
    )
    version: str
    checks: dict[str, CheckRead] = Field(
        description="Per component: `database`, `engine`, `feed`, `bus` (none for liveness)."
    )


class VersionRead(BaseModel):
    version: str = Field(description="The server's package version.")
    api_version: str = Field(description="The REST API version this server speaks.")


class ApiVersionRead(BaseModel):
    version: str
    status: Literal["current", "deprecated", "retired"]
    released_at: date
    deprecated_at: date | None = None
    sunset_at: date | None = None
    docs_url: str
