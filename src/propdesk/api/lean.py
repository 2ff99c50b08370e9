"""Lean lanes: the hottest route answers its regular requests without FastAPI's per-request
routing and dependency solving, and leaves everything else to FastAPI.

On order placement FastAPI's per-request machinery cost more than the engine and the commit
together: walking the included routers to find the route, wrapping the route's handler, and
walking the route's whole dependency graph (building sub-requests, cache keys and scopes for
each `Depends`). A lean lane is one more route, first in the app's route table, that matches
one method and one path of a declared FastAPI route and calls a lean handler: a function that
calls the *same* dependency functions in the same order, from a list of `LeanDependency`
declared once beside it (`solve` walks it), which a test holds to the declared route's
dependency tree as FastAPI solves it. The declared route stays what it is: its OpenAPI
operation, its validation and its error answers.

- The lean handler returns None, before it has done anything, for any request that is not
  regular (a body that does not parse or validate, a malformed path parameter, another
  content type): the lane then hands the request, its body replayed, to the app's router,
  whose FastAPI route answers it exactly as it would have.
- The lane stands aside (the route table goes on to the FastAPI route) when the app has
  dependency overrides (tests), and when the app is mounted under a root path.
- It sits where every route sits, inside the app's middleware and exception handling: an
  exception from the lean handler (401, 404, 429, a broker rejection) is answered by the same
  exception handlers as one from FastAPI's route.

So a lane can only change how fast a regular request is answered, never what any request is
answered; the tests hold the two paths to the same status, headers and bytes.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, NamedTuple

from fastapi import FastAPI, Request, Response
from fastapi.routing import APIRoute, iter_route_contexts
from starlette.routing import BaseRoute, Match, NoMatchFound, compile_path
from starlette.types import Message, Receive, Scope, Send

from propdesk.api.exact_json import ExactJSONRequest

LeanHandler = Callable[[ExactJSONRequest], Awaitable[Response | None]]

# Set on a request the lean handler declined, so that the lane stands aside the second time.
_DECLINED = "propdesk.lean.declined"


class LeanLane(BaseRoute):
    """`handler` for the regular requests of the FastAPI route whose endpoint is `endpoint`
    (one method, one path, as `api`'s route table has it). Install it with
    `install_lean_lane`."""

    def __init__(self, api: FastAPI, endpoint: Callable[..., Any], handler: LeanHandler) -> None:
        self.api = api
        self.handler = handler
        self.route, self.path, self.method = _declared_route(api, endpoint)
        self.path_regex, self.path_format, self.param_convertors = compile_path(self.path)

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if (
            scope["type"] != "http"
            or scope["method"] != self.method
            or scope.get("root_path")
            or _DECLINED in scope
            or self.api.dependency_overrides
        ):
            return Match.NONE, {}
        match = self.path_regex.match(scope["path"])
        if match is None:
            return Match.NONE, {}
        params = {
            name: self.param_convertors[name].convert(value)
            for name, value in match.groupdict().items()
        }
        # What FastAPI's router puts in the scope for its route (the metrics read `route`).
        return Match.FULL, {
            "endpoint": self.route.endpoint,
            "path_params": params,
            "route": self.route,
        }

    def url_path_for(self, name: str, /, **path_params: Any) -> Any:
        # The declared route answers `url_for`; the lane has no name of its own.
        raise NoMatchFound(name, path_params)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = ExactJSONRequest(scope, receive)
        response = await self.handler(request)
        if response is not None:
            await response(scope, receive, send)
            return
        # Declined: the router again, which now passes the lane by for the FastAPI route,
        # with the body the handler may have read played back to it.
        scope[_DECLINED] = True
        await self.api.router(scope, _replay(await request.body(), receive), send)


def install_lean_lane(api: FastAPI, endpoint: Callable[..., Any], handler: LeanHandler) -> LeanLane:
    """Put a lane for `endpoint`'s route first in `api`'s route table, once every router is
    included."""
    lane = LeanLane(api, endpoint, handler)
    api.router.routes.insert(0, lane)
    return lane


def _declared_route(api: FastAPI, endpoint: Callable[..., Any]) -> tuple[APIRoute, str, str]:
    """The one FastAPI route of `endpoint`, with its full path and its one method."""
    found = [
        (context.original_route, context.path)
        for context in iter_route_contexts(api.routes)
        if isinstance(context.original_route, APIRoute)
        and context.original_route.endpoint is endpoint
    ]
    if len(found) == 1:
        route, path = found[0]
        if path is not None and route.methods is not None and len(route.methods) == 1:
            (method,) = route.methods
            return route, path, method
    raise LookupError(f"a lean lane needs one route of one method for {endpoint!r}")


def _replay(body: bytes, receive: Receive) -> Receive:
    """`receive` that gives `body` (already read) first, then whatever `receive` gives."""
    replayed = False

    async def replay() -> Message:
        nonlocal replayed
        if not replayed:
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


class LeanDependency(NamedTuple):
    """One dependency of a lean handler: `call`, awaited with `arguments` in order, each
    the request (`Request`), a path parameter (its name) or an earlier dependency's value
    (its call)."""

    call: Callable[..., Awaitable[Any]]
    arguments: tuple[object, ...] = ()


async def solve(
    dependencies: Sequence[LeanDependency], request: Request, path: Mapping[str, Any]
) -> dict[object, Any]:
    """Each dependency's value, by its call, called in turn as FastAPI would (once each:
    FastAPI caches a dependency's value for the request). An exception stops it, as it
    stops FastAPI's solver, and is answered by the app's exception handlers."""
    values: dict[object, Any] = {Request: request}
    values.update(path)
    value_of = values.__getitem__
    for call, arguments in dependencies:
        values[call] = await call(*map(value_of, arguments))
    return values


def is_json(request: Request) -> bool:
    """`application/json`, with or without parameters: the one content type the lean path
    reads (FastAPI's handler judges every other)."""
    content_type = request.headers.get("content-type", "")
    return content_type.partition(";")[0].strip().lower() == "application/json"
