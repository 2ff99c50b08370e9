"""`propdesk users …` against the configured database."""

from __future__ import annotations

import asyncio

import pytest
from typer.testing import CliRunner

from propdesk.auth import cli as users_cli
from propdesk.auth.passwords import PasswordHasher
from propdesk.cli import app
from propdesk.domain.accounts import Role
from propdesk.store.db import Database
from propdesk.store.repositories import users as user_rows

runner = CliRunner()


@pytest.fixture
def env(database_url: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    # The command configures process-wide logging; tests share the process, so skip it.
    monkeypatch.setattr(users_cli, "configure_logging", lambda *_, **__: None)
    values = {
        "PROPDESK_DATABASE_URL": database_url,
        "PROPDESK_PASSWORD_HASH_TIME_COST": "1",
        "PROPDESK_PASSWORD_HASH_MEMORY_KIB": "8",
        "PROPDESK_PASSWORD_HASH_PARALLELISM": "1",
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return values


def users_command(*args: str, input: str | None = None) -> tuple[int, str]:
    result = runner.invoke(app, ["users", *args], input=input)
    return result.exit_code, result.output


def password_matches(database_url: str, username: str, password: str) -> bool:
    async def check() -> bool:
        database = Database(database_url)
        try:
            async with database.session() as session:
                user = await user_rows.get_by_username(session, username)
        finally:
            await database.dispose()
        assert user is not None
        hasher = PasswordHasher(time_cost=1, memory_kib=8, parallelism=1)
        matches, _ = await hasher.verify(password, user.password_hash)
        return matches

    return asyncio.run(check())


def test_create_when_valid_then_listed_with_role(env: dict[str, str]) -> None:
    code, output = users_command(
        "create", "--username", "Quinn", "--password", "correct-horse-battery", "--role", "viewer"
    )
    listed_code, listed = users_command("list")

    assert code == 0, output
    assert "created user quinn" in output
    assert listed_code == 0
    line = next(line for line in listed.splitlines() if "quinn" in line)
    assert "viewer" in line
    assert "active" in line
    assert "correct-horse-battery" not in output + listed


def test_create_when_password_prompted_then_hidden_and_confirmed(env: dict[str, str]) -> None:
    code, output = users_command(
        "create", "--username", "rita", input="prompted-password\nprompted-password\n"
    )

    assert code == 0, output
    assert "prompted-password" not in output
    assert password_matches(env["PROPDESK_DATABASE_URL"], "rita", "prompted-password")


def test_create_when_username_taken_then_exit_1_with_reason(env: dict[str, str]) -> None:
    users_command("create", "--username", "sam", "--password", "correct-horse-battery")

    code, output = users_command("create", "--username", "SAM", "--password", "another-pass-1")

    assert code == 1
    assert "taken" in output


@pytest.mark.parametrize(
    ("username", "password"), [("ab", "correct-horse-battery"), ("ok-name", "short")]
)
def test_create_when_input_invalid_then_exit_2_and_nothing_created(
    env: dict[str, str], username: str, password: str
) -> None:
    code, _ = users_command("create", "--username", username, "--password", password)
    _, listed = users_command("list")

    assert code == 2
    assert username not in listed.split()


def test_disable_when_user_exists_then_listed_as_disabled(env: dict[str, str]) -> None:
    users_command("create", "--username", "tina", "--password", "correct-horse-battery")

    code, output = users_command("disable", "tina")
    _, listed = users_command("list")

    assert code == 0, output
    assert "disabled" in next(line for line in listed.splitlines() if "tina" in line)


def test_disable_when_user_unknown_then_exit_1(env: dict[str, str]) -> None:
    code, output = users_command("disable", "nobody")

    assert code == 1
    assert "no user" in output


def test_disable_when_last_admin_then_refused(env: dict[str, str]) -> None:
    users_command(
        "create", "--username", "root", "--password", "correct-horse-battery", "--role", "admin"
    )

    code, output = users_command("disable", "root")

    assert code == 1
    assert "last active admin" in output


def test_set_password_when_user_exists_then_new_password_verifies(env: dict[str, str]) -> None:
    users_command("create", "--username", "uma", "--password", "correct-horse-battery")

    code, output = users_command("set-password", "uma", "--password", "a-new-password-1")

    assert code == 0, output
    assert password_matches(env["PROPDESK_DATABASE_URL"], "uma", "a-new-password-1")
    assert not password_matches(env["PROPDESK_DATABASE_URL"], "uma", "correct-horse-battery")


def test_role_option_when_listed_then_matches_the_domain_roles() -> None:
    result = runner.invoke(app, ["users", "create", "--help"])

    assert all(role.value in result.output for role in Role)
