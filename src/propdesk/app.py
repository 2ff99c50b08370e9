"""The application factory: one FastAPI app per Settings, its services built in the lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI
from prometheus_client import make_asgi_app

from propdesk import __version__
from propdesk.api.errors import install_error_handlers
from propdesk.api.middleware import RequestContextMiddleware
from propdesk.api.routers import meta
from propdesk.config import Settings
from propdesk.services import Services

API_PREFIX = "/api/v1"

DESCRIPTION = """
A self-hosted trading backend for traders under prop-firm rules.

* **Market data**: the instrument catalogue and OHLCV history through the TradingView UDF
  datafeed contract (`/api/v1/datafeed`), fed by a live simulator or a replay of history.
* **Errors** are RFC 9457 problem details (`application/problem+json`).
* **Time** is UTC: ISO 8601 with `Z` in REST, UNIX seconds in UDF and bar streams.
"""

TAGS = [
    {"name": "meta", "description": "Health, readiness and versions."},
    {
        "name": "datafeed",
        "description": "The TradingView UDF datafeed contract. Errors use the UDF shape "
        '`{"s": "error", "errmsg": …}` because that is what UDF clients read.',
    },
]


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[dict[str, Any]]:
        services = await Services.start(settings)
        try:
            yield {"services": services}
        finally:
            await services.stop()

    app = FastAPI(
        title="propdesk",
        version=__version__,
        description=DESCRIPTION,
        openapi_tags=TAGS,
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=f"{API_PREFIX}/docs",
        redoc_url=f"{API_PREFIX}/redoc",
        lifespan=lifespan,
    )
    install_error_handlers(app)
    app.add_middleware(RequestContextMiddleware)

    api = APIRouter(prefix=API_PREFIX)
    api.include_router(meta.router)
    app.include_router(api)
    app.mount("/metrics", make_asgi_app())
    return app
