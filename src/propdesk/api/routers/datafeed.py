"""The TradingView UDF datafeed: what a chart's `UDFCompatibleDatafeed` calls.

Errors here are `{"s": "error", "errmsg": …}` with a 4xx status, validation errors included,
because that is what UDF clients read; the rest of the API answers with problem details.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Coroutine
from decimal import Decimal
from typing import Annotated, Any

import numpy as np
import orjson
from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute

from propdesk.api.deps import CatalogueDep, ServicesDep, SettingsDep
from propdesk.api.schemas.datafeed import (
    DatafeedConfigRead,
    ExchangeRead,
    HistoryRead,
    MarkRead,
    QuoteErrorRead,
    QuoteRead,
    QuotesRead,
    QuoteValuesRead,
    SearchResultRead,
    SymbolInfoRead,
    SymbolTypeRead,
    TimescaleMarkRead,
    UdfErrorRead,
)
from propdesk.domain.bars import Resolution, Unit
from propdesk.domain.instruments import Instrument
from propdesk.marketdata.aggregate import (
    History,
    close_before_trading_day,
    history,
    latest_trading_day,
)
from propdesk.marketdata.barcache import BarCache
from propdesk.marketdata.catalogue import Catalogue
from propdesk.marketdata.live import LiveState

# UNIX seconds a chart may ask for: far beyond any data, small enough for int64 arithmetic.
UNIX_BOUND = 2**40
MAX_QUOTE_SYMBOLS = 100
INTRADAY = [r for r in Resolution.SUPPORTED if r.isdigit()]
JSON = "application/json"


class UdfError(Exception):
    def __init__(self, status: int, errmsg: str) -> None:
        super().__init__(errmsg)
        self.status = status
        self.errmsg = errmsg


def udf_error(status: int, errmsg: str) -> JSONResponse:
    return JSONResponse({"s": "error", "errmsg": errmsg}, status_code=status)


def _describe(exc: RequestValidationError) -> str:
    return "; ".join(
        f"{e['loc'][-1]}: {e['msg']}" if e["loc"] else str(e["msg"]) for e in exc.errors()
    )


class UdfRoute(APIRoute):
    """Turns validation errors and UdfError into the UDF error shape for these routes only."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()

        async def handle_udf(request: Request) -> Response:
            try:
                return await handle(request)
            except RequestValidationError as exc:
                return udf_error(422, _describe(exc))
            except UdfError as exc:
                return udf_error(exc.status, exc.errmsg)

        return handle_udf


def _errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    phrases = {404: "Unknown symbol", 422: "Invalid parameters"}
    return {s: {"model": UdfErrorRead, "description": phrases[s]} for s in statuses}


router = APIRouter(prefix="/datafeed", tags=["datafeed"], route_class=UdfRoute)


async def get_bar_cache(services: ServicesDep) -> BarCache:
    return services.bars


async def get_live(services: ServicesDep) -> LiveState:
    return services.live


BarCacheDep = Annotated[BarCache, Depends(get_bar_cache)]
LiveDep = Annotated[LiveState, Depends(get_live)]
SymbolQuery = Annotated[str, Query(min_length=1, max_length=64, description="`ES` or `CME:ES`")]
ResolutionQuery = Annotated[
    str, Query(min_length=1, max_length=8, description=", ".join(Resolution.SUPPORTED))
]
FromQuery = Annotated[
    int, Query(alias="from", ge=-UNIX_BOUND, le=UNIX_BOUND, description="UNIX seconds")
]
ToQuery = Annotated[
    int, Query(ge=-UNIX_BOUND, le=UNIX_BOUND, description="UNIX seconds, exclusive")
]


def find_instrument(catalogue: Catalogue, name: str) -> Instrument | None:
    exchange, _, symbol = name.strip().rpartition(":")
    if symbol not in catalogue:
        return None
    instrument = catalogue[symbol]
    if exchange and exchange.upper() != instrument.exchange.upper():
        return None
    return instrument


def _instrument(catalogue: Catalogue, name: str) -> Instrument:
    instrument = find_instrument(catalogue, name)
    if instrument is None:
        raise UdfError(404, f"unknown symbol {name!r}")
    return instrument


def _resolution(text: str) -> Resolution:
    try:
        return Resolution.parse(text)
    except ValueError as exc:
        raise UdfError(422, str(exc)) from exc


def _check_range(from_ts: int, to_ts: int) -> None:
    if from_ts >= to_ts:
        raise UdfError(422, f"from ({from_ts}) must be before to ({to_ts})")


def _decimals(step: Decimal) -> int:
    exponent = step.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


