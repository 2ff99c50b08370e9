"""The committed OpenAPI document is current, and every route documents its response."""

from __future__ import annotations

from pathlib import Path

from fastapi.routing import APIRoute

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

    missing = [
        f"{sorted(route.methods)} {route.path}"
        for route in app.routes
        if isinstance(route, APIRoute) and route.response_model is None and route.status_code != 204
    ]

    assert missing == []


def test_openapi_when_served_then_has_docs_and_tags() -> None:
    app = create_app(Settings(_env_file=None))  # type: ignore[call-arg]

    document = app.openapi()

    assert document["info"]["title"] == "propdesk"
    assert {tag["name"] for tag in document["tags"]} >= {"meta"}
    assert app.docs_url == "/api/v1/docs"
    assert app.redoc_url == "/api/v1/redoc"
