"""The caller's own user, and user administration (admins)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from propdesk.api.deps import (
    CurrentAdmin,
    CurrentAdminWriter,
    CurrentUser,
    HasherDep,
    Now,
    RateLimitByIP,
    ServicesDep,
    SessionDep,
)
from propdesk.api.errors import problem_responses
from propdesk.api.schemas.users import UserCreate, UserRead, UserUpdate
from propdesk.auth import users as users_service

router = APIRouter(prefix="/users", tags=["users"], dependencies=[RateLimitByIP])


@router.get(
    "/me",
    response_model=UserRead,
    summary="The signed-in user",
    responses=problem_responses(401, 429),
)
async def me(principal: CurrentUser) -> UserRead:
    return UserRead.model_validate(principal.user)


@router.post(
    "",
    response_model=UserRead,
    status_code=201,
    summary="Create a user (admin)",
    responses=problem_responses(401, 403, 409, 422, 429),
)
async def create_user(
    body: UserCreate, _: CurrentAdminWriter, session: SessionDep, hasher: HasherDep, now: Now
) -> UserRead:
    user = await users_service.create_user(
        session, hasher, username=body.username, password=body.password, role=body.role, now=now
    )
    return UserRead.model_validate(user)


@router.get(
    "",
    response_model=list[UserRead],
    summary="List users (admin)",
    responses=problem_responses(401, 403, 422, 429),
)
async def list_users(
    _: CurrentAdmin,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[UserRead]:
    users = await users_service.list_users(session, limit=limit, offset=offset)
    return [UserRead.model_validate(user) for user in users]


@router.get(
    "/{user_id}",
    response_model=UserRead,
    summary="One user (admin)",
    responses=problem_responses(401, 403, 404, 422, 429),
)
async def get_user(user_id: int, _: CurrentAdmin, session: SessionDep) -> UserRead:
    return UserRead.model_validate(await users_service.get_user(session, user_id))


@router.patch(
    "/{user_id}",
    response_model=UserRead,
    summary="Change a user's role, active flag or password (admin)",
    responses=problem_responses(401, 403, 404, 409, 422, 429),
)
async def update_user(
    user_id: int,
    body: UserUpdate,
    _: CurrentAdminWriter,
    session: SessionDep,
    services: ServicesDep,
    hasher: HasherDep,
    now: Now,
) -> UserRead:
    user = await users_service.get_user(session, user_id)
    user = await users_service.update_user(
        session,
        hasher,
        user,
        now=now,
        role=body.role,
        is_active=body.is_active,
        password=body.password,
    )
    await session.commit()  # committed first: a request in between would cache the old state
    services.credentials.clear()
    return UserRead.model_validate(user)
