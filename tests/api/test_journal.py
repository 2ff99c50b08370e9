"""The journal tried as a new user would: a session of MNQ traded through the API, then read
back as trades, notes, metrics, a calendar, an equity curve and a CSV, every figure worked
out by hand.

MNQ: $2 a point, $0.62 a contract a side. The session, on an account of 1,000,000 whose R is
set to 100 (`PATCH /accounts/{id}`), Monday 6 January 2025 (Chicago time):

1. 12:00 a bracket: long 1 at 21,000.25, stop 20,980.00 (1R = 20.25 × 2 = 40.50), take
   profit 21,050.00; at 12:01 the bid drops to 20,979.75 and the stop sells there:
   gross (20,979.75 − 21,000.25) × 2 = −41.00, fees 1.24, net −42.24, R −42.24 ÷ 40.50.
2. 12:02 `strategy=orb`, `tag=breakout`: long 1 at 21,000.25, 12:03 one more at 21,010.25
   (average 21,005.25), 12:04 sell 1 at 21,020.00, 12:05 sell 1 at 21,030.00:
   gross (21,020 + 21,030 − 21,000.25 − 21,010.25) × 2 = 79.00, fees 2.48, net 76.52,
   no stop: R 76.52 ÷ 100.
3. 17:30 (Tuesday's trading day on the CME's calendar; still Monday in UTC): long 1 at
   21,030.25, 17:31 sell 3 at 21,040.00, a reversal: this trip closes with gross 19.50 and
   fees 0.62 + 1.86 × 1/3 = 1.24, net 18.26;
4. the reversal's remaining 2 open short at 21,040.00 (fees 1.24), and 17:32 buy 2 back at
   21,035.25: gross 4.75 × 2 × 2 = 19.00, fees 2.48, net 16.52.
5. 17:33 long 1 at 21,035.25, left open: net −0.62 so far.

Closed: 3 wins (111.30), 1 loss (−42.24); net 69.06 over 4 trades.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from conftest import Desk, MakeDesk
    from propdesk.services import Services

NOON = datetime(2025, 1, 6, 18, tzinfo=UTC).timestamp()
"""Monday 6 January 2025, 12:00 in Chicago."""
EVENING = datetime(2025, 1, 6, 23, 30, tzinfo=UTC).timestamp()
"""17:30 in Chicago: the CME's Tuesday has begun."""
MNQ = {"symbol": "MNQ"}


class Session:
    """A clock the engine reads, and quotes at it."""

    def __init__(self, desk: Desk, services: Services, start: float) -> None:
        self.desk = desk
        self.now = start
        services.engine.clock = lambda: self.now

    async def at(self, ts: float, bid: str, ask: str) -> None:
        self.now = ts
        await self.desk.quote("MNQ", bid, ask, ts=ts)

    async def market(self, side: str, qty: int, **labels: Any) -> dict[str, Any]:
        return await self.desk.placed(**MNQ, side=side, type="market", qty=qty, **labels)


async def trade_the_session(desk: Desk, services: Services) -> None:
    patched = await desk.request("PATCH", "", json={"risk_per_trade": 100})
    assert patched.status_code == 200, patched.text
    session = Session(desk, services, NOON)
    # 1. a bracket stopped out
    await session.at(NOON, "21000.00", "21000.25")
    await desk.placed(
        **MNQ,
        qty=1,
        time_in_force="gtc",
        order_class="bracket",
        take_profit={"limit_price": 21050},
        stop_loss={"stop_price": 20980},
    )
    await session.at(NOON + 60, "20979.75", "20980.00")
    # 2. scale in, scale out
    await session.at(NOON + 120, "21000.00", "21000.25")
    await session.market("buy", 1, strategy="orb", tag="breakout")
    await session.at(NOON + 180, "21010.00", "21010.25")
    await session.market("buy", 1, strategy="orb", tag="breakout")
    await session.at(NOON + 240, "21020.00", "21020.25")
    await session.market("sell", 1, strategy="orb")
    await session.at(NOON + 300, "21030.00", "21030.25")
    await session.market("sell", 1, strategy="orb")
    # 3. and 4. a reversal, then its short covered
    await session.at(EVENING, "21030.00", "21030.25")
    await session.market("buy", 1)
    await session.at(EVENING + 60, "21040.00", "21040.25")
    await session.market("sell", 3)
    await session.at(EVENING + 120, "21035.00", "21035.25")
    await session.market("buy", 2)
    # 5. left open
    await session.at(EVENING + 180, "21035.00", "21035.25")
    await session.market("buy", 1)


