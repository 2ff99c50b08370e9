"""Errors that services raise, by kind; api/errors.py maps each kind to its HTTP status."""

from __future__ import annotations

from typing import Any


class ServiceError(Exception):
    """A refusal a caller can act on; `code` names it for machines, the message for people.

    `extensions` are more members for the problem body (the id of a rejected order…).
    """

    code = "SERVICE_ERROR"

    def __init__(self, message: str, *, code: str | None = None, **extensions: Any) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.extensions: dict[str, Any] = extensions


class NotAuthenticatedError(ServiceError):
    """Missing, malformed, expired or revoked credentials."""

    code = "NOT_AUTHENTICATED"


class PermissionDeniedError(ServiceError):
    """The caller is known but its role or its key's scope is too low."""

    code = "PERMISSION_DENIED"


class NotFoundError(ServiceError):
    """No such thing, or (deliberately the same answer) it belongs to someone else."""

    code = "NOT_FOUND"


class ConflictError(ServiceError):
    """The request collides with what is stored (a taken name, the last admin…)."""

    code = "CONFLICT"


class RateLimitedError(ServiceError):
    code = "RATE_LIMITED"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class RejectedError(ServiceError):
    """A business rule refused the request (the broker's reject reason is the `code`)."""

    code = "REJECTED"


class ServiceUnavailableError(ServiceError):
    """A dependency (the trading engine) did not answer; the request may be retried."""

    code = "SERVICE_UNAVAILABLE"

    def __init__(self, message: str, *, retry_after: int, code: str | None = None) -> None:
        super().__init__(message, code=code)
        self.retry_after = retry_after
