"""The WebSocket endpoint and its AsyncAPI document; the gateway itself is `propdesk.ws`."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, WebSocket
from fastapi.responses import HTMLResponse

from propdesk.services import Services
from propdesk.ws.access import Access
from propdesk.ws.asyncapi import VIEWER_POLICY, document_bytes, viewer_html
from propdesk.ws.gateway import Gateway

router = APIRouter(tags=["websocket"])


@router.websocket("/ws")
async def stream(
    websocket: WebSocket,
    token: Annotated[
        str | None,
        Query(max_length=4096, description="An access token or an API key (optional)."),
    ] = None,
) -> None:
    """Every real-time topic on one socket; the messages are in the AsyncAPI document."""
    services: Services = websocket.state.services
    gateway = Gateway(
        services.hub,
        Access(services.database, services.settings),
        services.catalogue,
        services.settings,
        services.limiter,
    )
    await gateway.serve(websocket, token)


@router.get(
    "/ws/asyncapi.json",
    response_model=dict[str, Any],
    summary="AsyncAPI 3.0 document of the WebSocket",
    description="Every message of `/api/v1/ws`, generated from the models that validate them.",
)
async def asyncapi_document() -> Response:
    return Response(document_bytes(), media_type="application/json")


@router.get(
    "/ws/asyncapi",
    response_class=HTMLResponse,
    response_model=str,
    summary="The AsyncAPI document, rendered",
)
async def asyncapi_viewer() -> Response:
    # Relative: right behind a proxy that mounts the API elsewhere.
    html = viewer_html("asyncapi.json")
    # Its own policy: the API's forbids the viewer's scripts (see ws.asyncapi).
    return HTMLResponse(html, headers={"Content-Security-Policy": VIEWER_POLICY})
