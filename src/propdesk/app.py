"""The application factory: one FastAPI app per Settings, its services built in the lifespan."""

from __future__ import annotations

import gc
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from prometheus_client import make_asgi_app

from propdesk import __version__
from propdesk.api.errors import install_error_handlers
from propdesk.api.lean import install_lean_lane
from propdesk.api.middleware import RequestContextMiddleware
from propdesk.api.routers import (
    accounts,
    api_keys,
    auth,
    autotrade,
    datafeed,
    executions,
    journal,
    meta,
    orders,
    positions,
    risk,
    signals,
    system,
    users,
    ws,
)
from propdesk.config import Settings
from propdesk.services import Services
from propdesk.web import install_web

API_PREFIX = "/api/v1"
GC_THRESHOLDS = (10_000, 20, 20)
"""The cyclic collector's generation thresholds while serving (CPython's are 700, 10, 10)."""
SWITCH_INTERVAL = 0.001
"""Seconds a thread may hold the GIL while another waits for it, while serving (CPython's
default is 0.005)."""

DESCRIPTION = """
A self-hosted trading backend for traders under prop-firm rules.

* **Market data**: the instrument catalogue and OHLCV history through the TradingView UDF
  datafeed contract (`/api/v1/datafeed`), fed by a live simulator or a replay of history.
* **Identity**: sign in at `/api/v1/auth/token` (Swagger's *Authorize* takes a username and
  password) and send `Authorization: Bearer <token>`, or send an API key as `X-API-Key`.
  Someone else's account, and everything under it, answers 404.
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
    {"name": "auth", "description": "Sign-up, sign-in, refresh-token rotation, sign-out."},
    {"name": "users", "description": "The signed-in user; user administration (admins)."},
    {"name": "api-keys", "description": "Keys for bots, scoped `read` or `trade`."},
    {"name": "accounts", "description": "Paper accounts and their prop-firm rule sets."},
    {
        "name": "orders",
        "description": "The paper broker's orders (Alpaca's routes and names): market, limit, "
        "stop, stop-limit, trailing stop; brackets and OCO; modify and cancel. A broker "
        "rejection is a 422 problem whose `code` is the reason.",
    },
    {"name": "positions", "description": "Open positions valued at the quotes; close them."},
    {"name": "executions", "description": "Fills, newest first."},
    {
        "name": "journal",
        "description": "Round trips (trades) built from the fills, the trader's notes on them, "
        "and performance analytics over the closed ones: win rate with its Wilson bound, "
        "profit factor, expectancy in money and R, drawdown, Sharpe, Sortino, SQN, equity "
        "curve, P&L calendar.",
    },
    {
        "name": "signals",
        "description": "Market regime (trend up or down, range, volatile, from ADX and ATR) "
        "and the signals of the running strategies; a strategy run on demand.",
    },
    {
        "name": "autotrade",
        "description": "Auto-trading: signals of chosen strategies become bracket orders.",
    },
    {
        "name": "system",
        "description": "The system at a glance: feed, regimes, engine lag, the caller's risk.",
    },
    {"name": "websocket", "description": "`/api/v1/ws`: real-time topics, in AsyncAPI."},
]


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[dict[str, Any]]:
        services = await Services.start(settings)
        # What start-up built (modules, the catalogue, the restored broker, the caches) lives
        # as long as the process: out of the cyclic collector's sight, so that collections
        # stop rescanning it, and young collections rarer (under load the defaults paused
        # the server 40-140 ms at a time, 11% of its time; measured in bench/).
        previous_thresholds = gc.get_threshold()
        gc.freeze()
        gc.set_threshold(*GC_THRESHOLDS)
        # SQLite's writer thread gives up the GIL for each SQLite call and must take it back
        # from the busy event loop, which by default keeps it up to 5 ms: commits (and the
        # orders waiting on them) stalled on that. 1 ms, measured in bench/ (+9% orders/s);
        # with no other thread waiting the interval costs nothing.
        previous_interval = sys.getswitchinterval()
        sys.setswitchinterval(SWITCH_INTERVAL)
        # Requests reach it through their scope's state; `app.state` is for code that has
        # only the app (tests, the WebSocket hub's helpers).
        app.state.services = services
        try:
            yield {"services": services}
        finally:
            sys.setswitchinterval(previous_interval)
            gc.set_threshold(*previous_thresholds)
            gc.unfreeze()
            await services.stop()

    app = FastAPI(
        title="propdesk",
        version=__version__,
        description=DESCRIPTION,
        openapi_tags=TAGS,
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=f"{API_PREFIX}/docs",
        redoc_url=f"{API_PREFIX}/redoc",
        swagger_ui_oauth2_redirect_url=f"{API_PREFIX}/docs/oauth2-redirect",
        lifespan=lifespan,
        # propdesk exports Prometheus metrics and structured logs, not OpenTelemetry; left on,
        # FastAPI asks OpenTelemetry for its providers (an environment lookup) per request.
        telemetry={"tracing": False, "metrics": False, "logs": False, "operation_spans": False},
    )
    install_error_handlers(app)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PATCH", "PUT", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "X-API-Key", "X-Request-ID"],
            expose_headers=["Retry-After", "X-Request-ID", "X-Process-Time", "Location"],
        )
    # Outermost: request id, timing, metrics and security headers on every response (CORS
    # preflights included).
    app.add_middleware(
        RequestContextMiddleware,
        docs_paths=[
            app.docs_url or "",
            app.redoc_url or "",
            app.swagger_ui_oauth2_redirect_url or "",
        ],
        hsts=settings.is_production,
    )

    # Included straight into the app (not through one /api/v1 router): every level of
    # nesting is another match walk per request.
    # The trading routes first: a request is matched against the routers in this order.
    for module in (
        orders, positions, executions, journal, accounts, risk, autotrade, system, datafeed,
        meta, auth, users, api_keys, signals,
    ):  # fmt: skip
        app.include_router(module.router, prefix=API_PREFIX)
    app.include_router(ws.router, prefix=API_PREFIX)
    # Order placement answers its regular requests in a lane of its own, ahead of the
    # routing and dependency solving FastAPI does per request (`propdesk.api.lean`).
    install_lean_lane(app, orders.place_order, orders.place_order_lean)
    app.mount("/metrics", make_asgi_app())
    # Last: the dashboard's catch-all route never shadows an API route.
    install_web(app, settings.web_dir)
    return app
