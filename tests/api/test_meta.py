from __future__ import annotations

import httpx

from propdesk import __version__


async def test_health_when_ready_then_ok_with_checks(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/health")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["version"] == __version__
    assert body["checks"]["database"]["status"] == "ok"
    assert body["checks"]["feed"]["status"] == "disabled"


async def test_every_response_when_served_then_carries_request_id_and_time(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/api/v1/version", headers={"X-Request-ID": "abc-123"})

    assert response.headers["x-request-id"] == "abc-123"
    assert response.headers["x-process-time"].endswith("ms")
    assert response.json() == {"version": __version__, "api_version": "v1"}


async def test_request_id_when_unsafe_then_replaced(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/version", headers={"X-Request-ID": "a b\tc"})

    assert response.headers["x-request-id"] != "a b\tc"
    assert len(response.headers["x-request-id"]) == 32


async def test_versions_when_listed_then_v1_is_current(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/versions")

    assert response.status_code == 200
    assert response.json()[0]["version"] == "v1"
    assert response.json()[0]["status"] == "current"


async def test_unknown_route_when_requested_then_problem_404(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/nope")

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == 404
    assert "/api/v1/nope" in response.json()["detail"]


async def test_wrong_method_when_requested_then_problem_405(client: httpx.AsyncClient) -> None:
    response = await client.delete("/api/v1/health")

    assert response.status_code == 405
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["title"] == "Method Not Allowed"


async def test_metrics_when_scraped_then_prometheus_text(client: httpx.AsyncClient) -> None:
    await client.get("/api/v1/version")

    response = await client.get("/metrics/")

    assert response.status_code == 200
    assert "propdesk_http_requests_total" in response.text