@pytest.fixture
async def traded(make_desk: MakeDesk, services: Services) -> Desk:
    services.engine.clock = lambda: NOON  # the account opens on the session's day
    desk = await make_desk()
    await trade_the_session(desk, services)
    return desk


async def _json(desk: Desk, path: str, **params: Any) -> Any:
    response = await desk.get(path, **params)
    assert response.status_code == 200, response.text
    return response.json()


def _trip(desk: Desk, n: int) -> str:
    return f"{desk.account_id}:MNQ:{n}"


async def test_trades_when_a_session_was_traded_then_each_trip_as_worked_out(
    traded: Desk,
) -> None:
    listed = await _json(traded, "/trades")

    assert (listed["total"], listed["limit"], listed["offset"]) == (5, 50, 0)
    trades = listed["trades"]
    assert [t["id"] for t in trades] == [_trip(traded, n) for n in (5, 4, 3, 2, 1)]
    by_seq = {int(t["id"].rsplit(":", 1)[1]): t for t in trades}
    stopped, scaled, long_leg, short_leg, held = (by_seq[n] for n in (1, 2, 3, 4, 5))
    assert (stopped["side"], stopped["status"], stopped["initial_stop"]) == (
        "long", "closed", 20980,
    )  # fmt: skip
    assert (stopped["avg_entry_price"], stopped["avg_exit_price"]) == (21000.25, 20979.75)
    assert (stopped["gross_pnl"], stopped["fees"], stopped["net_pnl"]) == (-41, 1.24, -42.24)
    assert (stopped["risk"], stopped["risk_source"]) == (40.5, "stop")
    assert stopped["r_multiple"] == -1.043  # −42.24 ÷ 40.50 = −1.04296…
    assert (stopped["opened_at"], stopped["closed_at"]) == (
        "2025-01-06T18:00:00Z", "2025-01-06T18:01:00Z",
    )  # fmt: skip
    assert stopped["duration"] == 60
    assert (scaled["strategy"], scaled["setup"], scaled["tags"]) == ("orb", "breakout", [])
    assert (scaled["entry_qty"], scaled["exit_qty"], scaled["max_qty"]) == (2, 2, 2)
    assert (scaled["avg_entry_price"], scaled["avg_exit_price"]) == (21005.25, 21025)
    assert (scaled["gross_pnl"], scaled["fees"], scaled["net_pnl"]) == (79, 2.48, 76.52)
    assert (scaled["risk"], scaled["risk_source"], scaled["r_multiple"]) == (
        100, "default", 0.7652,
    )  # fmt: skip
    assert (long_leg["side"], long_leg["net_pnl"], long_leg["fees"]) == ("long", 18.26, 1.24)
    assert (short_leg["side"], short_leg["entry_qty"], short_leg["net_pnl"]) == (
        "short", 2, 16.52,
    )  # fmt: skip
    assert short_leg["fill_ids"][0] == long_leg["fill_ids"][-1]  # the reversal's fill
    assert (held["status"], held["qty"], held["net_pnl"], held["closed_at"]) == (
        "open", 1, -0.62, None,
    )  # fmt: skip


async def test_trades_when_summed_then_they_are_the_accounts_realized_pnl_less_fees(
    traded: Desk,
) -> None:
    trades = (await _json(traded, "/trades"))["trades"]
    account = await traded.account()

    net = sum(Decimal(str(t["net_pnl"])) for t in trades)
    assert net == Decimal("68.44")
    expected = Decimal(str(account["realized_pnl"])) - Decimal(str(account["commissions"]))
    assert net == expected  # 76.50 − 8.06


