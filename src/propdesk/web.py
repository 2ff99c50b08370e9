"""The dashboard's built assets (`web/`, built by `make`) served at `/`, beside the API.

Files under `assets/` carry a content hash in their name, so they are cached for good;
every other page path falls back to `index.html`, whose script takes it from there. The
route never matches `/api` or `/metrics`, so the API answers its own paths exactly as
before (an unknown one a 404 problem, a wrong method a 405).
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Match, Route
from starlette.types import Scope

DEFAULT_DIRECTORY = Path(__file__).resolve().parents[2] / "web" / "dist"
"""Where `npm run build` writes in a checkout (the package is installed editable)."""
RESERVED_PREFIXES = ("/api/", "/metrics")
PAGE_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        # Vue and the chart set element styles from script; no stylesheet comes from elsewhere.
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "form-action 'self'",
    )
)
IMMUTABLE = "public, max-age=31536000, immutable"


class PageRoute(Route):
    """A route that steps aside for the API's and the metrics' paths."""

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        path: str = scope.get("path", "")
        if path == "/api" or path.startswith(RESERVED_PREFIXES):
            return Match.NONE, {}
        return super().matches(scope)


def install_web(app: FastAPI, directory: Path | None = None) -> None:
    """Serve the built dashboard from `directory`; without a build, `/` says how to make one."""
    root = (directory or DEFAULT_DIRECTORY).resolve()

    async def page(request: Request) -> Response:
        path: str = request.path_params["path"]
        index = root / "index.html"
        if not index.is_file():
            raise HTTPException(404, detail="the dashboard is not built: run `make web`")
        headers = {"Content-Security-Policy": PAGE_POLICY, "Cache-Control": "no-cache"}
        if path:
            candidate = (root / path).resolve()
            if candidate.is_relative_to(root) and candidate.is_file():
                if path.startswith("assets/"):
                    headers["Cache-Control"] = IMMUTABLE
                return FileResponse(candidate, headers=headers)
            if path.startswith("assets/") or "." in path.rsplit("/", 1)[-1]:
                # A missing file (an old hashed asset, a typo): a 404, not the page.
                raise HTTPException(status_code=404)
        return FileResponse(index, headers=headers)

    route = PageRoute("/{path:path}", page, methods=["GET", "HEAD"], include_in_schema=False)
    app.router.routes.append(route)
