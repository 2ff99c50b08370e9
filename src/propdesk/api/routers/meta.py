"""Liveness, readiness and versions."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Response

from propdesk import __version__
from propdesk.api.deps import ServicesDep
from propdesk.api.schemas.meta import ApiVersionRead, CheckRead, HealthRead, VersionRead
from propdesk.health import readiness
from propdesk.services import Services

router = APIRouter(tags=["meta"])

API_VERSIONS = [
    ApiVersionRead(
        version="v1",
        status="current",
        released_at=date(2026, 11, 22),
        docs_url="/api/v1/docs",
    )
]


_NOT_READY: dict[int | str, dict[str, Any]] = {
    503: {
        "model": HealthRead,
        "description": "`starting` or `degraded`: the checks say which component is not ready",
    }
}


@router.get(
    "/health",
    response_model=HealthRead,
    summary="Readiness, with every check",
    description="The same answer as `/health/ready`, kept at the path that predates it.",
    responses=_NOT_READY,
)
async def health(services: ServicesDep, response: Response) -> HealthRead:
    return await _readiness(services, response)


@router.get(
    "/health/live",
    response_model=HealthRead,
    summary="Liveness",
    description="200 whenever the process serves requests; no dependency is checked, so that "
    "a process still waiting for one (a backfill, a database) is not restarted for it.",
)
async def live() -> HealthRead:
    return HealthRead(status="ok", version=__version__, checks={})


@router.get(
    "/health/ready",
    response_model=HealthRead,
    summary="Readiness",
    description="200 once the store answers, the engine runs and the feed is ready (its "
    "backfill done and a first tick from every market open); 503 before and whenever one "
    "fails, naming it.",
    responses=_NOT_READY,
)
async def ready(services: ServicesDep, response: Response) -> HealthRead:
    return await _readiness(services, response)


async def _readiness(services: Services, response: Response) -> HealthRead:
    report = await readiness(services)
    if report.status != "ok":
        response.status_code = 503
    checks = {
        name: CheckRead(status=c.status, detail=c.detail, latency_ms=c.latency_ms)
        for name, c in report.checks.items()
    }
    return HealthRead(status=report.status, version=__version__, checks=checks)


@router.get("/version", response_model=VersionRead, summary="Server and API version")
async def version() -> VersionRead:
    return VersionRead(version=__version__, api_version="v1")


@router.get("/versions", response_model=list[ApiVersionRead], summary="Catalogue of API versions")
async def versions() -> list[ApiVersionRead]:
    return API_VERSIONS
