"""`propdesk users …`: manage users from the command line, straight against the database."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Annotated, TypeVar

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from propdesk.auth import users as users_service
from propdesk.auth.passwords import PasswordHasher
from propdesk.config import Settings
from propdesk.domain.accounts import Role
from propdesk.errors import ServiceError
from propdesk.logging import configure_logging
from propdesk.store.db import open_database

users = typer.Typer(help="Manage users.", no_args_is_help=True)

T = TypeVar("T")

PasswordOption = Annotated[
    str,
    typer.Option(
        prompt=True,
        hide_input=True,
        confirmation_prompt=True,
        help="Prompted for when omitted (an option shows in the process list).",
    ),
]


def _run(work: Callable[[AsyncSession, PasswordHasher], Awaitable[T]]) -> T:
    """Run `work` in one transaction on the configured database; refusals exit with 1."""
    settings = Settings()
    configure_logging(settings.log_level, json=settings.log_json)
    hasher = PasswordHasher.from_settings(settings)

    async def run() -> T:
        database = await open_database(settings.database_url)
        try:
            async with database.session() as session:
                return await work(session, hasher)
        finally:
            await database.dispose()

    try:
        return asyncio.run(run())
    except ServiceError as error:
        typer.echo(f"error: {error.message}", err=True)
        raise typer.Exit(1) from error


def _check_password(password: str) -> None:
    if not users_service.PASSWORD_MIN_LENGTH <= len(password) <= users_service.PASSWORD_MAX_LENGTH:
        typer.echo(
            f"error: a password needs {users_service.PASSWORD_MIN_LENGTH}–"
            f"{users_service.PASSWORD_MAX_LENGTH} characters",
            err=True,
        )
        raise typer.Exit(2)


@users.command("create")
def create(
    username: Annotated[str, typer.Option(help="3–64 letters, digits, `_`, `.` or `-`.")],
    password: PasswordOption,
    role: Annotated[Role, typer.Option(help="admin, trader or viewer.")] = Role.trader,
) -> None:
    """Create a user."""
    if not re.fullmatch(users_service.USERNAME_PATTERN, username):
        typer.echo("error: a username is 3–64 letters, digits, `_`, `.` or `-`", err=True)
        raise typer.Exit(2)
    _check_password(password)

    async def work(session: AsyncSession, hasher: PasswordHasher) -> str:
        user = await users_service.create_user(
            session, hasher, username=username, password=password, role=role, now=_now()
        )
        return f"created user {user.username} (id {user.id}, {user.role.value})"

    typer.echo(_run(work))


@users.command("list")
def list_users() -> None:
    """List users."""

    async def work(session: AsyncSession, _: PasswordHasher) -> list[str]:
        rows = await users_service.list_users(session, limit=100_000, offset=0)
        return [
            f"{user.id:>6}  {user.username:<24} {user.role.value:<8} "
            f"{'active' if user.is_active else 'disabled'}"
            for user in rows
        ]

    typer.echo(f"{'id':>6}  {'username':<24} {'role':<8} status")
    for line in _run(work):
        typer.echo(line)


@users.command("disable")
def disable(username: Annotated[str, typer.Argument()]) -> None:
    """Deactivate a user: their API keys and sign-ins stop working at once."""

    async def work(session: AsyncSession, hasher: PasswordHasher) -> str:
        user = await users_service.get_user_by_username(session, username)
        await users_service.update_user(session, hasher, user, now=_now(), is_active=False)
        return f"disabled {user.username}"

    typer.echo(_run(work))


@users.command("set-password")
def set_password(username: Annotated[str, typer.Argument()], password: PasswordOption) -> None:
    """Set a user's password; every sign-in of the user is revoked."""
    _check_password(password)

    async def work(session: AsyncSession, hasher: PasswordHasher) -> str:
        user = await users_service.get_user_by_username(session, username)
        await users_service.update_user(session, hasher, user, now=_now(), password=password)
        return f"password set for {user.username}"

    typer.echo(_run(work))


def _now() -> datetime:
    return datetime.now(UTC)
