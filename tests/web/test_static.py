"""The built dashboard at `/`: files, the page for every other page path, never the API's."""

from __future__ import annotations

import httpx


async def test_root_when_built_then_page_with_its_own_policy(client: httpx.AsyncClient) -> None:
    response = await client.get("/")

    assert response.status_code == 200
    assert "<title>propdesk</title>" in response.text
    assert response.headers["cache-control"] == "no-cache"
    policy = response.headers["content-security-policy"]
    assert "default-src 'self'" in policy
    assert "connect-src 'self'" in policy


async def test_page_path_when_no_file_then_page(client: httpx.AsyncClient) -> None:
    response = await client.get("/journal")

    assert response.status_code == 200
    assert "<title>propdesk</title>" in response.text


async def test_hashed_asset_when_requested_then_cached_for_good(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/assets/index-abc123.js")

    assert response.status_code == 200
    assert response.text == "console.log('hi')"
    assert "immutable" in response.headers["cache-control"]


async def test_missing_asset_when_requested_then_404_not_the_page(
    client: httpx.AsyncClient,
) -> None:
    for path in ("/assets/index-old.js", "/favicon.ico"):
        response = await client.get(path)
        assert response.status_code == 404, path


async def test_path_when_it_climbs_out_then_never_a_file_outside(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/..%2F..%2F..%2F..%2Fetc%2Fpasswd")

    assert "root:" not in response.text


async def test_api_paths_when_unknown_then_api_answers_as_before(
    client: httpx.AsyncClient,
) -> None:
    unknown = await client.get("/api/v1/nope")
    wrong_method = await client.get("/api/v1/auth/token")
    unknown_post = await client.post("/api/v1/nope")

    assert unknown.status_code == 404
    assert unknown.headers["content-type"] == "application/problem+json"
    assert wrong_method.status_code == 405
    assert unknown_post.status_code == 404


async def test_page_path_when_posted_then_405(client: httpx.AsyncClient) -> None:
    response = await client.post("/journal")

    assert response.status_code == 405
