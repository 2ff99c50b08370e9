"""Token responses and refresh requests."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class TokenRead(BaseModel):
    access_token: str = Field(description="A JWT for `Authorization: Bearer …`.")
    refresh_token: str = Field(
        description="Opaque; exchange it once at `/auth/refresh` for a new pair."
    )
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - OAuth2's token type, no secret
    expires_in: int = Field(description="Seconds until the access token expires.")


class RefreshRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    refresh_token: str = Field(min_length=1, max_length=256)
