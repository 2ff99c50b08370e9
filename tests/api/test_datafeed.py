"""The UDF datafeed over HTTP: the exact shapes a TradingView chart reads, errors included."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager

from propdesk.api.routers.datafeed import get_live
from propdesk.app import create_app
from propdesk.config import Settings
from propdesk.domain.bars import Bar, Resolution, Tick
from propdesk.domain.instruments import utc_midnight
from propdesk.marketdata.catalogue import Catalogue
from propdesk.marketdata.live import Quote
from propdesk.store.db import Database
from propdesk.store.repositories.bars import BarRow, upsert_bars

CATALOGUE = Catalogue.load()
UDF = "/api/v1/datafeed"
# Wednesday 2026-03-04 to Thursday 2026-03-12: a weekend and the US switch to summer time
SPAN = (1_772_582_400, 1_773_273_600)


def utc(*fields: int) -> int:
    return int(datetime(*fields, tzinfo=UTC).timestamp())  # type: ignore[misc]


class FakeLive:
    """LiveState's read side, with what a running feed would have put there."""

    def __init__(self) -> None:
        self.quotes: dict[str, Quote] = {}
        self.forming: dict[str, Bar] = {}

    def quote(self, symbol: str) -> Quote | None:
        return self.quotes.get(symbol)

    def forming_bar(self, symbol: str) -> Bar | None:
        return self.forming.get(symbol)


@pytest.fixture
def live() -> FakeLive:
    return FakeLive()


ClientFactory = Callable[..., Any]


