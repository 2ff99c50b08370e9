"""Liveness, readiness and versions."""

from __future__ import annotations

import time
from datetime import date

from fastapi import APIRouter, Response

from propdesk import __version__
from propdesk.api.deps import ServicesDep
from propdesk.api.schemas.meta import ApiVersionRead, CheckRead, HealthRead, VersionRead

router = APIRouter(tags=["meta"])

API_VERSIONS = [
    ApiVersionRead(
        version="v1",
        status="current",
        released_at=date(2026, 11, 22),
        docs_url="/api/v1/docs",
    )
]


@router.get(
    "/health",
    response_model=HealthRead,
    summary="Liveness and readiness",
    responses={503: {"model": HealthRead, "description": "A dependency is not ready"}},
)
async def health(services: ServicesDep, response: Response) -> HealthRead:
    checks: dict[str, CheckRead] = {}
    started = time.perf_counter()
    try:
        await services.database.ping()
        checks["database"] = CheckRead(
            status="ok", latency_ms=round((time.perf_counter() - started) * 1000, 3)
        )
    except Exception as exc:  # any failure of the driver means "not ready"
        checks["database"] = CheckRead(status="unavailable", detail=type(exc).__name__)
    feed = services.feed.status
    if feed.source == "none":
        checks["feed"] = CheckRead(status="disabled")
    elif services.feed.healthy:
        checks["feed"] = CheckRead(status="ok", detail=f"{feed.source}, {feed.ticks} ticks")
    else:
        checks["feed"] = CheckRead(status="unavailable", detail=f"{feed.source} is not running")
    checks["bus"] = CheckRead(status="ok", detail="memory")
    ready = all(c.status != "unavailable" for c in checks.values())
    if not ready:
        response.status_code = 503
    return HealthRead(status="ok" if ready else "unavailable", version=__version__, checks=checks)


@router.get("/version", response_model=VersionRead, summary="Server and API version")
async def version() -> VersionRead:
    return VersionRead(version=__version__, api_version="v1")


@router.get("/versions", response_model=list[ApiVersionRead], summary="Catalogue of API versions")
async def versions() -> list[ApiVersionRead]:
    return API_VERSIONS
