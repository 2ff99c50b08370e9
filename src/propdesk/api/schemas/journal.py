"""The journal: round trips (trades), the trader's notes on them, and the analytics."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    HttpUrl,
    StringConstraints,
    TypeAdapter,
    ValidationError,
)
from pydantic_core import PydanticCustomError

from propdesk.analytics import CalendarDay, EquityPoint, GroupBy, Metrics
from propdesk.api.schemas.orders import Label, printable
from propdesk.wire.journal import TradeBase
from propdesk.wire.numbers import Number

MAX_NOTES = 10_000
MAX_TAGS = 20
MAX_TAG = 32
MAX_URL = 2_000


class TradeRead(TradeBase):
    __doc__ = (
        f"{TradeBase.__doc__}\n\n    `setup`, `tags`, `notes` and `screenshot_url` are the "
        "trader's once written (`PATCH`): they replace what the orders carried."
    )


class TradeList(BaseModel):
    trades: list[TradeRead]
    total: int = Field(description="Trades that match, over every page.")
    limit: int
    offset: int


# ---------------------------------------------------------------------- the trader's notes

_NOT_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_HTTP_URL: TypeAdapter[HttpUrl] = TypeAdapter(HttpUrl)


def _text(value: str) -> str:
    if _NOT_TEXT.search(value):
        raise PydanticCustomError(
            "string_not_text", "must be text: no control characters but tabs and line breaks"
        )
    return value


def _http_url(value: str) -> str:
    """An absolute http(s) URL, kept as given (the parser would rewrite some)."""
    if not value.isprintable() or " " in value:
        raise PydanticCustomError("url_parsing", "must be a URL: no spaces or control characters")
    try:
        _HTTP_URL.validate_python(value)
    except ValidationError:
        raise PydanticCustomError("url_parsing", "must be an absolute http or https URL") from None
    return value


Notes = Annotated[str, StringConstraints(max_length=MAX_NOTES), AfterValidator(_text)]
Tag = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_TAG),
    AfterValidator(printable),
]
ScreenshotUrl = Annotated[
    str, StringConstraints(min_length=1, max_length=MAX_URL), AfterValidator(_http_url)
]


class TradeUpdate(BaseModel):
    """What the trader writes on a trade; a field left out stays as it is."""

    model_config = ConfigDict(extra="forbid")

    notes: Notes = Field(
        default="",
        description=f'Free text, up to {MAX_NOTES:,} characters; "" clears it. Omitted: unchanged.',
    )
    tags: list[Tag] = Field(
        default_factory=list,
        max_length=MAX_TAGS,
        description=f"Replaces the trade's tags: up to {MAX_TAGS}, each 1–{MAX_TAG} printable "
        "characters (surrounding whitespace stripped; repeats kept once); [] clears them. "
        "Omitted: unchanged.",
        examples=[["a-plus", "news"]],
    )
    setup: Label | None = Field(
        default=None,
        description="The setup, 1–64 printable characters (in place of the entry order's "
        "`tag`). Null clears it. Omitted: unchanged.",
        examples=["opening-range"],
    )
    screenshot_url: ScreenshotUrl | None = Field(
        default=None,
        description=f"An http(s) URL of up to {MAX_URL:,} characters, kept as given. Null "
        "removes it. Omitted: unchanged.",
    )

    def changes(self) -> dict[str, Any]:
        """The note's fields to set: those given, in the note's terms (a setup cleared is
        "", which hides the entry order's tag too)."""
        given = self.model_fields_set
        changes: dict[str, Any] = {}
        if "notes" in given:
            changes["notes"] = self.notes
        if "tags" in given:
            changes["tags"] = list(dict.fromkeys(self.tags))
        if "setup" in given:
            changes["setup"] = "" if self.setup is None else self.setup
        if "screenshot_url" in given:
            changes["screenshot_url"] = self.screenshot_url
        return changes


# ---------------------------------------------------------------------- analytics


class MetricsRead(BaseModel):
    """Performance figures over the account's closed trades (every figure is defined in its
    field's description). A figure that does not exist for the trades at hand is null, never
    NaN or infinity; `profit_factor_infinite` and `sortino_infinite` tell an unbounded ratio
    from a missing one."""

    # The figures' descriptions are the analytics' own docstrings (`analytics.Metrics`).
    model_config = ConfigDict(use_attribute_docstrings=True)

    metrics: Metrics
    groups: dict[str, Metrics] | None = Field(
        description="With `group_by`: the same figures per group that has trades (a label's "
        'value, "" for trades without one; a weekday of the close\'s trading day, "monday" … '
        '"sunday"; an hour of the entry, "00" … "23"). Null without `group_by`.'
    )
    group_by: GroupBy | None
    window: int | None = Field(description="The last this many closed trades; null: all.")
    breakeven: Number = Field(
        description="The breakeven band in money: a trade with |net P&L| ≤ it is breakeven."
    )
    starting_balance: Number = Field(
        description="The account's starting balance: the equity before the first day, for "
        "the daily returns of `sharpe` and `sortino`."
    )
    risk_per_trade: Number = Field(
        description="The account's 1R in money, the R of every trade without a stop of its "
        "own (a trade with an initial stop is in its own R: the money it risked there)."
    )
    definitions_url: str = Field(
        description="Where each figure is defined: this schema in the OpenAPI document."
    )


class EquityPointRead(BaseModel):
    """The account after one trade (or one trading day), counting closed trades only."""

    time: datetime = Field(description="The trade's close, or the close of the day's last trade.")
    day: date = Field(description="Its trading day (the calendar of the account's rules).")
    equity: float = Field(description="Starting balance + the cumulative net P&L to this point.")
    pnl: float = Field(description="The cumulative net P&L to this point (Alpaca's `profit_loss`).")
    period_pnl: float = Field(description="The net P&L of this trade, or of this day.")
    drawdown: float = Field(
        description="The highest equity so far (the starting balance included) − equity: ≥ 0."
    )

    @classmethod
    def of(cls, point: EquityPoint) -> Self:
        return cls(
            time=datetime.fromtimestamp(point.time, UTC),
            day=date.fromisoformat(point.day),
            equity=point.equity,
            pnl=point.pnl,
            period_pnl=point.period_pnl,
            drawdown=point.drawdown,
        )


class EquityRead(BaseModel):
    """The equity curve of the closed trades (as Alpaca's portfolio history, one object a
    point), in time order; open positions are not in it."""

    granularity: Literal["trade", "day"]
    starting_balance: Number = Field(description="Where the curve starts (Alpaca's `base_value`).")
    points: list[EquityPointRead]


class CalendarRead(BaseModel):
    """A month of trading days with a close (the calendar of the account's rules: a CME day
    ends at 17:00 Chicago, a crypto one at 00:00 UTC); days without one are left out."""

    model_config = ConfigDict(use_attribute_docstrings=True)

    month: str = Field(examples=["2025-01"])
    days: list[CalendarDay]


# ---------------------------------------------------------------------- CSV

TRADE_COLUMNS = tuple(TradeRead.model_fields)
"""The export's columns: a trade's fields, in the JSON's order."""


def _cell(value: Any) -> str:
    """Decimals exactly (no exponent, no float), times as the JSON's, lists as JSON."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return "0" if value == 0 else format(value.normalize(), "f")
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def csv_text(rows: Iterable[Iterable[Any]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue()


def csv_header() -> str:
    return csv_text([TRADE_COLUMNS])


def csv_lines(trades: Iterable[TradeRead]) -> str:
    return csv_text([_cell(getattr(trade, name)) for name in TRADE_COLUMNS] for trade in trades)