@pytest.mark.parametrize(
    ("params", "seqs"),
    [
        ({"status": "open"}, [5]),
        ({"status": "closed"}, [4, 3, 2, 1]),
        ({"side": "short"}, [4]),
        ({"strategy": "orb"}, [2]),
        ({"setup": "breakout"}, [2]),
        ({"symbol": "mnq", "status": "closed", "limit": 2, "offset": 1}, [3, 2]),
        ({"symbol": "ES"}, []),
        ({"from": "2025-01-06T23:00:00Z"}, [5, 4, 3]),
        ({"to": str(int(EVENING))}, [2, 1]),  # UNIX seconds; `to` is exclusive
        ({"from": "2025-01-06T18:02:00", "to": EVENING + 60}, [3, 2]),
    ],
)
async def test_trades_when_filtered_then_only_the_matching_newest_first(
    traded: Desk, params: dict[str, Any], seqs: list[int]
) -> None:
    listed = await _json(traded, "/trades", **params)

    assert [t["id"] for t in listed["trades"]] == [_trip(traded, n) for n in seqs]
    if "limit" not in params:
        assert listed["total"] == len(seqs)


async def test_trade_when_read_by_id_then_as_listed_also_url_encoded(traded: Desk) -> None:
    listed = (await _json(traded, "/trades"))["trades"]

    one = await _json(traded, f"/trades/{_trip(traded, 2)}")
    encoded = await _json(traded, f"/trades/{_trip(traded, 2).replace(':', '%3A')}")

    assert one == encoded == listed[3]


async def test_recent_when_asked_then_the_last_closed_trips_last_closed_first(
    traded: Desk,
) -> None:
    recent = await _json(traded, "/trades/recent/3")

    assert [t["id"] for t in recent["trades"]] == [_trip(traded, n) for n in (4, 3, 2)]
    assert (recent["total"], recent["limit"], recent["offset"]) == (4, 3, 0)


async def test_patch_when_notes_tags_and_setup_are_written_then_shown_and_filtered(
    traded: Desk,
) -> None:
    trip = _trip(traded, 1)
    body = {
        "notes": "moved too early\nnext time: wait for the retest",
        "tags": ["fomo", " late ", "fomo"],
        "setup": "failed-breakout",
        "screenshot_url": "https://example.com/charts/1.png",
    }

    patched = await traded.request("PATCH", f"/trades/{trip}", json=body)

    assert patched.status_code == 200, patched.text
    trade = patched.json()
    assert (trade["notes"], trade["tags"], trade["setup"]) == (
        body["notes"], ["fomo", "late"], "failed-breakout",
    )  # fmt: skip
    assert trade["screenshot_url"] == body["screenshot_url"]
    assert trade["net_pnl"] == -42.24  # the engine's figures untouched
    assert trade["updated_at"] > "2025-01-06T18:01:00Z"  # when it was written on
    assert await _json(traded, f"/trades/{trip}") == trade
    by_tag = await _json(traded, "/trades", tag="late")
    by_setup = await _json(traded, "/trades", setup="failed-breakout")
    assert [t["id"] for t in by_tag["trades"]] == [trip]
    assert [t["id"] for t in by_setup["trades"]] == [trip]
    assert (await _json(traded, "/trades", tag="fom"))["trades"] == []


async def test_patch_when_fields_are_left_out_then_they_stay_and_null_clears(
    traded: Desk,
) -> None:
    trip = _trip(traded, 2)
    await traded.request(
        "PATCH", f"/trades/{trip}", json={"notes": "clean", "tags": ["a"], "setup": "orb-long"}
    )

    tags_only = await traded.request("PATCH", f"/trades/{trip}", json={"tags": ["b"]})
    cleared = await traded.request("PATCH", f"/trades/{trip}", json={"setup": None, "tags": []})

    assert (tags_only.json()["notes"], tags_only.json()["setup"]) == ("clean", "orb-long")
    assert tags_only.json()["tags"] == ["b"]
    # The trader cleared the setup: the entry order's tag ("breakout") is hidden too.
    assert (cleared.json()["setup"], cleared.json()["tags"]) == (None, [])
    assert cleared.json()["notes"] == "clean"
    assert (await _json(traded, "/trades", setup="breakout"))["trades"] == []


