"""The system status: the feed, every symbol with its regime (from whatever reads regimes),
the strategies auto-trading, the engine's lag, the uptime, and the caller's default account
as its own status route answers it; and the risk standing of each of the caller's accounts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import httpx

from propdesk.domain.regime import Regime, RegimeReading
from propdesk.services import Services

if TYPE_CHECKING:
    from conftest import MakeUser, TestUser

    from .conftest import Desk

STATUS = "/api/v1/system/status"
RISK = "/api/v1/system/risk"


class Readings:
    """Regimes by (symbol, resolution), and what was asked."""

    def __init__(self, regimes: dict[tuple[str, str], Regime]) -> None:
        self.regimes = regimes
        self.asked: set[str] = set()

    def current(self, symbol: str, resolution: str) -> RegimeReading | None:
        self.asked.add(resolution)
        regime = self.regimes.get((symbol, resolution))
        if regime is None:
            return None
        return RegimeReading(regime, 30.0, 30.0, 10.0, 2.0, 0.5, 0, changed=False)


async def _status(client: httpx.AsyncClient, user: TestUser, **params: Any) -> dict[str, Any]:
    response = await client.get(STATUS, headers=user.headers, params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_status_when_the_caller_has_no_account_then_the_system_alone(
    client: httpx.AsyncClient, make_user: MakeUser, services: Services
) -> None:
    status = await _status(client, await make_user())

    assert status["feed"] == {
        "state": "stopped",
        "source": "none",
        "running": False,
        "ready": True,
        "ticks": 0,
        "last_tick_at": None,
        "waiting_for": [],
    }
    symbols = [instrument.symbol for instrument in services.catalogue.values()]
    assert status["symbols"] == symbols
    assert "MNQ" in symbols
    assert status["regimes"] == dict.fromkeys(symbols)
    assert (status["resolution"], status["active_strategies"]) == ("5", [])
    assert status["engine_lag_ms"] is None  # no tick yet
    assert status["uptime_s"] >= 0
    assert status["account"] is None


async def test_status_when_the_caller_has_an_account_then_its_status_as_its_route_says(
    combine: Desk,
) -> None:
    await combine.placed(symbol="MNQ", qty=2)
    own = (await combine.get("/status")).json()

    status = await _status(combine.client, combine.user)

    assert status["account"] == own
    assert status["account"]["account_id"] == combine.account_id
    assert status["engine_lag_ms"] > 0  # the combine's quote went through the engine


async def test_status_when_regimes_are_read_then_each_symbol_and_the_accounts_regime(
    combine: Desk, services: Services
) -> None:
    services.regimes = Readings({("MNQ", "5"): Regime.TREND_UP, ("ES", "60"): Regime.RANGE})
    put = await combine.request(
        "PUT",
        "/autotrade",
        json={
            "enabled": True,
            "strategies": ["vwap_pullback", "ma_cross"],
            "symbols": ["MNQ"],
            "qty": 1,
        },
    )
    assert put.status_code == 200, put.text

    at_five = await _status(combine.client, combine.user)
    hourly = await _status(combine.client, combine.user, resolution="60")

    assert (at_five["regimes"]["MNQ"], at_five["regimes"]["ES"]) == ("trend_up", None)
    assert (hourly["regimes"]["MNQ"], hourly["regimes"]["ES"]) == (None, "range")
    assert at_five["active_strategies"] == ["ma_cross", "vwap_pullback"]
    account = at_five["account"]
    assert (account["current_regime"], account["active_strategy"]) == ("trend_up", "vwap_pullback")
    assert (await combine.get("/status")).json()["current_regime"] == "trend_up"


async def test_status_when_the_server_classifies_other_bars_then_read_at_its_first_by_default(
    combine: Desk, services: Services
) -> None:
    services.regimes = Readings({("MNQ", "1"): Regime.VOLATILE, ("MNQ", "5"): Regime.RANGE})
    services.settings = services.settings.model_copy(update={"regime_resolutions": ["1", "5"]})
    body = {"enabled": True, "strategies": ["ma_cross"], "symbols": ["MNQ"], "qty": 1}
    assert (await combine.request("PUT", "/autotrade", json=body)).status_code == 200

    status = await _status(combine.client, combine.user)
    asked = await _status(combine.client, combine.user, resolution="5")
    own = (await combine.get("/status")).json()

    assert (status["resolution"], status["regimes"]["MNQ"]) == ("1", "volatile")
    assert (asked["resolution"], asked["regimes"]["MNQ"]) == ("5", "range")
    assert own["current_regime"] == status["account"]["current_regime"] == "volatile"


async def test_status_when_a_trade_is_open_then_its_strategy_and_its_symbols_regime(
    combine: Desk, services: Services
) -> None:
    services.regimes = Readings({("MNQ", "5"): Regime.VOLATILE})
    await combine.placed(symbol="MNQ", qty=1, strategy="breakout", tag="orb")

    account = (await _status(combine.client, combine.user))["account"]

    assert (account["current_regime"], account["active_strategy"]) == ("volatile", "breakout")


async def test_status_when_the_resolution_is_unsupported_then_422_naming_it(
    combine: Desk,
) -> None:
    response = await combine.client.get(STATUS, headers=combine.headers, params={"resolution": "7"})

    assert response.status_code == 422, response.text
    assert [e["loc"] for e in response.json()["errors"]] == [["query", "resolution"]]


async def test_status_when_not_signed_in_then_401(client: httpx.AsyncClient) -> None:
    assert (await client.get(STATUS)).status_code == 401
    assert (await client.get(RISK)).status_code == 401


async def test_risk_when_the_caller_has_accounts_then_each_ones_standing_in_order(
    combine: Desk, make_desk: Any
) -> None:
    second = await make_desk(combine.user, name="second")
    await make_desk()  # someone else's
    unlimited = await combine.client.post(
        "/api/v1/accounts",
        json={"name": "no limits", "starting_balance": 25_000},
        headers=combine.headers,
    )
    assert unlimited.status_code == 201, unlimited.text

    response = await combine.client.get(RISK, headers=combine.headers)

    assert response.status_code == 200, response.text
    standings = response.json()
    assert [s["account_id"] for s in standings] == [
        combine.account_id,
        second.account_id,
        unlimited.json()["id"],
    ]
    assert standings[0] == (await combine.get("/risk")).json()
    assert standings[1] == (await second.get("/risk")).json()
    assert standings[2]["rules"]["max_loss"] is None
