"""The journal's edges: no trades at all, trades that are not yours, bad parameters and bad
notes (a 422 naming the field, and nothing changed), read-only callers, another calendar."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from propdesk.domain.ledger import DayBoundary

if TYPE_CHECKING:
    from conftest import Desk, MakeDesk, MakeUser
    from propdesk.services import Services

NOON = datetime(2025, 1, 6, 18, tzinfo=UTC).timestamp()
READS = ("/trades", "/trades/recent/5", "/metrics", "/equity", "/calendar?month=2025-01")


def _finite(value: Any) -> bool:
    """No NaN nor infinity anywhere in a decoded JSON value."""
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, dict):
        return all(_finite(v) for v in value.values())
    if isinstance(value, list):
        return all(_finite(v) for v in value)
    return True


async def _one_closed_trip(desk: Desk, services: Services) -> str:
    """Long 0.1 BTCUSD at 100.01, sold at 101.00: the account's one trade."""
    await desk.quote("BTCUSD", "100.00", "100.01")
    await desk.placed(qty=0.1)
    await desk.quote("BTCUSD", "101.00", "101.01")
    await desk.placed(side="sell", qty=0.1)
    return f"{desk.account_id}:BTCUSD:1"


async def test_reads_when_the_account_never_traded_then_empty_and_every_figure_defined(
    desk: Desk,
) -> None:
    answers = {path: await desk.request("GET", path) for path in READS}

    assert {path: r.status_code for path, r in answers.items()} == dict.fromkeys(READS, 200)
    assert all("NaN" not in r.text and "Infinity" not in r.text for r in answers.values())
    assert answers["/trades"].json() == {"trades": [], "total": 0, "limit": 50, "offset": 0}
    assert answers["/trades/recent/5"].json()["trades"] == []
    metrics = answers["/metrics"].json()["metrics"]
    assert _finite(metrics)
    assert (metrics["total_trades"], metrics["net_pnl"], metrics["max_drawdown"]) == (0, 0, 0)
    assert (metrics["win_rate"], metrics["profit_factor"], metrics["sharpe"]) == (None,) * 3
    assert metrics["profit_factor_infinite"] is False
    assert answers["/equity"].json()["points"] == []
    assert answers["/calendar?month=2025-01"].json() == {"month": "2025-01", "days": []}
    grouped = await desk.get("/metrics", group_by="weekday")
    assert grouped.json()["groups"] == {}
    exported = await desk.get("/trades.csv")
    assert exported.text.count("\n") == 1  # the header alone
    assert exported.text.startswith("id,account_id,symbol,side,status,")


async def test_metrics_when_every_trade_is_inside_the_breakeven_band_then_nulls_not_nan(
    desk: Desk, services: Services
) -> None:
    await _one_closed_trip(desk, services)  # net 0.099

    body = (await desk.get("/metrics", breakeven=1, group_by="symbol")).json()

    metrics = body["metrics"]
    assert (metrics["total_breakeven"], metrics["win_rate"]) == (1, None)
    assert (metrics["win_rate_wilson_lb"], metrics["sqn"], metrics["sortino"]) == (None,) * 3
    assert _finite(body)
    assert list(body["groups"]) == ["BTCUSD"]


async def test_calendar_when_the_rules_use_the_crypto_calendar_then_the_utc_day(
    desk: Desk, services: Services
) -> None:
    # Closed at 23:30 UTC: Monday on the UTC day, Tuesday on the CME's.
    evening = datetime(2025, 1, 6, 23, 30, tzinfo=UTC).timestamp()
    services.engine.clock = lambda: evening
    days = {}
    for calendar in ("crypto", "cme"):
        opened = await desk.client.post(
            "/api/v1/accounts",
            json={
                "name": calendar,
                "starting_balance": 100_000,
                "rule_set": {"name": "custom", "calendar": calendar},
            },
            headers=desk.headers,
        )
        account = type(desk)(desk.client, services, desk.user, opened.json()["id"])
        await account.quote("BTCUSD", "100.00", "100.01", ts=evening)
        await account.placed(qty=0.1)
        await account.placed(side="sell", qty=0.1)
        answer = await account.get("/calendar", month="2025-01")
        days[calendar] = [day["day"] for day in answer.json()["days"]]

    assert days == {"crypto": ["2025-01-06"], "cme": ["2025-01-07"]}


