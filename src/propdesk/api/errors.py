"""RFC 9457 problem details for every error the REST API returns."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from propdesk.bus.base import BusTimeoutError, NoHandlerError, UnavailableError
from propdesk.errors import (
    ConflictError,
    NotAuthenticatedError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    RejectedError,
    ServiceError,
    ServiceUnavailableError,
)

PROBLEM_JSON = "application/problem+json"
PROBLEM_BASE = "https://propdesk.dev/problems/"
RETRY_UNAVAILABLE = 1
"""Seconds a client should wait before retrying a request the engine did not answer."""

log = structlog.get_logger(__name__)


class FieldError(BaseModel):
    loc: list[str | int] = Field(
        description="Where the bad value is: `body`, `query`, … then the field path."
    )
    msg: str
    type: str


class Problem(BaseModel):
    """An RFC 9457 problem; `code` names a business rejection, `errors` the bad fields."""

    model_config = ConfigDict(extra="allow")

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    code: str | None = None
    errors: list[FieldError] | None = None


class ProblemError(Exception):
    """An error that knows its HTTP status; raised by dependencies and routes."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        code: str | None = None,
        title: str | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.code = code
        self.title = title or HTTPStatus(status).phrase
        self.headers = headers
        self.extra = extra


def problem_type(status: int, code: str | None) -> str:
    phrase = HTTPStatus(status).phrase
    return PROBLEM_BASE + (code or phrase.lower().replace(" ", "-")).lower().replace("_", "-")


def problem_response(
    status: int,
    detail: str | None,
    *,
    request: Request | None = None,
    title: str | None = None,
    code: str | None = None,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    phrase = HTTPStatus(status).phrase
    body: dict[str, Any] = {
        "type": problem_type(status, code),
        "title": title or phrase,
        "status": status,
        "detail": detail,
    }
    if request is not None:
        body["instance"] = request.url.path
    if code:
        body["code"] = code
    if errors is not None:
        body["errors"] = errors
    body.update(extra)
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_JSON)


def _field_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    return [
        {
            "loc": [str(p) if not isinstance(p, int) else p for p in e["loc"]],
            "msg": e["msg"],
            "type": e["type"],
        }
        for e in exc.errors()
    ]


async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = _field_errors(exc)
    names = ", ".join(".".join(str(p) for p in e["loc"]) for e in errors)
    return problem_response(
        422, f"invalid request: {names}", request=request, code="VALIDATION_ERROR", errors=errors
    )


async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    detail = exc.detail if isinstance(exc.detail, str) else None
    if exc.status_code == 404 and detail == "Not Found":
        detail = f"no route matches {request.method} {request.url.path}"
    elif exc.status_code == 405:
        detail = f"{request.method} is not allowed on {request.url.path}"
    return problem_response(
        exc.status_code, detail, request=request, headers=getattr(exc, "headers", None)
    )


async def _problem(request: Request, exc: ProblemError) -> JSONResponse:
    return problem_response(
        exc.status,
        exc.detail,
        request=request,
        title=exc.title,
        code=exc.code,
        headers=exc.headers,
        **exc.extra,
    )


SERVICE_ERROR_STATUS: dict[type[ServiceError], int] = {
    NotAuthenticatedError: 401,
    PermissionDeniedError: 403,
    NotFoundError: 404,
    ConflictError: 409,
    RejectedError: 422,
    RateLimitedError: 429,
    ServiceUnavailableError: 503,
}


def service_error_status(exc: ServiceError) -> int:
    return next((code for kind, code in SERVICE_ERROR_STATUS.items() if isinstance(exc, kind)), 400)


def problem_of(exc: ServiceError) -> Problem:
    """The problem body of a service error, for answers that hold several (207)."""
    status = service_error_status(exc)
    return Problem.model_validate(
        {
            "type": problem_type(status, exc.code),
            "title": HTTPStatus(status).phrase,
            "status": status,
            "detail": exc.message,
            "code": exc.code,
            **exc.extensions,
        }
    )


async def _service(request: Request, exc: ServiceError) -> JSONResponse:
    status = service_error_status(exc)
    headers: dict[str, str] = {}
    if isinstance(exc, NotAuthenticatedError):
        headers["WWW-Authenticate"] = 'Bearer realm="propdesk"'
    if isinstance(exc, RateLimitedError | ServiceUnavailableError):
        headers["Retry-After"] = str(exc.retry_after)
    return problem_response(
        status,
        exc.message,
        request=request,
        code=exc.code,
        headers=headers or None,
        **exc.extensions,
    )


async def _unavailable(request: Request, exc: Exception) -> JSONResponse:
    """The bus found no engine, or no answer in time: a dependency is down, never a 500.

    Services translate these into ServiceUnavailableError; this catches any that escape.
    """
    log.warning("engine unavailable", path=request.url.path, error=str(exc))
    return problem_response(
        503,
        "the trading engine did not answer; retry (with the same client_order_id)",
        request=request,
        code="ENGINE_UNAVAILABLE",
        headers={"Retry-After": str(RETRY_UNAVAILABLE)},
    )


async def _unhandled(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error", path=request.url.path, exc_info=exc)
    return problem_response(500, "an internal error occurred; it has been logged", request=request)


HANDLERS: dict[type[Exception], Any] = {
    RequestValidationError: _validation,
    StarletteHTTPException: _http,
    ProblemError: _problem,
    ServiceError: _service,
    BusTimeoutError: _unavailable,
    NoHandlerError: _unavailable,
    UnavailableError: _unavailable,
    Exception: _unhandled,
}


def install_error_handlers(app: FastAPI) -> None:
    for exception, handler in HANDLERS.items():
        app.add_exception_handler(exception, handler)


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """Declare error responses on a route so that OpenAPI shows their problem shape."""
    return {
        status: {
            "model": Problem,
            "description": HTTPStatus(status).phrase,
            "content": {PROBLEM_JSON: {}},
        }
        for status in statuses
    }
