"""API keys for bots: the secret is shown once, at creation."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from propdesk.domain.accounts import Scope


class ApiKeyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100, examples=["my-bot"])
    scopes: set[Scope] = Field(
        min_length=1,
        description="`read` reads only; `trade` may also write (and implies `read`).",
        examples=[["read"]],
    )


class ApiKeyRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    prefix: str = Field(description="The public part of the key (`pd_<prefix>_…`).")
    scopes: list[Scope]
    created_at: datetime
    last_used_at: datetime | None = Field(description="Recorded to the minute.")


class ApiKeyCreatedRead(ApiKeyRead):
    key: str = Field(description="The full key for `X-API-Key`. Shown only this once.")
