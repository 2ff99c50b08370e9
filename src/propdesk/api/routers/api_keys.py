"""API keys for bots: create (secret shown once), list, revoke."""

from __future__ import annotations

from fastapi import APIRouter, Response

from propdesk.api.deps import (
    CurrentUser,
    Now,
    RateLimitByIP,
    ServicesDep,
    SessionDep,
)
from propdesk.api.errors import problem_responses
from propdesk.api.schemas.api_keys import ApiKeyCreate, ApiKeyCreatedRead, ApiKeyRead
from propdesk.auth import service as auth_service

router = APIRouter(prefix="/api-keys", tags=["api-keys"], dependencies=[RateLimitByIP])


@router.post(
    "",
    response_model=ApiKeyCreatedRead,
    status_code=201,
    summary="Create an API key",
    description="The response holds the full key, once: store it. Sign in with a password "
    "to manage keys (a key cannot create keys); a viewer can only create `read` keys.",
    responses=problem_responses(401, 403, 422, 429),
)
async def create_api_key(
    body: ApiKeyCreate, principal: CurrentUser, session: SessionDep, now: Now, response: Response
) -> ApiKeyCreatedRead:
    created = await auth_service.create_api_key(session, principal, body.name, body.scopes, now)
    response.headers["Cache-Control"] = "no-store"
    read = ApiKeyRead.model_validate(created.row)
    return ApiKeyCreatedRead(**read.model_dump(), key=created.key)


@router.get(
    "",
    response_model=list[ApiKeyRead],
    summary="The caller's active API keys (never their secrets)",
    responses=problem_responses(401, 429),
)
async def list_api_keys(principal: CurrentUser, session: SessionDep) -> list[ApiKeyRead]:
    keys = await auth_service.list_api_keys(session, principal)
    return [ApiKeyRead.model_validate(key) for key in keys]


@router.delete(
    "/{key_id}",
    status_code=204,
    summary="Revoke an API key",
    responses=problem_responses(401, 403, 404, 422, 429),
)
async def revoke_api_key(
    key_id: int, principal: CurrentUser, session: SessionDep, services: ServicesDep, now: Now
) -> None:
    await auth_service.revoke_api_key(session, principal, key_id, now)
    await session.commit()  # committed first: a request in between would cache the old state
    services.credentials.clear()