@router.get("/config", response_model=DatafeedConfigRead, summary="Datafeed capabilities")
async def config(catalogue: CatalogueDep) -> DatafeedConfigRead:
    instruments = catalogue.values()
    exchanges = sorted({i.exchange for i in instruments})
    kinds = sorted({i.asset_class.value for i in instruments})
    return DatafeedConfigRead(
        supported_resolutions=list(Resolution.SUPPORTED),
        supports_search=True,
        supports_group_request=False,
        supports_marks=False,
        supports_timescale_marks=False,
        supports_time=True,
        exchanges=[ExchangeRead(value="", name="All exchanges", desc="")]
        + [ExchangeRead(value=e, name=e, desc=e) for e in exchanges],
        symbols_types=[SymbolTypeRead(name="All types", value="")]
        + [SymbolTypeRead(name=k.capitalize(), value=k) for k in kinds],
    )


def _symbol_info(instrument: Instrument) -> SymbolInfoRead:
    timezone = instrument.session.timezone
    return SymbolInfoRead(
        name=instrument.symbol,
        ticker=instrument.symbol,
        full_name=f"{instrument.exchange}:{instrument.symbol}",
        description=instrument.description,
        type=instrument.asset_class.value,
        session=instrument.session.udf_session(),
        exchange=instrument.exchange,
        listed_exchange=instrument.exchange,
        timezone="Etc/UTC" if timezone == "UTC" else timezone,
        minmov=instrument.minmov,
        pricescale=instrument.pricescale,
        has_intraday=True,
        has_daily=True,
        has_weekly_and_monthly=True,
        supported_resolutions=list(Resolution.SUPPORTED),
        intraday_multipliers=INTRADAY,
        daily_multipliers=["1"],
        weekly_multipliers=["1"],
        monthly_multipliers=["1"],
        volume_precision=_decimals(instrument.lot_step),
        data_status="streaming",
        currency_code=instrument.currency,
    )


@router.get(
    "/symbols",
    response_model=SymbolInfoRead,
    responses=_errors(404, 422),
    summary="Symbol information",
)
async def symbols(catalogue: CatalogueDep, symbol: SymbolQuery) -> SymbolInfoRead:
    return _symbol_info(_instrument(catalogue, symbol))


@router.get(
    "/search",
    response_model=list[SearchResultRead],
    responses=_errors(422),
    summary="Search symbols",
)
async def search(
    catalogue: CatalogueDep,
    query: Annotated[str, Query(max_length=64)] = "",
    symbol_type: Annotated[str, Query(alias="type", max_length=32)] = "",
    exchange: Annotated[str, Query(max_length=32)] = "",
    limit: Annotated[int, Query(ge=1, le=1000)] = 30,
) -> list[SearchResultRead]:
    wanted_exchange, _, text = query.strip().lower().rpartition(":")
    wanted_exchange = wanted_exchange or exchange.lower()
    found = [
        i
        for i in catalogue.values()
        if (text in i.symbol.lower() or text in i.description.lower())
        and (not symbol_type or i.asset_class.value == symbol_type.lower())
        and (not wanted_exchange or i.exchange.lower() == wanted_exchange)
    ]
    # Exact symbol first, then symbols starting with the text, then the rest.
    found.sort(key=lambda i: (i.symbol.lower() != text, not i.symbol.lower().startswith(text)))
    return [
        SearchResultRead(
            symbol=i.symbol,
            full_name=f"{i.exchange}:{i.symbol}",
            description=i.description,
            exchange=i.exchange,
            ticker=i.symbol,
            type=i.asset_class.value,
        )
        for i in found[:limit]
    ]


def _history_body(result: History, volume_decimals: int | None) -> bytes:
    bars = result.bars
    if len(bars) == 0:
        empty: dict[str, Any] = {"s": "no_data"}
        if result.next_time is not None:
            empty["nextTime"] = result.next_time
        return orjson.dumps(empty)
    # Sums of fractional volumes pick up binary noise (0.1 + 0.2); prices are never summed.
    volume = bars.volume if volume_decimals is None else np.round(bars.volume, volume_decimals)
    return orjson.dumps(
        {
            "s": "ok",
            "t": bars.ts,
            "o": bars.open,
            "h": bars.high,
            "l": bars.low,
            "c": bars.close,
            "v": volume,
        },
        option=orjson.OPT_SERIALIZE_NUMPY,
    )


