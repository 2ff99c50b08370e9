"""Lean routes: the hottest route answers its regular requests without FastAPI's per-request
dependency solving, and leaves everything else to FastAPI.

FastAPI walks a route's whole dependency graph on every request (building sub-requests,
cache keys and scopes for each `Depends`); on order placement that walk cost more than the
engine, the commit and the rest of the handler together. A lean route keeps the declared
FastAPI route (its OpenAPI operation, its validation and its error answers) and adds a
handler that calls the *same* dependency functions in the same order by hand:

- the handler returns None, before it has done anything, for any request that is not
  regular (a body that does not parse or validate, a malformed path parameter, another
  content type): FastAPI's own handler then answers it, exactly as it would have;
- when the app has dependency overrides (tests), FastAPI's handler answers everything.

So the lean path can only change how fast a regular request is answered, never what any
request is answered; the tests hold the two paths to the same bytes.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute

from propdesk.api.exact_json import ExactJSONRequest

LeanHandler = Callable[[ExactJSONRequest], Awaitable[Response | None]]


def lean_route(handler: LeanHandler) -> type[APIRoute]:
    """A route class whose requests try `handler` first (bodies parsed exactly, as in
    ExactJSONRoute); use it with `router.add_api_route(..., route_class_override=...)`."""

    class LeanRoute(APIRoute):
        lean_handler = staticmethod(handler)

        def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
            stock = super().get_route_handler()

            async def handle(request: Request) -> Response:
                exact = ExactJSONRequest(request.scope, request.receive)
                if not request.app.dependency_overrides:
                    response = await handler(exact)
                    if response is not None:
                        return response
                # The body read above is cached on `exact`: FastAPI's handler reads it again.
                return await stock(exact)

            return handle

    return LeanRoute


def is_json(request: Request) -> bool:
    """`application/json`, with or without parameters: the one content type the lean path
    reads (FastAPI's handler judges every other)."""
    content_type = request.headers.get("content-type", "")
    return content_type.partition(";")[0].strip().lower() == "application/json"