async def test_metrics_when_the_session_was_traded_then_the_hand_worked_figures(
    traded: Desk,
) -> None:
    body = await _json(traded, "/metrics")

    metrics = body["metrics"]
    assert (metrics["total_trades"], metrics["window_trades"]) == (4, 4)
    assert (metrics["total_wins"], metrics["total_losses"], metrics["total_breakeven"]) == (
        3, 1, 0,
    )  # fmt: skip
    assert metrics["win_rate"] == 0.75
    assert metrics["profit_factor"] == pytest.approx(111.30 / 42.24)
    assert metrics["profit_factor_infinite"] is False
    assert metrics["net_pnl"] == 69.06  # exactly: the float sums are rounded to 10 places
    assert metrics["expectancy"] == 17.265
    r = [-42.24 / 40.5, 0.7652, 0.1826, 0.1652]
    assert metrics["expected_r"] == pytest.approx(sum(r) / 4)
    assert metrics["avg_win_r"] == pytest.approx((0.7652 + 0.1826 + 0.1652) / 3)
    assert metrics["avg_loss_r"] == pytest.approx(-42.24 / 40.5)
    assert metrics["payoff_ratio"] == pytest.approx((111.30 / 3) / 42.24)
    assert metrics["max_drawdown"] == 42.24  # the first trade, from 0
    assert (metrics["trading_days"], metrics["best_day"]) == (2, 34.78)
    assert metrics["worst_day"] == 34.28  # 76.52 − 42.24 on Monday
    assert metrics["consistency"] == pytest.approx(34.78 / 69.06)
    assert metrics["sharpe"] is not None
    assert metrics["win_rate_wilson_lb"] == pytest.approx(0.3006, abs=1e-4)
    assert body["groups"] is None
    assert (body["starting_balance"], body["risk_per_trade"], body["breakeven"]) == (
        1_000_000, 100, 0,
    )  # fmt: skip
    assert body["definitions_url"] == "/api/v1/openapi.json#/components/schemas/Metrics"


async def test_metrics_when_grouped_by_setup_then_the_traders_setups_count(
    traded: Desk,
) -> None:
    await traded.request("PATCH", f"/trades/{_trip(traded, 1)}", json={"setup": "breakout"})

    body = await _json(traded, "/metrics", group_by="setup")

    groups = body["groups"]
    assert list(groups) == ["", "breakout"]
    assert (groups["breakout"]["window_trades"], groups[""]["window_trades"]) == (2, 2)
    assert groups["breakout"]["net_pnl"] == pytest.approx(76.52 - 42.24)
    assert groups["breakout"]["win_rate"] == 0.5
    assert groups[""]["profit_factor"] is None
    assert groups[""]["profit_factor_infinite"] is True  # two wins, no loss
    assert body["metrics"]["window_trades"] == 4


@pytest.mark.parametrize(
    ("params", "groups"),
    [
        ({"group_by": "weekday"}, {"monday": 2, "tuesday": 2}),  # the CME's days
        ({"group_by": "hour"}, {"18": 2, "23": 2}),  # of the entry, UTC
        ({"group_by": "hour", "timezone": "America/Chicago"}, {"12": 2, "17": 2}),
        ({"group_by": "strategy"}, {"": 3, "orb": 1}),
    ],
)
async def test_metrics_when_grouped_by_time_or_label_then_a_group_each(
    traded: Desk, params: dict[str, Any], groups: dict[str, int]
) -> None:
    body = await _json(traded, "/metrics", **params)

    assert {key: group["window_trades"] for key, group in body["groups"].items()} == groups
    assert body["group_by"] == params["group_by"]


@pytest.mark.parametrize(
    ("params", "trades", "net"),
    [
        ({"window": 2}, 2, 18.26 + 16.52),
        ({"setup": "breakout"}, 1, 76.52),
        ({"to": "2025-01-06T23:00:00Z"}, 2, 34.28),
        ({"side": "short"}, 1, 16.52),
        ({"breakeven": 20}, 4, 69.06),
    ],
)
async def test_metrics_when_narrowed_then_over_those_trades_only(
    traded: Desk, params: dict[str, Any], trades: int, net: float
) -> None:
    metrics = (await _json(traded, "/metrics", **params))["metrics"]

    assert (metrics["window_trades"], metrics["net_pnl"]) == (trades, pytest.approx(net))
    if "breakeven" in params:  # |18.26| and |16.52| ≤ 20: neither wins nor losses
        assert (metrics["total_wins"], metrics["total_breakeven"]) == (1, 2)
        assert metrics["win_rate"] == 0.5


