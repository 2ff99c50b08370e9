"""Who may reach what: someone else's account is a 404 on every route under it (the routes
are read from the app's route table, so that a future route cannot be forgotten), viewers and
read-only keys never write, admins reach everything."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import httpx
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts

from propdesk.api.deps import get_owned_account_ref
from propdesk.domain.accounts import Role

if TYPE_CHECKING:
    from conftest import MakeUser, TestUser

ACCOUNT_PREFIX = "/api/v1/accounts/{account_id}"
NESTED_NOT_FOUND = {"ORDER_NOT_FOUND", "POSITION_NOT_FOUND", "TRADE_NOT_FOUND"}
"""404 codes of things under an account, as opposed to the account itself."""
PARAM = re.compile(r"\{([^}:]+)(?::[^}]*)?\}")


def account_routes(app: FastAPI) -> list[tuple[str, str, Dependant]]:
    """(method, path template, dependant) of every route under one account.

    Since FastAPI 0.140 `app.routes` holds included routers unflattened, so a plain loop over
    it sees none of these routes; `iter_route_contexts` is what FastAPI's own OpenAPI
    generation walks. The test below pins it against the OpenAPI paths, so that the next
    change of route plumbing fails loudly instead of leaving this enumeration empty.
    """
    return sorted(
        (
            (method, context.path, context.dependant)
            for context in iter_route_contexts(app.routes)
            if isinstance(context.original_route, APIRoute)
            and (context.path == ACCOUNT_PREFIX or context.path.startswith(ACCOUNT_PREFIX + "/"))
            for method in context.methods
            if method != "HEAD"
        ),
        key=lambda item: (item[1], item[0]),
    )


def fill(path: str, account_id: str) -> str:
    """The account's id for `{account_id}`; any other parameter gets a plausible value (the
    ownership check must answer before it is even looked at)."""
    return PARAM.sub(lambda m: account_id if m.group(1) == "account_id" else "1", path)


def depends_on(dependant: Dependant, call: object) -> bool:
    return any(d.call is call or depends_on(d, call) for d in dependant.dependencies)


async def open_account(client: httpx.AsyncClient, user: TestUser, name: str = "mine") -> str:
    response = await client.post(
        "/api/v1/accounts",
        json={"name": name, "rule_set": {"name": "topstep-50k"}},
        headers=user.headers,
    )
    assert response.status_code == 201
    account_id: str = response.json()["id"]
    return account_id


async def call(
    client: httpx.AsyncClient, method: str, path: str, headers: dict[str, str]
) -> httpx.Response:
    body: Any = {} if method in {"POST", "PUT", "PATCH"} else None
    return await client.request(method, path, json=body, headers=headers)


def test_account_routes_when_listed_then_match_the_openapi_paths(fastapi_app: FastAPI) -> None:
    documented = {
        (method.upper(), path)
        for path, operations in fastapi_app.openapi()["paths"].items()
        if path == ACCOUNT_PREFIX or path.startswith(ACCOUNT_PREFIX + "/")
        for method in operations
    }

    enumerated = {(method, path) for method, path, _ in account_routes(fastapi_app)}

    assert len(enumerated) >= 4  # GET, PATCH, POST reset, GET periods at least
    assert enumerated == documented


def test_account_routes_when_listed_then_each_checks_ownership(fastapi_app: FastAPI) -> None:
    routes = account_routes(fastapi_app)

    unchecked = [
        f"{method} {path}"
        for method, path, dependant in routes
        if not depends_on(dependant, get_owned_account_ref)
    ]

    assert routes
    assert unchecked == []


async def test_every_account_route_when_called_by_another_user_then_404(
    client: httpx.AsyncClient, make_user: MakeUser, fastapi_app: FastAPI
) -> None:
    owner = await make_user()
    stranger = await make_user()
    stranger_key = (
        await client.post(
            "/api/v1/api-keys", json={"name": "bot", "scopes": ["trade"]}, headers=stranger.headers
        )
    ).json()["key"]
    viewer = await make_user(role=Role.viewer)
    account_id = await open_account(client, owner)
    callers = {
        "stranger": stranger.headers,
        "stranger's key": {"X-API-Key": stranger_key},
        "viewer": viewer.headers,
    }

    answers = {
        (who, method, path): (await call(client, method, fill(path, account_id), headers))
        for method, path, _ in account_routes(fastapi_app)
        for who, headers in callers.items()
    }

    leaked = {k: r.status_code for k, r in answers.items() if r.status_code != 404}
    assert leaked == {}
    unknown = await client.get(f"/api/v1/accounts/{account_id[:-1]}0", headers=stranger.headers)
    assert {r.json()["detail"].split()[0] for r in answers.values()} == {"no"}
    assert unknown.status_code == 404


ADMIN_ONLY = {("POST", "/api/v1/accounts/{account_id}/risk/unlock")}


async def test_every_account_route_when_called_by_owner_or_admin_then_reached(
    client: httpx.AsyncClient, make_user: MakeUser, fastapi_app: FastAPI
) -> None:
    owner = await make_user()
    admin = await make_user(role=Role.admin)
    account_id = await open_account(client, owner)

    answers = {
        (who.username, method, path): await call(
            client, method, fill(path, account_id), who.headers
        )
        for method, path, _ in account_routes(fastapi_app)
        for who in (owner, admin)
    }

    # Reached: past the ownership check. The plausible order id or symbol may then be
    # missing under the account, a 404 that names what is missing.
    refused = {
        k: r.status_code
        for k, r in answers.items()
        if r.status_code in (401, 403)
        or (r.status_code == 404 and r.json()["code"] not in NESTED_NOT_FOUND)
    }
    # An admin's decision, refused to the owner after the ownership check.
    assert refused == {(owner.username, method, path): 403 for method, path in ADMIN_ONLY}


async def test_write_when_viewer_then_403(client: httpx.AsyncClient, make_user: MakeUser) -> None:
    viewer = await make_user(role=Role.viewer)

    response = await client.post(
        "/api/v1/accounts",
        json={"name": "nope", "rule_set": {"name": "topstep-50k"}},
        headers=viewer.headers,
    )

    assert response.status_code == 403
    assert response.json()["code"] == "READ_ONLY"


async def test_own_account_when_owner_demoted_to_viewer_then_reads_but_never_writes(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    owner = await make_user()
    admin = await make_user(role=Role.admin)
    account_id = await open_account(client, owner)
    await client.patch(f"/api/v1/users/{owner.id}", json={"role": "viewer"}, headers=admin.headers)

    read = await client.get(f"/api/v1/accounts/{account_id}", headers=owner.headers)
    reset = await client.post(f"/api/v1/accounts/{account_id}/reset", headers=owner.headers)
    rename = await client.patch(
        f"/api/v1/accounts/{account_id}", json={"name": "x"}, headers=owner.headers
    )

    assert read.status_code == 200
    assert reset.status_code == 403
    assert rename.status_code == 403


async def test_own_account_when_read_only_key_writes_then_403_and_reads_200(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    owner = await make_user()
    account_id = await open_account(client, owner)
    key = (
        await client.post(
            "/api/v1/api-keys", json={"name": "ro", "scopes": ["read"]}, headers=owner.headers
        )
    ).json()["key"]
    headers = {"X-API-Key": key}

    read = await client.get(f"/api/v1/accounts/{account_id}", headers=headers)
    periods = await client.get(f"/api/v1/accounts/{account_id}/periods", headers=headers)
    reset = await client.post(f"/api/v1/accounts/{account_id}/reset", headers=headers)
    rename = await client.patch(
        f"/api/v1/accounts/{account_id}", json={"name": "x"}, headers=headers
    )

    assert read.status_code == 200
    assert periods.status_code == 200
    assert reset.status_code == 403
    assert rename.status_code == 403
    assert (await client.get(f"/api/v1/accounts/{account_id}", headers=headers)).json()[
        "name"
    ] == "mine"


async def test_admin_when_resetting_someone_elses_account_then_allowed(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    owner = await make_user()
    admin = await make_user(role=Role.admin)
    account_id = await open_account(client, owner)

    response = await client.post(f"/api/v1/accounts/{account_id}/reset", headers=admin.headers)

    assert response.status_code == 200
    assert response.json()["owner_id"] == owner.id