async def test_trade_when_unknown_or_another_accounts_then_404_problem(
    desk: Desk, make_desk: MakeDesk, services: Services
) -> None:
    other = await make_desk()
    theirs = await _one_closed_trip(other, services)
    mine_in_their_path = theirs.replace(other.account_id, desk.account_id)

    answers = [
        await desk.request("GET", f"/trades/{theirs}"),
        await desk.request("GET", f"/trades/{mine_in_their_path}"),
        await desk.request("PATCH", f"/trades/{theirs}", json={"notes": "mine now"}),
        await desk.request("GET", "/trades/no-such-trade"),
    ]

    assert {(r.status_code, r.json()["code"]) for r in answers} == {(404, "TRADE_NOT_FOUND")}
    assert answers[0].headers["content-type"] == "application/problem+json"
    assert (await other.get(f"/trades/{theirs}")).json()["notes"] == ""


async def test_journal_when_someone_elses_account_then_404_on_every_route(
    desk: Desk, make_user: MakeUser, services: Services
) -> None:
    trip = await _one_closed_trip(desk, services)
    stranger = await make_user()
    paths = [*READS, "/trades.csv", f"/trades/{trip}"]

    answers = [await desk.request("GET", path, headers=stranger.headers) for path in paths] + [
        await desk.request("PATCH", f"/trades/{trip}", json={}, headers=stranger.headers)
    ]

    assert [r.status_code for r in answers] == [404] * len(answers)