async def test_calendar_when_the_session_spans_two_cme_days_then_a_row_each(
    traded: Desk,
) -> None:
    body = await _json(traded, "/calendar", month="2025-01")

    assert body["month"] == "2025-01"
    monday, tuesday = body["days"]
    assert (monday["day"], monday["trades"]) == ("2025-01-06", 2)
    assert monday["pnl"] == 34.28
    assert monday["r"] == pytest.approx(-42.24 / 40.5 + 0.7652)
    assert (tuesday["day"], tuesday["trades"]) == ("2025-01-07", 2)  # 17:30 Chicago on
    assert tuesday["pnl"] == 34.78
    assert tuesday["r"] == 0.3478
    assert (await _json(traded, "/calendar", month="2024-12"))["days"] == []


async def test_equity_when_read_by_trade_and_by_day_then_the_closed_trips_curve(
    traded: Desk,
) -> None:
    by_trade = await _json(traded, "/equity")
    by_day = await _json(traded, "/equity", granularity="day")

    assert (by_trade["granularity"], by_trade["starting_balance"]) == ("trade", 1_000_000)
    points = by_trade["points"]
    assert [p["period_pnl"] for p in points] == [-42.24, 76.52, 18.26, 16.52]
    assert [p["pnl"] for p in points] == [-42.24, 34.28, 52.54, 69.06]
    assert [p["equity"] for p in points] == [
        999_957.76, 1_000_034.28, 1_000_052.54, 1_000_069.06,
    ]  # fmt: skip
    assert [p["drawdown"] for p in points] == [42.24, 0, 0, 0]
    assert points[0]["time"] == "2025-01-06T18:01:00Z"
    assert [p["day"] for p in points] == ["2025-01-06"] * 2 + ["2025-01-07"] * 2
    assert [(p["day"], p["time"]) for p in by_day["points"]] == [
        ("2025-01-06", "2025-01-06T18:05:00Z"),
        ("2025-01-07", "2025-01-06T23:32:00Z"),
    ]
    assert [p["equity"] for p in by_day["points"]] == [1_000_034.28, 1_000_069.06]


async def test_csv_when_exported_then_the_same_trades_as_the_json_exactly(
    traded: Desk,
) -> None:
    await traded.request("PATCH", f"/trades/{_trip(traded, 2)}", json={"tags": ["a, b", 'q"']})
    listed = (await _json(traded, "/trades"))["trades"]

    response = await traded.get("/trades.csv")

    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    disposition = response.headers["content-disposition"]
    assert disposition == f'attachment; filename="trades-{traded.account_id}.csv"'
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert list(rows[0]) == list(listed[0])
    assert [row["id"] for row in rows] == [t["id"] for t in listed]
    for row, trade in zip(rows, listed, strict=True):
        assert row["opened_at"] == trade["opened_at"]
        assert row["closed_at"] == (trade["closed_at"] or "")
        for name in ("net_pnl", "gross_pnl", "fees", "avg_entry_price", "qty", "r_multiple"):
            assert Decimal(row[name]) == Decimal(str(trade[name])), name
    by_id = {row["id"]: row for row in rows}
    assert by_id[_trip(traded, 1)]["net_pnl"] == "-42.24"  # exact, no float
    assert by_id[_trip(traded, 5)]["avg_exit_price"] == ""
    assert by_id[_trip(traded, 2)]["tags"] == '["a, b", "q\\""]'


async def test_csv_when_filtered_then_as_the_list(traded: Desk) -> None:
    response = await traded.get("/trades.csv", status="closed", side="long")

    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [row["id"] for row in rows] == [_trip(traded, n) for n in (3, 2, 1)]
