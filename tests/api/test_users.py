"""The caller's own user, user administration, and the first admin at start-up."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import httpx
import pytest

from propdesk.auth.passwords import PasswordHasher
from propdesk.auth.users import ensure_first_admin
from propdesk.config import Settings
from propdesk.domain.accounts import Role
from propdesk.store.db import Database
from propdesk.store.repositories import users as user_rows

if TYPE_CHECKING:
    from conftest import MakeUser

USERS = "/api/v1/users"


async def test_me_when_signed_in_then_own_user_without_secrets(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    user = await make_user("frank", role=Role.viewer)

    response = await client.get(f"{USERS}/me", headers=user.headers)

    assert response.status_code == 200
    assert response.json()["id"] == user.id
    assert response.json()["role"] == "viewer"
    assert set(response.json()) == {
        "id",
        "username",
        "role",
        "is_active",
        "created_at",
        "updated_at",
    }


async def test_create_when_admin_then_201_with_role(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    admin = await make_user(role=Role.admin)

    response = await client.post(
        USERS,
        json={"username": "grace", "password": "correct-horse-battery", "role": "viewer"},
        headers=admin.headers,
    )

    assert response.status_code == 201
    assert response.json()["username"] == "grace"
    assert response.json()["role"] == "viewer"


@pytest.mark.parametrize("role", [Role.trader, Role.viewer])
async def test_create_when_not_admin_then_403(
    client: httpx.AsyncClient, make_user: MakeUser, role: Role
) -> None:
    caller = await make_user(role=role)

    response = await client.post(
        USERS,
        json={"username": "heidi", "password": "correct-horse-battery"},
        headers=caller.headers,
    )

    assert response.status_code == 403
    assert response.json()["code"] == "ROLE_TOO_LOW"


async def test_list_when_admin_then_every_user_and_when_trader_then_403(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    admin = await make_user(role=Role.admin)
    trader = await make_user()

    listed = await client.get(USERS, headers=admin.headers)
    refused = await client.get(USERS, headers=trader.headers)

    assert listed.status_code == 200
    assert {u["username"] for u in listed.json()} >= {"admin", admin.username, trader.username}
    assert refused.status_code == 403


async def test_get_when_unknown_id_then_404(client: httpx.AsyncClient, make_user: MakeUser) -> None:
    admin = await make_user(role=Role.admin)

    response = await client.get(f"{USERS}/999999", headers=admin.headers)

    assert response.status_code == 404


async def test_update_when_role_changed_then_takes_effect_on_the_next_request(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    admin = await make_user(role=Role.admin)
    user = await make_user()

    response = await client.patch(
        f"{USERS}/{user.id}", json={"role": "viewer"}, headers=admin.headers
    )
    opened = await client.post(
        "/api/v1/accounts",
        json={"name": "a", "rule_set": {"name": "topstep-50k"}},
        headers=user.headers,
    )

    assert response.status_code == 200
    assert response.json()["role"] == "viewer"
    assert opened.status_code == 403


async def test_update_when_deactivated_then_tokens_and_keys_stop_working(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    admin = await make_user(role=Role.admin)
    user = await make_user()
    key = (
        await client.post(
            "/api/v1/api-keys", json={"name": "bot", "scopes": ["trade"]}, headers=user.headers
        )
    ).json()["key"]

    response = await client.patch(
        f"{USERS}/{user.id}", json={"is_active": False}, headers=admin.headers
    )
    by_token = await client.get(f"{USERS}/me", headers=user.headers)
    by_key = await client.get(f"{USERS}/me", headers={"X-API-Key": key})
    refreshed = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": user.refresh_token}
    )
    reactivated = await client.patch(
        f"{USERS}/{user.id}", json={"is_active": True}, headers=admin.headers
    )
    key_after = await client.get(f"{USERS}/me", headers={"X-API-Key": key})

    assert response.status_code == 200
    assert response.json()["is_active"] is False
    assert by_token.status_code == 401
    assert by_key.status_code == 401
    assert refreshed.status_code == 401
    assert reactivated.status_code == 200
    assert key_after.status_code == 401  # a key never outlives its user's deactivation


async def test_update_when_password_set_then_new_one_works_and_sign_ins_revoked(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    admin = await make_user(role=Role.admin)
    user = await make_user("ivan")

    response = await client.patch(
        f"{USERS}/{user.id}", json={"password": "a-brand-new-password"}, headers=admin.headers
    )
    old = await client.post(
        "/api/v1/auth/token", data={"username": "ivan", "password": user.password}
    )
    new = await client.post(
        "/api/v1/auth/token", data={"username": "ivan", "password": "a-brand-new-password"}
    )
    refreshed = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": user.refresh_token}
    )

    assert response.status_code == 200
    assert old.status_code == 401
    assert new.status_code == 200
    assert refreshed.status_code == 401


async def test_update_when_last_admin_demoted_then_409(
    client: httpx.AsyncClient, make_user: MakeUser, settings: Settings
) -> None:
    assert settings.admin_password is not None
    token = (
        await client.post(
            "/api/v1/auth/token",
            data={"username": "admin", "password": settings.admin_password.get_secret_value()},
        )
    ).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    me = (await client.get(f"{USERS}/me", headers=headers)).json()

    demoted = await client.patch(f"{USERS}/{me['id']}", json={"role": "trader"}, headers=headers)
    disabled = await client.patch(f"{USERS}/{me['id']}", json={"is_active": False}, headers=headers)

    assert demoted.status_code == 409
    assert demoted.json()["code"] == "LAST_ADMIN"
    assert disabled.status_code == 409


async def test_update_when_body_has_unknown_field_then_422(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    admin = await make_user(role=Role.admin)

    response = await client.patch(
        f"{USERS}/{admin.id}", json={"username": "renamed"}, headers=admin.headers
    )

    assert response.status_code == 422


# --- the first admin ---------------------------------------------------------------------


async def test_first_admin_when_no_password_configured_then_generated_and_logged_once(
    make_settings: Callable[..., Settings],
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    settings = make_settings(admin_password=None)
    database = Database(settings.database_url)
    hasher = PasswordHasher.from_settings(settings)
    await database.migrate()
    caplog.set_level("INFO")
    try:
        first = await ensure_first_admin(database, settings, hasher)
        second = await ensure_first_admin(database, settings, hasher)
        async with database.session() as session:
            admin = await user_rows.get_by_username(session, "admin")
    finally:
        await database.dispose()
    logged = capsys.readouterr().out + caplog.text

    assert first is not None
    assert second is None
    assert admin is not None
    assert admin.role is Role.admin
    assert (await hasher.verify(first, admin.password_hash))[0]
    assert logged.count(first) == 1
    assert "ONE-TIME ADMIN PASSWORD" in logged


async def test_first_admin_when_password_configured_then_created_and_never_logged(
    make_settings: Callable[..., Settings],
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    settings = make_settings(admin_username="Root", admin_password="configured-admin-pw")
    database = Database(settings.database_url)
    hasher = PasswordHasher.from_settings(settings)
    await database.migrate()
    caplog.set_level("DEBUG")
    try:
        generated = await ensure_first_admin(database, settings, hasher)
        async with database.session() as session:
            admin = await user_rows.get_by_username(session, "root")
    finally:
        await database.dispose()
    logged = capsys.readouterr().out + caplog.text

    assert generated is None
    assert admin is not None
    assert (await hasher.verify("configured-admin-pw", admin.password_hash))[0]
    assert "configured-admin-pw" not in logged
