"""Sign-up, sign-in (OAuth2 password form), refresh-token rotation and sign-out."""

from __future__ import annotations

from typing import Annotated

import structlog
from fastapi import APIRouter, Depends, Request, Response
from fastapi.security import OAuth2PasswordRequestForm

from propdesk.api.deps import (
    HasherDep,
    Now,
    RateLimitByIP,
    RateLimiterDep,
    ServicesDep,
    SessionDep,
    SettingsDep,
    client_ip,
)
from propdesk.api.errors import problem_responses
from propdesk.api.schemas.auth import RefreshRequest, TokenRead
from propdesk.api.schemas.users import UserRead, UserRegister
from propdesk.auth import service as auth_service
from propdesk.auth import users as users_service
from propdesk.auth.ratelimit import Bucket
from propdesk.domain.accounts import Role
from propdesk.errors import PermissionDeniedError

log = structlog.get_logger(__name__)

router = APIRouter(prefix="/auth", tags=["auth"], dependencies=[RateLimitByIP])


async def limit_auth_by_ip(request: Request, limiter: RateLimiterDep) -> None:
    await limiter.hit(Bucket.auth, "ip", client_ip(request))


async def sign_in_form(
    request: Request,
    limiter: RateLimiterDep,
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
) -> OAuth2PasswordRequestForm:
    """The form, once both brute-force buckets (this IP, this username) allow one more try."""
    await limiter.hit(Bucket.auth, "ip", client_ip(request))
    await limiter.hit(Bucket.auth, "username", form.username.lower()[:64])
    return form


def _tokens(pair: auth_service.TokenPair, response: Response) -> TokenRead:
    response.headers["Cache-Control"] = "no-store"  # RFC 6749 §5.1
    return TokenRead(
        access_token=pair.access_token,
        refresh_token=pair.refresh_token,
        expires_in=pair.expires_in,
    )


@router.post(
    "/register",
    response_model=UserRead,
    status_code=201,
    summary="Sign up (a new trader)",
    description="Open when `PROPDESK_ALLOW_SIGNUP` is on (the default in development).",
    dependencies=[Depends(limit_auth_by_ip)],
    responses=problem_responses(403, 409, 422, 429),
)
async def register(
    body: UserRegister, session: SessionDep, hasher: HasherDep, settings: SettingsDep, now: Now
) -> UserRead:
    if not settings.signup_enabled:
        raise PermissionDeniedError(
            "sign-up is closed on this server: ask an admin", code="SIGNUP_DISABLED"
        )
    user = await users_service.create_user(
        session, hasher, username=body.username, password=body.password, role=Role.trader, now=now
    )
    return UserRead.model_validate(user)


@router.post(
    "/token",
    response_model=TokenRead,
    summary="Sign in",
    description="The OAuth2 password flow (a form with `username` and `password`), so that "
    "Swagger's *Authorize* works. Returns a 15-minute access token and a refresh token.",
    responses=problem_responses(401, 422, 429),
)
async def sign_in(
    form: Annotated[OAuth2PasswordRequestForm, Depends(sign_in_form)],
    session: SessionDep,
    hasher: HasherDep,
    settings: SettingsDep,
    now: Now,
    response: Response,
) -> TokenRead:
    user = await auth_service.authenticate_password(session, hasher, form.username, form.password)
    pair = await auth_service.issue_tokens(session, settings, user, now)
    log.info("signed in", user_id=user.id)
    return _tokens(pair, response)


@router.post(
    "/refresh",
    response_model=TokenRead,
    summary="Exchange a refresh token for a new pair",
    description="Each refresh token works once. Presenting a used one again revokes every "
    "token of its sign-in (401), since only a thief or a replay would do that.",
    dependencies=[Depends(limit_auth_by_ip)],
    responses=problem_responses(401, 422, 429),
)
async def refresh(
    body: RefreshRequest,
    session: SessionDep,
    services: ServicesDep,
    now: Now,
    response: Response,
) -> TokenRead:
    try:
        pair = await auth_service.rotate_refresh_token(
            session, services.settings, body.refresh_token, now
        )
    except auth_service.RefreshTokenReusedError:
        await session.commit()  # the family's revocation must outlive this 401
        services.credentials.clear()  # and its access tokens die now, not in a few seconds
        raise
    return _tokens(pair, response)


@router.post(
    "/logout",
    status_code=204,
    summary="Sign out",
    description="Revokes the refresh token's whole sign-in, and the access tokens issued in it.",
    responses=problem_responses(422, 429),
)
async def logout(
    body: RefreshRequest, session: SessionDep, services: ServicesDep, now: Now
) -> None:
    await auth_service.revoke_refresh_token(session, body.refresh_token, now)
    await session.commit()  # committed first: a request in between would cache the old state
    services.credentials.clear()
