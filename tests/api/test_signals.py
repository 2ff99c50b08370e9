"""Regime and signals over REST: the current regime (warming, unknown, not classified), its
changes, the running strategies' signals, a strategy run on demand, the strategies known."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from propdesk.config import Settings
from propdesk.domain.strategies import MovingAverageCross
from propdesk.services import Services
from propdesk.signals import plugins
from propdesk.store.repositories.bars import upsert_bars
from signals.builders import (
    CROSS,
    FIVE_MINUTES,
    MA_CROSS,
    SETTINGS,
    T,
    five_minute_bars,
    minutes,
    rows,
)

SIGNAL_ID = f"ma_cross:MNQ:5:{T + CROSS * FIVE_MINUTES}"
SMALL = MA_CROSS["params"]


@pytest.fixture
def settings(request: pytest.FixtureRequest, make_settings: Callable[..., Settings]) -> Settings:
    """`builders.SETTINGS`, and what a test parametrizes `settings` with indirectly."""
    return make_settings(**SETTINGS, **getattr(request, "param", {}))


async def store(services: Services, bars: list[Any]) -> None:
    async with services.database.connect() as connection:
        await upsert_bars(connection, "MNQ", rows(bars), rewrites_history=True)


async def live(services: Services, count: int = CROSS + 1) -> None:
    """The first `count` five-minute bars: all but the last minute stored, that one live."""
    series = minutes(five_minute_bars()[:count])
    await store(services, series[:-1])
    await services.signals.process(series[-1])


# --- the current regime --------------------------------------------------------------------


async def test_regime_when_nothing_read_yet_then_503_warming_up_with_the_bars_missing(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/api/v1/market/regime/MNQ")

    assert response.status_code == 503
    problem = response.json()
    assert problem["code"] == "REGIME_WARMING_UP"
    assert (problem["bars_missing"], problem["warm_up_bars"]) == (4, 4)
    assert response.headers["Retry-After"] == str(4 * FIVE_MINUTES)
    assert response.headers["content-type"] == "application/problem+json"


async def test_regime_when_bars_closed_then_the_reading_and_since(
    client: httpx.AsyncClient, services: Services
) -> None:
    await live(services)

    response = await client.get("/api/v1/market/regime/mnq", params={"resolution": "5"})

    assert response.status_code == 200, response.text
    regime = response.json()
    assert set(regime) == {
        "symbol", "resolution", "regime", "adx", "plus_di", "minus_di", "atr",
        "atr_percentile", "ts", "since",
    }  # fmt: skip
    assert (regime["symbol"], regime["resolution"]) == ("MNQ", "5")
    assert regime["ts"] == T + CROSS * FIVE_MINUTES
    assert regime["since"] <= regime["ts"]
    assert regime["regime"] in {"trend_up", "trend_down", "range", "volatile"}
    assert 0 <= regime["atr_percentile"] <= 1


@pytest.mark.parametrize(
    ("path", "status", "code"),
    [
        ("/api/v1/market/regime/NOPE", 404, "NOT_FOUND"),
        ("/api/v1/market/regime/ES", 404, "REGIME_NOT_TRACKED"),
        ("/api/v1/market/regime/MNQ?resolution=15", 422, "VALIDATION_ERROR"),
        ("/api/v1/market/regime/MNQ?resolution=7", 422, "VALIDATION_ERROR"),
        ("/api/v1/market/regime/NOPE/history", 404, "NOT_FOUND"),
        ("/api/v1/market/regime/MNQ/history?resolution=7", 422, "VALIDATION_ERROR"),
    ],
)
async def test_regime_when_the_symbol_or_resolution_is_not_there_then_a_problem(
    client: httpx.AsyncClient, path: str, status: int, code: str
) -> None:
    response = await client.get(path)

    assert response.status_code == status, response.text
    assert response.json()["code"] == code
    if status == 422:
        assert response.json()["errors"][0]["loc"] == ["query", "resolution"]


async def test_regime_history_when_read_then_changes_newest_first_within_the_bounds(
    client: httpx.AsyncClient, services: Services
) -> None:
    await live(services, count=18)
    url = "/api/v1/market/regime/MNQ/history"

    every = (await client.get(url)).json()
    ts = [change["ts"] for change in every["changes"]]
    bounded = (await client.get(url, params={"from": ts[-1] + 1, "to": ts[0]})).json()
    newest = (await client.get(url, params={"limit": 1})).json()
    iso = (await client.get(url, params={"from": "2026-03-10T15:00:00Z"})).json()

    assert (every["symbol"], every["resolution"]) == ("MNQ", "5")
    assert len(ts) >= 2, every
    assert ts == sorted(ts, reverse=True)
    assert [c["ts"] for c in bounded["changes"]] == ts[1:-1]
    assert newest["changes"] == every["changes"][:1]
    assert iso == every
    current = (await client.get("/api/v1/market/regime/MNQ")).json()
    assert current["since"] == ts[0]
    assert current["regime"] == every["changes"][0]["regime"]


# --- signals -------------------------------------------------------------------------------


async def test_signals_when_a_strategy_gave_one_then_listed_with_its_params(
    client: httpx.AsyncClient, services: Services
) -> None:
    await live(services)

    response = await client.get("/api/v1/signals")

    assert response.status_code == 200, response.text
    page = response.json()
    assert (page["total"], page["limit"], page["offset"]) == (1, 50, 0)
    (signal,) = page["signals"]
    assert signal["id"] == SIGNAL_ID
    assert (signal["direction"], signal["entry"], signal["stop"], signal["target"]) == (
        "long",
        106.5,
        103.5,
        112.5,
    )
    assert signal["created_at"] == "2026-03-10T16:00:00Z"
    assert signal["params"]["slow_period"] == 4


@pytest.mark.parametrize(
    ("params", "count"),
    [
        ({"symbol": "mnq"}, 1),
        ({"symbol": "ES"}, 0),
        ({"strategy": "ma_cross", "resolution": "5"}, 1),
        ({"strategy": "vwap_pullback"}, 0),
        ({"from": "2026-03-10T16:00:00Z"}, 1),
        ({"to": "2026-03-10T16:00:00Z"}, 0),
        ({"offset": 1}, 0),
    ],
)
async def test_signals_when_filtered_then_only_the_matching(
    client: httpx.AsyncClient, services: Services, params: dict[str, Any], count: int
) -> None:
    await live(services)

    page = (await client.get("/api/v1/signals", params=params)).json()

    assert len(page["signals"]) == count
    assert page["total"] == (count if "offset" not in params else 1)


async def test_signals_when_a_filter_is_malformed_then_422_naming_it(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/api/v1/signals", params={"limit": 0, "from": "soon"})

    assert response.status_code == 422
    locs = [e["loc"] for e in response.json()["errors"]]
    assert ["query", "limit"] in locs
    assert ["query", "from"] in locs


# --- a strategy on demand -------------------------------------------------------------------


async def generate(
    client: httpx.AsyncClient, headers: dict[str, str], **body: Any
) -> httpx.Response:
    payload = {"symbol": "MNQ", "resolution": "5", "strategy": "ma_cross", **body}
    return await client.post("/api/v1/signals/generate", json=payload, headers=headers)


async def test_generate_when_the_last_bar_crosses_then_its_signal_nothing_stored(
    client: httpx.AsyncClient, services: Services, auth_headers: dict[str, str]
) -> None:
    await store(services, minutes(five_minute_bars()[: CROSS + 1]))

    response = await generate(client, auth_headers, params=SMALL)

    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["signal"]["id"] == SIGNAL_ID
    assert answer["signal"]["params"]["fast_period"] == 2
    assert answer["reason"] is None
    assert (answer["bars"], answer["last_bar_ts"]) == (CROSS + 1, T + CROSS * FIVE_MINUTES)
    assert answer["regime"] == answer["signal"]["regime"]
    assert (await client.get("/api/v1/signals")).json()["total"] == 0


async def test_generate_when_no_signal_at_the_last_bar_then_null_and_the_reason(
    client: httpx.AsyncClient, services: Services, auth_headers: dict[str, str]
) -> None:
    await store(services, minutes(five_minute_bars()))

    defaults = (await generate(client, auth_headers)).json()
    nothing = (await generate(client, auth_headers, symbol="ES")).json()

    assert defaults["signal"] is None
    assert "no signal at the last closed bar" in defaults["reason"]
    assert defaults["regime"] in {"trend_up", "trend_down", "range", "volatile"}
    assert (nothing["signal"], nothing["bars"]) == (None, 0)
    assert nothing["reason"] == "no closed 5 bars of ES are stored"


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"strategy": "nope"}, ["body", "strategy"]),
        ({"symbol": "XYZ"}, ["body", "symbol"]),
        ({"resolution": "7"}, ["body", "resolution"]),
        ({"params": {"fast_period": "ten"}}, ["body", "params", "fast_period"]),
        ({"params": {"fast_period": 40}}, ["body", "params", "fast_period"]),
        ({"params": {"slow": 3}}, ["body", "params", "slow"]),
        ({"strategy": "opening_range_breakout", "resolution": "1D"}, ["body", "resolution"]),
        ({"extra": 1}, ["body", "extra"]),
    ],
)
async def test_generate_when_a_field_is_bad_then_422_naming_it(
    client: httpx.AsyncClient, auth_headers: dict[str, str], body: dict[str, Any], loc: list[str]
) -> None:
    response = await generate(client, auth_headers, **body)

    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["code"] == "VALIDATION_ERROR"
    assert problem["errors"][0]["loc"] == loc


async def test_generate_when_anonymous_then_401(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/v1/signals/generate", json={"symbol": "MNQ", "strategy": "ma_cross"}
    )

    assert response.status_code == 401


@pytest.mark.parametrize("settings", [{"rate_limit_signals": "2/minute"}], indirect=True)
async def test_generate_when_over_the_signals_budget_then_429_with_retry_after(
    client: httpx.AsyncClient, auth_headers: dict[str, str]
) -> None:
    answers = [await generate(client, auth_headers) for _ in range(3)]

    assert [a.status_code for a in answers] == [200, 200, 429]
    assert int(answers[2].headers["Retry-After"]) > 0


# --- strategies -----------------------------------------------------------------------------


@dataclass
class FakeEntryPoint:
    name: str
    value: str
    target: Any

    def load(self) -> Any:
        return self.target


class ThirdPartyCross(MovingAverageCross):
    """A package's own moving-average cross."""

    name = "third_party_cross"


