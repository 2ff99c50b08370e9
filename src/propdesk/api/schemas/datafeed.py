"""The TradingView UDF datafeed shapes, field names as the UDF adapter reads them."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class UdfErrorRead(BaseModel):
    """Every error of the datafeed routes, in the shape UDF clients read (not problem+json)."""

    s: Literal["error"] = "error"
    errmsg: str


class ExchangeRead(BaseModel):
    value: str
    name: str
    desc: str


class SymbolTypeRead(BaseModel):
    name: str
    value: str


class DatafeedConfigRead(BaseModel):
    supported_resolutions: list[str]
    supports_search: bool
    supports_group_request: bool
    supports_marks: bool
    supports_timescale_marks: bool
    supports_time: bool
    exchanges: list[ExchangeRead]
    symbols_types: list[SymbolTypeRead]


class SymbolInfoRead(BaseModel):
    """TradingView's LibrarySymbolInfo."""

    name: str
    ticker: str
    full_name: str
    description: str
    type: str
    session: str = Field(description="Trading hours in TradingView's notation, in `timezone`.")
    exchange: str
    listed_exchange: str
    timezone: str
    format: Literal["price"] = "price"
    minmov: int
    pricescale: int
    has_intraday: bool
    has_daily: bool
    has_weekly_and_monthly: bool
    supported_resolutions: list[str]
    intraday_multipliers: list[str]
    daily_multipliers: list[str]
    weekly_multipliers: list[str]
    monthly_multipliers: list[str]
    volume_precision: int
    visible_plots_set: Literal["ohlcv"] = "ohlcv"
    data_status: Literal["streaming", "endofday", "delayed_streaming"]
    currency_code: str


class SearchResultRead(BaseModel):
    symbol: str
    full_name: str
    description: str
    exchange: str
    ticker: str
    type: str


class HistoryRead(BaseModel):
    """Bars as parallel arrays, ascending by `t` (UNIX seconds, bar open; daily and longer bars
    at 00:00 UTC of the trading day). `no_data` carries `nextTime` when older bars exist."""

    model_config = ConfigDict(populate_by_name=True)

    s: Literal["ok", "no_data"]
    t: list[int] | None = None
    o: list[float] | None = None
    h: list[float] | None = None
    l: list[float] | None = None  # noqa: E741 - the UDF's field name
    c: list[float] | None = None
    v: list[float] | None = None
    next_time: int | None = Field(
        None, alias="nextTime", description="With `no_data`: the time of the newest older bar."
    )


class QuoteValuesRead(BaseModel):
    ch: float = Field(description="Change against the previous trading day's close.")
    chp: float = Field(description="Change in percent.")
    short_name: str
    exchange: str
    description: str
    lp: float = Field(description="Last price.")
    ask: float
    bid: float
    spread: float
    open_price: float
    high_price: float
    low_price: float
    prev_close_price: float | None
    volume: float


class QuoteRead(BaseModel):
    s: Literal["ok"] = "ok"
    n: str
    v: QuoteValuesRead


class QuoteErrorRead(BaseModel):
    """A symbol without a quote (unknown, or never traded) inside an otherwise ok answer."""

    s: Literal["error"] = "error"
    n: str
    v: dict[str, Any] = Field(default_factory=dict)


class QuotesRead(BaseModel):
    s: Literal["ok"] = "ok"
    d: list[QuoteRead | QuoteErrorRead]


class MarkRead(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    id: str | int
    time: int
    color: str
    text: str
    label: str
    label_font_color: str = Field(alias="labelFontColor")
    min_size: int = Field(alias="minSize")


class TimescaleMarkRead(BaseModel):
    id: str | int
    time: int
    color: str
    label: str
    tooltip: list[str]
