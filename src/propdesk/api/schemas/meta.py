"""Health and version models."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field


class CheckRead(BaseModel):
    status: Literal["ok", "unavailable", "disabled"]
    detail: str | None = None
    latency_ms: float | None = None


class HealthRead(BaseModel):
    status: Literal["ok", "unavailable"] = Field(
        description="`ok` when every check passes (HTTP 200), else `unavailable` (HTTP 503)."
    )
    version: str
    checks: dict[str, CheckRead]


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