@pytest.fixture
def third_party(monkeypatch: pytest.MonkeyPatch) -> None:
    point = FakeEntryPoint("third_party_cross", "pkg.cross:ThirdPartyCross", ThirdPartyCross)
    monkeypatch.setattr(plugins, "entry_points", lambda *, group: [point])


async def test_strategies_when_a_package_registers_one_then_listed_and_it_runs_on_demand(
    third_party: None,
    client: httpx.AsyncClient,
    services: Services,
    auth_headers: dict[str, str],
) -> None:
    await store(services, minutes(five_minute_bars()[: CROSS + 1]))

    listed = (await client.get("/api/v1/strategies")).json()
    answer = await generate(client, auth_headers, strategy="third_party_cross", params=SMALL)

    by_name = {s["name"]: s for s in listed}
    assert set(by_name) == {"ma_cross", "opening_range_breakout", "vwap_pullback",
                            "third_party_cross"}  # fmt: skip
    assert by_name["third_party_cross"]["source"] == "pkg.cross:ThirdPartyCross"
    assert by_name["ma_cross"]["running"] == [
        {"symbol": "MNQ", "resolution": "5", "params": by_name["ma_cross"]["running"][0]["params"]}
    ]
    assert "fast_period" in by_name["ma_cross"]["params_schema"]["properties"]
    assert answer.status_code == 200, answer.text
    assert answer.json()["signal"]["id"] == f"third_party_cross:MNQ:5:{T + CROSS * FIVE_MINUTES}"
