"""Users as the API shows them (never a password or its hash)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from propdesk.auth.users import PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH, USERNAME_PATTERN
from propdesk.domain.accounts import Role

Username = Annotated[
    str,
    StringConstraints(pattern=USERNAME_PATTERN),
    AfterValidator(str.lower),
    Field(
        description="3–64 letters, digits, `_`, `.` or `-`; case-insensitive (stored lowercase).",
        examples=["alice"],
    ),
]
Password = Annotated[
    str,
    Field(
        min_length=PASSWORD_MIN_LENGTH,
        max_length=PASSWORD_MAX_LENGTH,
        description=f"{PASSWORD_MIN_LENGTH}–{PASSWORD_MAX_LENGTH} characters.",
        examples=["s3cret-pass"],
    ),
]


class UserRegister(BaseModel):
    """Sign-up: the new user is a trader."""

    model_config = ConfigDict(extra="forbid")

    username: Username
    password: Password


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: Username
    password: Password
    role: Role = Role.trader


class UserUpdate(BaseModel):
    """Only the fields sent change."""

    model_config = ConfigDict(extra="forbid")

    role: Role | None = None
    is_active: bool | None = Field(
        default=None, description="`false` revokes the user's API keys and sign-ins."
    )
    password: Password | None = Field(
        default=None, description="A new password; every sign-in of the user is revoked."
    )


class UserRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    username: str
    role: Role
    is_active: bool
    created_at: datetime
    updated_at: datetime