@pytest.fixture
def serve(make_settings: Callable[..., Settings], live: FakeLive) -> ClientFactory:
    """An app on the test database with the fake live state and any settings overridden."""

    @asynccontextmanager
    async def start(**overrides: object) -> AsyncIterator[httpx.AsyncClient]:
        application = create_app(make_settings(**overrides))
        application.dependency_overrides[get_live] = lambda: live
        async with LifespanManager(application, startup_timeout=60) as manager:
            transport = httpx.ASGITransport(app=manager.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
                yield client

    return start


@pytest.fixture
async def client(serve: ClientFactory) -> AsyncIterator[httpx.AsyncClient]:
    async with serve() as http:
        yield http


@pytest.fixture
def seed(database_url: str) -> Callable[..., Any]:
    async def store(symbol: str, rows: list[BarRow], *, rewrites_history: bool = True) -> None:
        database = Database(database_url)
        try:
            async with database.connect() as connection:
                await upsert_bars(connection, symbol, rows, rewrites_history=rewrites_history)
        finally:
            await database.dispose()

    return store


def session_minutes(symbol: str, step: int = 7) -> list[BarRow]:
    """Every `step`-th minute of SPAN inside the symbol's sessions, prices on its tick grid."""
    instrument = CATALOGUE[symbol]
    tick = float(instrument.tick_size)
    base = float(instrument.reference_price)
    rows: list[BarRow] = []
    for i, ts in enumerate(range(SPAN[0], SPAN[1], 60 * step)):
        if instrument.session.is_open(ts):
            price = base + tick * ((i * 7919) % 41 - 20)
            rows.append((ts, price, price + 2 * tick, price - tick, price + tick, 1.0))
    return rows


def udf_error(response: httpx.Response, status: int) -> str:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert set(body) == {"s", "errmsg"}
    assert body["s"] == "error"
    assert isinstance(body["errmsg"], str)
    assert body["errmsg"]
    return str(body["errmsg"])


# --- configuration, symbols, search, time ---------------------------------------------------


async def test_config_when_asked_then_udf_capabilities(client: httpx.AsyncClient) -> None:
    response = await client.get(f"{UDF}/config")

    assert response.status_code == 200
    body = response.json()
    assert body["supported_resolutions"] == list(Resolution.SUPPORTED)
    assert body["supports_search"] is True
    assert body["supports_group_request"] is False
    assert body["supports_time"] is True
    assert {"value": "CME", "name": "CME", "desc": "CME"} in body["exchanges"]
    assert {t["value"] for t in body["symbols_types"]} == {"", "futures", "stock", "crypto"}


@pytest.mark.parametrize("name", ["MNQ", "mnq", "CME:MNQ"])
async def test_symbols_when_known_then_tradingview_symbol_info(
    client: httpx.AsyncClient, name: str
) -> None:
    response = await client.get(f"{UDF}/symbols", params={"symbol": name})

    assert response.status_code == 200
    info = response.json()
    assert info["name"] == info["ticker"] == "MNQ"
    assert info["session"] == "1700-1600:23456"
    assert info["timezone"] == "America/Chicago"
    assert (info["minmov"], info["pricescale"]) == (25, 100)
    assert info["exchange"] == info["listed_exchange"] == "CME"
    assert info["type"] == "futures"
    assert info["has_intraday"] is info["has_daily"] is info["has_weekly_and_monthly"] is True
    assert info["intraday_multipliers"] == ["1", "3", "5", "15", "30", "60", "240"]
    assert info["data_status"] == "streaming"
    assert info["currency_code"] == "USD"
    assert info["format"] == "price"
    assert info["volume_precision"] == 0


async def test_symbols_when_crypto_then_24x7_in_utc_with_fractional_volume(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get(f"{UDF}/symbols", params={"symbol": "BTCUSD"})

    info = response.json()
    assert (info["session"], info["timezone"]) == ("24x7", "Etc/UTC")
    assert info["volume_precision"] == 4


async def test_search_when_query_matches_symbols_then_exact_match_first(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get(f"{UDF}/search", params={"query": "nq", "limit": 10})

    assert response.status_code == 200
    results = response.json()
    assert [r["symbol"] for r in results] == ["NQ", "MNQ"]
    assert results[0] == {
        "symbol": "NQ",
        "full_name": "CME:NQ",
        "description": "E-mini Nasdaq-100",
        "exchange": "CME",
        "ticker": "NQ",
        "type": "futures",
    }


async def test_search_when_description_matches_case_insensitively_then_found(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get(f"{UDF}/search", params={"query": "GOLD"})

    assert {r["symbol"] for r in response.json()} == {"GC", "MGC"}


async def test_search_when_type_exchange_and_limit_given_then_all_apply(
    client: httpx.AsyncClient,
) -> None:
    crypto = await client.get(f"{UDF}/search", params={"query": "", "type": "crypto"})
    cbot = await client.get(f"{UDF}/search", params={"query": "", "exchange": "CBOT"})
    one = await client.get(f"{UDF}/search", params={"query": "", "limit": 1})

    assert {r["symbol"] for r in crypto.json()} == {"BTCUSD", "ETHUSD"}
    assert {r["symbol"] for r in cbot.json()} == {"YM", "MYM", "ZN"}
    assert len(one.json()) == 1


async def test_time_when_asked_then_a_bare_number_of_unix_seconds(
    client: httpx.AsyncClient,
) -> None:
    before = int(datetime.now(UTC).timestamp())

    response = await client.get(f"{UDF}/time")

    after = int(datetime.now(UTC).timestamp())
    assert response.status_code == 200
    assert response.text.isdigit()
    assert before <= int(response.text) <= after


# --- history ------------------------------------------------------------------------------


@pytest.mark.parametrize("symbol", sorted(CATALOGUE))
async def test_history_when_any_symbol_at_any_resolution_then_valid_udf_bars(
    client: httpx.AsyncClient, seed: Callable[..., Any], symbol: str
) -> None:
    rows = session_minutes(symbol)
    await seed(symbol, rows)
    session = CATALOGUE[symbol].session
    trading_days = {utc_midnight(d) for d in map(session.trading_day, (r[0] for r in rows)) if d}

    for resolution in Resolution.SUPPORTED:
        response = await client.get(
            f"{UDF}/history",
            params={"symbol": symbol, "resolution": resolution, "from": 0, "to": 2**33},
        )

        assert response.status_code == 200, (resolution, response.text)
        body = response.json()
        assert set(body) == {"s", "t", "o", "h", "l", "c", "v"}
        assert body["s"] == "ok"
        t, o, h, low, c, v = (body[k] for k in "tohlcv")
        assert len({len(t), len(o), len(h), len(low), len(c), len(v)}) == 1
        assert t == sorted(set(t)), resolution
        assert all(
            lo <= min(op, cl) and hi >= max(op, cl)
            for op, hi, lo, cl in zip(o, h, low, c, strict=True)
        )
        assert sum(v) == len(rows), resolution
        if resolution == "1D":
            assert set(t) == trading_days
        if resolution == "1W":
            assert all(datetime.fromtimestamp(x, UTC).weekday() == 0 for x in t)
        if resolution == "1M":
            assert all(datetime.fromtimestamp(x, UTC).day == 1 for x in t)
        if resolution in ("1D", "1W", "1M"):
            assert all(x % 86_400 == 0 for x in t)


async def test_history_when_prices_on_tick_grid_then_shortest_float_text(
    client: httpx.AsyncClient, seed: Callable[..., Any]
) -> None:
    await seed("ES", [(utc(2026, 3, 9, 14, 0), 4512.25, 4512.5, 4511.75, 4512.0, 3.0)])
    await seed("6E", [(utc(2026, 3, 9, 14, 0), 1.16005, 1.1601, 1.16, 1.16005, 2.0)])

    es = await client.get(
        f"{UDF}/history", params={"symbol": "ES", "resolution": "1", "from": 0, "to": 2**33}
    )
    fx = await client.get(
        f"{UDF}/history", params={"symbol": "6E", "resolution": "1D", "from": 0, "to": 2**33}
    )

    assert es.text == (
        '{"s":"ok","t":[1773064800],"o":[4512.25],"h":[4512.5],"l":[4511.75],'
        '"c":[4512.0],"v":[3.0]}'
    )
    assert '"o":[1.16005]' in fx.text
    assert '"h":[1.1601]' in fx.text


async def test_history_when_fractional_volumes_summed_then_rounded_to_the_lot_step(
    client: httpx.AsyncClient, seed: Callable[..., Any]
) -> None:
    first = utc(2026, 3, 9, 14, 0)
    await seed("BTCUSD", [(first + 60 * i, 1.0, 1.0, 1.0, 1.0, 0.1) for i in range(3)])

    response = await client.get(
        f"{UDF}/history", params={"symbol": "BTCUSD", "resolution": "5", "from": 0, "to": 2**33}
    )

    assert '"v":[0.3]' in response.text


async def test_history_when_to_is_a_bar_time_then_that_bar_is_left_out(
    client: httpx.AsyncClient, seed: Callable[..., Any]
) -> None:
    first = utc(2026, 3, 9, 14, 0)
    await seed("BTCUSD", [(first + 60 * i, 1.0, 1.0, 1.0, 1.0, 1.0) for i in range(10)])

    response = await client.get(
        f"{UDF}/history",
        params={"symbol": "BTCUSD", "resolution": "1", "from": first, "to": first + 300},
    )

    assert response.json()["t"] == [first + 60 * i for i in range(5)]


async def test_history_when_countback_given_then_newest_bars_before_to_ignoring_from(
    client: httpx.AsyncClient, seed: Callable[..., Any]
) -> None:
    first = utc(2026, 3, 9, 14, 0)
    await seed("BTCUSD", [(first + 60 * i, 1.0, 1.0, 1.0, float(i), 1.0) for i in range(10)])

    response = await client.get(
        f"{UDF}/history",
        params={
            "symbol": "BTCUSD",
            "resolution": "1",
            "from": first + 540,
            "to": first + 600,
            "countback": 4,
        },
    )

    assert response.json()["c"] == [6.0, 7.0, 8.0, 9.0]


async def test_history_when_range_empty_but_older_bars_exist_then_no_data_with_next_time(
    client: httpx.AsyncClient, seed: Callable[..., Any]
) -> None:
    await seed("ES", [(utc(2026, 3, 5, 15, 0), 1.0, 1.0, 1.0, 1.0, 1.0)])

    hourly = await client.get(
        f"{UDF}/history",
        params={
            "symbol": "ES",
            "resolution": "60",
            "from": utc(2026, 3, 9),
            "to": utc(2026, 3, 10),
        },
    )
    daily = await client.get(
        f"{UDF}/history",
        params={
            "symbol": "ES",
            "resolution": "1D",
            "from": utc(2026, 3, 9),
            "to": utc(2026, 3, 10),
        },
    )

    assert hourly.json() == {"s": "no_data", "nextTime": utc(2026, 3, 5, 15, 0)}
    assert daily.json() == {"s": "no_data", "nextTime": utc(2026, 3, 5)}


async def test_history_when_nothing_older_then_plain_no_data(
    client: httpx.AsyncClient, seed: Callable[..., Any]
) -> None:
    await seed("ES", [(utc(2026, 3, 5, 15, 0), 1.0, 1.0, 1.0, 1.0, 1.0)])

    response = await client.get(
        f"{UDF}/history",
        params={"symbol": "ES", "resolution": "1", "from": utc(2026, 3, 1), "to": utc(2026, 3, 2)},
    )

    assert response.status_code == 200
    assert response.json() == {"s": "no_data"}


async def test_history_when_forming_bar_is_live_then_it_closes_the_series(
    client: httpx.AsyncClient, seed: Callable[..., Any], live: FakeLive
) -> None:
    first = utc(2026, 3, 9, 14, 0)
    await seed("BTCUSD", [(first, 1.0, 2.0, 0.5, 1.5, 1.0)])
    live.forming["BTCUSD"] = Bar("BTCUSD", first + 60, 1.5, 3.0, 1.5, 2.5, 0.5)

    minutes = await client.get(
        f"{UDF}/history",
        params={"symbol": "BTCUSD", "resolution": "1", "from": first, "to": first + 3_600},
    )
    five = await client.get(
        f"{UDF}/history",
        params={"symbol": "BTCUSD", "resolution": "5", "from": first, "to": first + 3_600},
    )

    assert minutes.json()["t"] == [first, first + 60]
    assert five.json() == {
        "s": "ok",
        "t": [first],
        "o": [1.0],
        "h": [3.0],
        "l": [0.5],
        "c": [2.5],
        "v": [1.5],
    }


async def test_history_when_bars_appended_after_a_read_then_next_read_shows_them(
    client: httpx.AsyncClient, seed: Callable[..., Any]
) -> None:
    first = utc(2026, 3, 9, 14, 0)
    params = {"symbol": "BTCUSD", "resolution": "1", "from": first, "to": first + 3_600}
    await seed("BTCUSD", [(first, 1.0, 1.0, 1.0, 1.0, 1.0)])
    await client.get(f"{UDF}/history", params=params)
    await seed("BTCUSD", [(first + 60, 2.0, 2.0, 2.0, 2.0, 1.0)], rewrites_history=False)

    response = await client.get(f"{UDF}/history", params=params)

    assert response.json()["c"] == [1.0, 2.0]


# --- quotes -------------------------------------------------------------------------------


async def test_quotes_when_no_live_quote_then_last_stored_close_against_previous_day(
    client: httpx.AsyncClient, seed: Callable[..., Any]
) -> None:
    await seed(
        "ES",
        [
            (utc(2026, 3, 5, 20, 0), 6000.0, 6001.0, 5999.0, 6000.0, 4.0),  # Thursday
            (utc(2026, 3, 6, 14, 0), 6010.0, 6020.0, 6005.0, 6015.0, 2.0),  # Friday
            (utc(2026, 3, 6, 20, 0), 6015.0, 6040.0, 6012.5, 6030.0, 3.0),
        ],
    )

    response = await client.get(f"{UDF}/quotes", params={"symbols": "ES"})

    assert response.status_code == 200
    assert response.json() == {
        "s": "ok",
        "d": [
            {
                "s": "ok",
                "n": "ES",
                "v": {
                    "ch": 30.0,
                    "chp": 0.5,
                    "short_name": "ES",
                    "exchange": "CME",
                    "description": "E-mini S&P 500",
                    "lp": 6030.0,
                    "ask": 6030.25,
                    "bid": 6030.0,
                    "spread": 0.25,
                    "open_price": 6010.0,
                    "high_price": 6040.0,
                    "low_price": 6005.0,
                    "prev_close_price": 6000.0,
                    "volume": 5.0,
                },
            }
        ],
    }


async def test_quotes_when_live_quote_then_its_figures(
    client: httpx.AsyncClient, live: FakeLive
) -> None:
    tick = Tick(
        "MNQ", utc(2026, 3, 9, 15, 0), Decimal("24510.5"), Decimal("24510.25"), Decimal("24510.5"),
        Decimal(1),
    )  # fmt: skip
    live.quotes["MNQ"] = Quote(tick, 24400.0, 24520.0, 24390.25, 1234.0, 24410.5)

    response = await client.get(f"{UDF}/quotes", params={"symbols": "CME:MNQ"})

    assert response.json()["d"] == [
        {
            "s": "ok",
            "n": "CME:MNQ",
            "v": {
                "ch": 100.0,
                "chp": 0.41,
                "short_name": "MNQ",
                "exchange": "CME",
                "description": "Micro E-mini Nasdaq-100",
                "lp": 24510.5,
                "ask": 24510.5,
                "bid": 24510.25,
                "spread": 0.25,
                "open_price": 24400.0,
                "high_price": 24520.0,
                "low_price": 24390.25,
                "prev_close_price": 24410.5,
                "volume": 1234.0,
            },
        }
    ]


async def test_quotes_when_live_quote_lacks_previous_close_then_store_supplies_it(
    client: httpx.AsyncClient, seed: Callable[..., Any], live: FakeLive
) -> None:
    await seed("ES", [(utc(2026, 3, 6, 20, 0), 6015.0, 6040.0, 6012.5, 6000.0, 3.0)])
    tick = Tick(
        "ES", utc(2026, 3, 8, 22, 1), Decimal("6012"), Decimal("6012"), Decimal("6012.25"),
        Decimal(1),
    )  # fmt: skip
    live.quotes["ES"] = Quote(tick, 6011.0, 6012.0, 6011.0, 5.0, None)

    response = await client.get(f"{UDF}/quotes", params={"symbols": "ES"})

    values = response.json()["d"][0]["v"]
    assert (values["prev_close_price"], values["ch"], values["chp"]) == (6000.0, 12.0, 0.2)


async def test_quotes_when_symbol_unknown_or_without_data_then_error_item_among_ok_ones(
    client: httpx.AsyncClient, seed: Callable[..., Any]
) -> None:
    await seed("ES", [(utc(2026, 3, 6, 20, 0), 1.0, 1.0, 1.0, 1.0, 1.0)])

    response = await client.get(f"{UDF}/quotes", params={"symbols": "ES,NOPE,NQ"})

    assert response.status_code == 200
    body = response.json()
    assert body["s"] == "ok"
    assert [(d["s"], d["n"]) for d in body["d"]] == [
        ("ok", "ES"),
        ("error", "NOPE"),
        ("error", "NQ"),
    ]
    assert body["d"][1]["v"] == {}


# --- errors -------------------------------------------------------------------------------

HISTORY = {"symbol": "ES", "resolution": "5", "from": "1772582400", "to": "1773273600"}
MARKS = {"symbol": "ES", "resolution": "1D", "from": "1772582400", "to": "1773273600"}


def _with(base: dict[str, str], **changes: str | None) -> dict[str, str]:
    merged: dict[str, str | None] = {**base, **changes}
    return {k: v for k, v in merged.items() if v is not None}


ERROR_CASES = [
    ("history", _with(HISTORY, symbol="NOPE"), 404),
    ("history", _with(HISTORY, symbol="NYSE:ES"), 404),
    ("history", _with(HISTORY, resolution="7"), 422),
    ("history", _with(HISTORY, resolution="1S"), 422),
    ("history", _with(HISTORY, **{"from": "1773273600"}), 422),
    ("history", _with(HISTORY, **{"from": "1773273601"}), 422),
    ("history", _with(HISTORY, **{"from": "yesterday"}), 422),
    ("history", _with(HISTORY, to="1.5"), 422),
    ("history", _with(HISTORY, to=None), 422),
    ("history", _with(HISTORY, to=str(2**62)), 422),
    ("history", _with(HISTORY, countback="0"), 422),
    ("history", _with(HISTORY, countback="-5"), 422),
    ("history", _with(HISTORY, countback="300001"), 422),
    ("history", _with(HISTORY, countback="lots"), 422),
    ("history", _with(HISTORY, symbol=None), 422),
    ("symbols", {"symbol": "NOPE"}, 404),
    ("symbols", {}, 422),
    ("search", {"query": "es", "limit": "0"}, 422),
    ("search", {"query": "es", "limit": "many"}, 422),
    ("quotes", {}, 422),
    ("quotes", {"symbols": " , "}, 422),
    ("quotes", {"symbols": ",".join(f"S{i}" for i in range(101))}, 422),
    ("marks", _with(MARKS, symbol="NOPE"), 404),
    ("marks", _with(MARKS, resolution="2D"), 422),
    ("marks", _with(MARKS, to="1772582400"), 422),
    ("marks", _with(MARKS, to="soon"), 422),
    ("timescale_marks", _with(MARKS, symbol="NOPE"), 404),
    ("timescale_marks", _with(MARKS, resolution="0"), 422),
    ("timescale_marks", _with(MARKS, **{"from": "1773273600"}), 422),
]


@pytest.mark.parametrize(("route", "params", "status"), ERROR_CASES)
async def test_datafeed_when_bad_input_then_udf_error_shape_and_status(
    client: httpx.AsyncClient, route: str, params: dict[str, str], status: int
) -> None:
    response = await client.get(f"{UDF}/{route}", params=params)

    udf_error(response, status)


async def test_history_when_range_holds_more_bars_than_allowed_then_422(
    serve: ClientFactory, seed: Callable[..., Any]
) -> None:
    first = utc(2026, 3, 9, 14, 0)
    params = {"symbol": "BTCUSD", "resolution": "1", "from": first, "to": first + 3_600}

    async with serve(history_max_bars=20) as client:
        await seed("BTCUSD", [(first + 60 * i, 1.0, 1.0, 1.0, 1.0, 1.0) for i in range(30)])
        too_many = await client.get(f"{UDF}/history", params=params)
        aggregated = await client.get(f"{UDF}/history", params={**params, "resolution": "5"})
        countback = await client.get(f"{UDF}/history", params={**params, "countback": 21})

    assert "30 bars" in udf_error(too_many, 422)
    assert aggregated.status_code == 200
    assert "countback" in udf_error(countback, 422)


async def test_other_routes_when_invalid_then_still_problem_details(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get(f"{UDF}/no-such-route")

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


async def test_marks_when_valid_then_empty_lists(client: httpx.AsyncClient) -> None:
    marks = await client.get(f"{UDF}/marks", params=MARKS)
    timescale = await client.get(f"{UDF}/timescale_marks", params=MARKS)

    assert (marks.status_code, marks.json()) == (200, [])
    assert (timescale.status_code, timescale.json()) == (200, [])


def test_openapi_when_generated_then_datafeed_documents_its_shapes() -> None:
    document = create_app(Settings(_env_file=None)).openapi()  # type: ignore[call-arg]

    history = document["paths"][f"{UDF}/history"]["get"]
    assert history["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/HistoryRead"
    }
    assert history["responses"]["422"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/UdfErrorRead"
    }
    assert "nextTime" in document["components"]["schemas"]["HistoryRead"]["properties"]