async def test_patch_when_the_caller_may_only_read_then_403_and_nothing_written(
    desk: Desk, make_user: MakeUser, services: Services, client: httpx.AsyncClient
) -> None:
    trip = await _one_closed_trip(desk, services)
    key = await client.post(
        "/api/v1/api-keys", json={"name": "ro", "scopes": ["read"]}, headers=desk.headers
    )
    read_only = {"X-API-Key": key.json()["key"]}

    response = await desk.request(
        "PATCH", f"/trades/{trip}", json={"notes": "x"}, headers=read_only
    )
    read = await desk.request("GET", f"/trades/{trip}", headers=read_only)

    assert response.status_code == 403
    assert (read.status_code, read.json()["notes"]) == (200, "")


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/trades", {"side": "flat"}, "side"),
        ("/trades", {"status": "done"}, "status"),
        ("/trades", {"limit": 0}, "limit"),
        ("/trades", {"limit": 501}, "limit"),
        ("/trades", {"offset": -1}, "offset"),
        ("/trades", {"from": "soon"}, "from"),
        ("/trades", {"from": "2025-01-07T00:00:00Z", "to": "2025-01-06T00:00:00Z"}, "to"),
        ("/trades", {"tag": "x" * 33}, "tag"),
        ("/trades", {"setup": ""}, "setup"),
        ("/trades.csv", {"side": "both"}, "side"),
        ("/metrics", {"window": 0}, "window"),
        ("/metrics", {"group_by": "moon"}, "group_by"),
        ("/metrics", {"breakeven": -1}, "breakeven"),
        ("/metrics", {"breakeven": "nan"}, "breakeven"),
        ("/metrics", {"breakeven": "inf"}, "breakeven"),
        ("/metrics", {"timezone": "Mars/Olympus"}, "timezone"),
        ("/metrics", {"to": "never"}, "to"),
        ("/equity", {"granularity": "week"}, "granularity"),
        ("/calendar", {"month": "2025-13"}, "month"),
        ("/calendar", {"month": "2025-1"}, "month"),
        ("/calendar", {"month": "january"}, "month"),
        ("/calendar", {"month": "1969-12"}, "month"),
        ("/calendar", {"month": "9999-12"}, "month"),
        ("/trades/recent/0", {}, "limit"),
        ("/trades/recent/501", {}, "limit"),
        ("/trades/recent/many", {}, "limit"),
    ],
)
async def test_reads_when_a_parameter_is_bad_then_422_naming_it(
    desk: Desk, path: str, params: dict[str, Any], field: str
) -> None:
    response = await desk.get(path, **params)

    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["code"] == "VALIDATION_ERROR"
    assert [error["loc"][-1] for error in problem["errors"]] == [field]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"note": "typo"}, "note"),
        ({"notes": "x" * 10_001}, "notes"),
        ({"notes": "bell \x07"}, "notes"),
        ({"notes": "half a pair \ud800"}, "notes"),
        ({"notes": None}, "notes"),
        ({"tags": None}, "tags"),
        ({"tags": "one"}, "tags"),
        ({"tags": [f"t{n}" for n in range(21)]}, "tags"),
        ({"tags": ["x" * 33]}, "tags"),
        ({"tags": ["   "]}, "tags"),
        ({"tags": ["tab\there"]}, "tags"),
        ({"setup": ""}, "setup"),
        ({"setup": "s" * 65}, "setup"),
        ({"screenshot_url": "ftp://example.com/1.png"}, "screenshot_url"),
        ({"screenshot_url": "example.com/1.png"}, "screenshot_url"),
        ({"screenshot_url": "https://example.com/a b.png"}, "screenshot_url"),
        ({"screenshot_url": "https://example.com/" + "x" * 1981}, "screenshot_url"),
    ],
)
async def test_patch_when_the_body_is_bad_then_422_naming_it_and_nothing_changed(
    desk: Desk, services: Services, body: dict[str, Any], field: str
) -> None:
    trip = await _one_closed_trip(desk, services)
    await desk.request("PATCH", f"/trades/{trip}", json={"notes": "kept", "tags": ["kept"]})
    before = (await desk.get(f"/trades/{trip}")).json()

    # As JSON text of its own: a lone surrogate is only sent escaped ("\\ud800").
    payload = json.dumps({"setup": "new", **body})
    headers = {**desk.headers, "Content-Type": "application/json"}
    response = await desk.request("PATCH", f"/trades/{trip}", content=payload, headers=headers)

    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["code"] == "VALIDATION_ERROR"
    assert field in {str(part) for error in problem["errors"] for part in error["loc"]}
    assert (await desk.get(f"/trades/{trip}")).json() == before


async def test_patch_when_the_body_is_at_its_limits_then_taken(
    desk: Desk, services: Services
) -> None:
    trip = await _one_closed_trip(desk, services)
    url = "https://example.com/" + "x" * 1980
    body = {
        "notes": "n" * 10_000,
        "tags": [f"{n:02d}" + "t" * 30 for n in range(20)],
        "setup": "s" * 64,
        "screenshot_url": url,
    }

    response = await desk.request("PATCH", f"/trades/{trip}", json=body)
    removed = await desk.request("PATCH", f"/trades/{trip}", json={"screenshot_url": None})

    assert response.status_code == 200, response.text
    assert response.json()["tags"] == body["tags"]
    assert (response.json()["screenshot_url"], len(url)) == (url, 2000)
    assert (removed.json()["screenshot_url"], removed.json()["setup"]) == (None, "s" * 64)


async def test_calendar_when_no_month_is_given_then_the_month_of_the_accounts_day_now(
    desk: Desk,
) -> None:
    today = DayBoundary().trading_day(datetime.now(UTC).timestamp())  # the CME's

    body = (await desk.get("/calendar")).json()

    assert body == {"month": today.isoformat()[:7], "days": []}