@router.get(
    "/history",
    response_model=HistoryRead,
    responses=_errors(404, 422),
    summary="Bars of one symbol",
    description="Bars stamped in [`from`, `to`), or with `countback` the newest that many "
    "stamped before `to` (`from` is then ignored). At most `PROPDESK_HISTORY_MAX_BARS` bars "
    "per response (200,000 by default); a larger range is refused with 422.",
)
async def history_route(
    catalogue: CatalogueDep,
    settings: SettingsDep,
    cache: BarCacheDep,
    live: LiveDep,
    symbol: SymbolQuery,
    resolution: ResolutionQuery,
    from_ts: FromQuery,
    to: ToQuery,
    countback: Annotated[int | None, Query(description="Number of bars before `to`")] = None,
) -> Response:
    instrument = _instrument(catalogue, symbol)
    parsed = _resolution(resolution)
    _check_range(from_ts, to)
    limit = settings.history_max_bars
    if countback is not None and not 1 <= countback <= limit:
        raise UdfError(422, f"countback must be between 1 and {limit}")
    result = history(
        await cache.bars(instrument.symbol),
        live.forming_bar(instrument.symbol),
        instrument.session,
        parsed,
        from_ts=from_ts,
        to_ts=to,
        countback=countback,
    )
    if len(result.bars) > limit:
        raise UdfError(
            422,
            f"the range holds {len(result.bars)} bars, more than {limit}: "
            "narrow it or ask with countback",
        )
    aggregated = parsed != Resolution(Unit.minute, 1)
    volume_decimals = _decimals(instrument.lot_step) if aggregated else None
    return Response(_history_body(result, volume_decimals), media_type=JSON)


@router.get("/time", response_model=int, summary="Server time (UNIX seconds)")
async def server_time() -> int:
    return int(time.time())


async def _quote(
    name: str, catalogue: Catalogue, cache: BarCache, live: LiveState
) -> QuoteRead | QuoteErrorRead:
    instrument = find_instrument(catalogue, name)
    if instrument is None:
        return QuoteErrorRead(n=name)
    symbol, session = instrument.symbol, instrument.session
    quote = live.quote(symbol)
    if quote is not None:
        tick = quote.tick
        previous = quote.previous_close
        if previous is None:
            stored = await cache.bars(symbol)
            previous = close_before_trading_day(
                stored, live.forming_bar(symbol), session, int(tick.ts)
            )
        last, bid, ask = float(tick.last), float(tick.bid), float(tick.ask)
        day = (quote.session_open, quote.session_high, quote.session_low, quote.session_volume)
    else:
        summary = latest_trading_day(await cache.bars(symbol), live.forming_bar(symbol), session)
        if summary is None:
            return QuoteErrorRead(n=name)
        previous = summary.previous_close
        # Feed off or market closed: a one-tick market at the last close.
        last, bid, ask = summary.close, summary.close, summary.close + float(instrument.tick_size)
        day = (summary.open, summary.high, summary.low, summary.volume)

    def price(value: float) -> float:
        return round(value, instrument.price_decimals)

    change = 0.0 if previous is None else last - previous
    return QuoteRead(
        n=name,
        v=QuoteValuesRead(
            ch=price(change),
            chp=round(change / previous * 100, 2) if previous else 0.0,
            short_name=symbol,
            exchange=instrument.exchange,
            description=instrument.description,
            lp=price(last),
            ask=price(ask),
            bid=price(bid),
            spread=price(ask - bid),
            open_price=price(day[0]),
            high_price=price(day[1]),
            low_price=price(day[2]),
            prev_close_price=None if previous is None else price(previous),
            volume=round(day[3], _decimals(instrument.lot_step)),
        ),
    )


@router.get(
    "/quotes",
    response_model=QuotesRead,
    responses=_errors(422),
    summary="Quotes of several symbols",
    description="Without a live quote (feed off, market closed) the last stored close stands "
    "in, one tick wide, with the change against the previous trading day's close.",
)
async def quotes(
    catalogue: CatalogueDep,
    cache: BarCacheDep,
    live: LiveDep,
    symbols: Annotated[str, Query(min_length=1, max_length=2000, description="`ES,NQ,…`")],
) -> QuotesRead:
    names = list(dict.fromkeys(n.strip() for n in symbols.split(",") if n.strip()))
    if not names:
        raise UdfError(422, "symbols: name at least one symbol")
    if len(names) > MAX_QUOTE_SYMBOLS:
        raise UdfError(422, f"symbols: at most {MAX_QUOTE_SYMBOLS} per request")
    return QuotesRead(d=[await _quote(n, catalogue, cache, live) for n in names])


@router.get(
    "/marks",
    response_model=list[MarkRead],
    responses=_errors(404, 422),
    summary="Chart marks (none yet)",
)
async def marks(
    catalogue: CatalogueDep,
    symbol: SymbolQuery,
    resolution: ResolutionQuery,
    from_ts: FromQuery,
    to: ToQuery,
) -> list[MarkRead]:
    _instrument(catalogue, symbol)
    _resolution(resolution)
    _check_range(from_ts, to)
    return []


@router.get(
    "/timescale_marks",
    response_model=list[TimescaleMarkRead],
    responses=_errors(404, 422),
    summary="Time-scale marks (none yet)",
)
async def timescale_marks(
    catalogue: CatalogueDep,
    symbol: SymbolQuery,
    resolution: ResolutionQuery,
    from_ts: FromQuery,
    to: ToQuery,
) -> list[TimescaleMarkRead]:
    _instrument(catalogue, symbol)
    _resolution(resolution)
    _check_range(from_ts, to)
    return []
