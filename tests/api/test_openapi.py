"""The committed OpenAPI document is current, and every route documents its response."""

from __future__ import annotations

from pathlib import Path

from fastapi.routing import APIRoute, iter_route_contexts

from propdesk.app import create_app
from propdesk.cli import render_openapi
from propdesk.config import Settings

ROOT = Path(__file__).resolve().parents[2]


def test_committed_openapi_when_compared_then_matches_the_code() -> None:
    committed = (ROOT / "openapi.json").read_text()

    generated = render_openapi(create_app(Settings(_env_file=None)))  # type: ignore[call-arg]

    assert generated == committed, "openapi.json is stale: run `make openapi` and commit it"


def test_every_route_when_listed_then_declares_a_response_model() -> None:
    app = create_app(Settings(_env_file=None))  # type: ignore[call-arg]

    # `iter_route_contexts` flattens included routers (a plain `app.routes` loop sees none).
    routes = [
        context.original_route
        for context in iter_route_contexts(app.routes)
        if isinstance(context.original_route, APIRoute)
    ]
    missing = [
        f"{sorted(route.methods)} {route.path}"
        for route in routes
        if route.response_model is None and route.status_code != 204
    ]

    assert len(routes) > 10, "the route table was not walked"
    assert missing == []


def test_openapi_when_served_then_has_docs_and_tags() -> None:
    app = create_app(Settings(_env_file=None))  # type: ignore[call-arg]

    document = app.openapi()

    assert document["info"]["title"] == "propdesk"
    assert {tag["name"] for tag in document["tags"]} >= {"meta"}
    assert app.docs_url == "/api/v1/docs"
    assert app.redoc_url == "/api/v1/redoc"
