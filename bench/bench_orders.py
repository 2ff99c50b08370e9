"""The paper broker: the engine core's ticks per second with 10,000 working orders across 10
symbols, and order placement end to end (authenticated HTTP POST → engine → commit → 201),
each beside its ceiling measured in the same run.

- Engine core: `Broker.on_tick` over a random walk of 100,000 ticks while 10,000 orders of
  1,000 accounts work (limits on both sides, stops, some trailing stops), each account
  holding a position of 1 in one symbol; the ceiling is a bare loop over the same ticks that
  only records the last quote per symbol.
- Engine core with risk on: the same books, positions and ticks (same seeds), the 1,000
  accounts opened under a rule set with every loss rule set, too wide to breach: every tick
  values and checks the ~100 accounts holding its symbol. The ceiling is the risk-off figure
  of the same rounds (alternating which goes first).
- Placement: the real app as a uvicorn subprocess on a temporary SQLite file, rate limits
  off, a bearer token per request; the ceiling is a bare FastAPI endpoint in another
  subprocess validating the same body with the same Pydantic model and answering 201. The
  same lean load generator (bench.loadgen) drives both with the same concurrency.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import orjson
from fastapi import FastAPI

from bench.harness import Result, percentile, server
from bench.loadgen import run_load
from propdesk.api.schemas.orders import OrderCreate
from propdesk.domain.bars import Tick
from propdesk.domain.broker import Broker
from propdesk.domain.commands import SubmitOrder
from propdesk.domain.events import Event, RiskBreached
from propdesk.domain.orders import OrderSide, OrderType, TimeInForce, sequential_ids
from propdesk.domain.risk import RuleSet
from propdesk.marketdata.catalogue import Catalogue

SYMBOLS = ("ES", "MES", "NQ", "MNQ", "YM", "MYM", "RTY", "M2K", "CL", "GC")
ACCOUNTS, ORDERS_PER_ACCOUNT = 1_000, 10
RISK_RULES = RuleSet(
    "bench", daily_loss_limit=Decimal(10**9), max_loss=Decimal(10**9), max_contracts=10**6
)
"""Every loss rule set, far too wide to breach in the run: the cost of checking, not acting."""
RISK_RATIO_TARGET = 0.7
TICKS = 100_000
START = datetime(2026, 3, 10, 15, 0, tzinfo=UTC).timestamp()  # a Tuesday: CME is open
TRAILING_SHARE = 0.02
CONNECTIONS = 32
LOAD_SECONDS = 6.0
ROUNDS = 3
PLACEMENT_ROUNDS = 5
WARMUP_SECONDS = 3.0
"""Rounds of each load (ours and the ceiling, paired): the machines are shared and noisy."""


# --------------------------------------------------------------------------- engine core


def _engine_setup(seed: int, *, risk: bool = False) -> tuple[Broker, list[Tick]]:
    """The broker and the ticks of one round. `risk` only adds the rule set to each account:
    the orders, positions and ticks are the same for the same seed either way."""
    catalogue = Catalogue.load()
    rng = random.Random(seed)
    broker = Broker(catalogue, ids=sequential_ids())
    prices: dict[str, Decimal] = {}
    for symbol in SYMBOLS:
        instrument = catalogue[symbol]
        price = Decimal(str(instrument.reference_price))
        prices[symbol] = price
        broker.on_tick(Tick(symbol, START, price, price, price + instrument.tick_size, Decimal(1)))
    now = START + 1
    for a in range(ACCOUNTS):
        account_id = f"acct-{a}"
        broker.open_account(account_id, Decimal(10**12), now, RISK_RULES if risk else None)
        # A position of 1, spread across the symbols (and sides), so that marks reach every
        # account; it takes nothing from `rng`, so the working orders are the same either way.
        held = SYMBOLS[a % len(SYMBOLS)]
        side = OrderSide.buy if (a // len(SYMBOLS)) % 2 == 0 else OrderSide.sell
        market = SubmitOrder(account_id, held, side, Decimal(1), OrderType.market, TimeInForce.gtc)
        broker.apply(market, now)
        for _ in range(ORDERS_PER_ACCOUNT):
            symbol = rng.choice(SYMBOLS)
            tick_size = catalogue[symbol].tick_size
            offset = tick_size * rng.randint(5, 400)
            kind = rng.random()
            side = rng.choice((OrderSide.buy, OrderSide.sell))
            below = prices[symbol] - offset
            above = prices[symbol] + offset
            if kind < TRAILING_SHARE:
                command = SubmitOrder(
                    account_id, symbol, side, Decimal(1), OrderType.trailing_stop,
                    TimeInForce.gtc, trail_price=offset,
                )  # fmt: skip
            elif kind < 0.15:
                stop = above if side is OrderSide.buy else below
                command = SubmitOrder(
                    account_id, symbol, side, Decimal(1), OrderType.stop, TimeInForce.gtc,
                    stop_price=stop,
                )  # fmt: skip
            else:
                limit = below if side is OrderSide.buy else above
                command = SubmitOrder(
                    account_id, symbol, side, Decimal(1), OrderType.limit, TimeInForce.gtc,
                    limit_price=limit,
                )  # fmt: skip
            broker.apply(command, now)
    working = sum(len(broker.orders(f"acct-{a}", open_only=True)) for a in range(ACCOUNTS))
    if working < ACCOUNTS * ORDERS_PER_ACCOUNT * 0.99:
        raise RuntimeError(f"only {working} orders are working")
    holding = sum(1 for a in range(ACCOUNTS) if broker.positions(f"acct-{a}"))
    if holding != ACCOUNTS:
        raise RuntimeError(f"only {holding} of {ACCOUNTS} accounts hold a position")
    guarded = sum(1 for a in range(ACCOUNTS) if broker.risk(f"acct-{a}") is not None)
    if guarded != (ACCOUNTS if risk else 0):
        raise RuntimeError(f"{guarded} accounts are guarded (risk {'on' if risk else 'off'})")
    ticks = []
    ts = START + 2
    for i in range(TICKS):
        symbol = SYMBOLS[i % len(SYMBOLS)]
        tick_size = catalogue[symbol].tick_size
        prices[symbol] += tick_size * rng.choice((-1, 0, 1))
        last = prices[symbol]
        ts += 0.001
        ticks.append(Tick(symbol, ts, last, last, last + tick_size, Decimal(rng.randint(1, 20))))
    return broker, ticks


def _run_ticks(broker: Broker, ticks: list[Tick]) -> tuple[float, list[Event]]:
    """Ticks per second through `broker.on_tick`, and every event the run produced."""
    on_tick = broker.on_tick
    produced: list[Event] = []
    began = time.perf_counter()
    for tick in ticks:
        produced += on_tick(tick)
    return len(ticks) / (time.perf_counter() - began), produced


def _engine_results() -> list[Result]:
    ours_rates, bare_rates, risk_rates, fills, risk_events = [], [], [], 0, 0
    for round_ in range(ROUNDS):
        # Both brokers are built before either runs, and which runs first alternates, so
        # that neither pays alone for a drift of the machine's speed within a round.
        plain, ticks = _engine_setup(seed=round_)
        guarded, risk_ticks = _engine_setup(seed=round_, risk=True)
        if risk_ticks != ticks:
            raise RuntimeError("the risk-on round does not see the same ticks")
        for risk_on in (False, True) if round_ % 2 == 0 else (True, False):
            if risk_on:
                rate, produced = _run_ticks(guarded, risk_ticks)
                breaches = sum(isinstance(e, RiskBreached) for e in produced)
                if breaches:
                    raise RuntimeError(f"{breaches} risk breaches in a run meant to have none")
                risk_rates.append(rate)
                risk_events = len(produced)
            else:
                rate, produced = _run_ticks(plain, ticks)
                ours_rates.append(rate)
                fills = len(produced)
        last: dict[str, Tick] = {}
        began = time.perf_counter()
        for tick in ticks:
            last[tick.symbol] = tick
        bare_rates.append(len(ticks) / (time.perf_counter() - began))
    ours, bare = statistics.median(ours_rates), statistics.median(bare_rates)
    risk_on = statistics.median(risk_rates)
    return [
        Result(
            "engine core: ticks/s with 10,000 working orders, 10 symbols",
            "ticks/s",
            ours,
            "bare loop over the same ticks",
            bare,
            target="≥ 100,000 ticks/s",
            met=ours >= 100_000,
            extra={
                "events_last_round": fills,
                "trailing_share": TRAILING_SHARE,
                "accounts": ACCOUNTS,
                "rounds_ticks_per_s": [round(r) for r in ours_rates],
            },
        ),
        Result(
            "engine core with risk on: ticks/s, 1,000 guarded accounts holding positions",
            "ticks/s",
            risk_on,
            "risk off, same ticks and books, same rounds",
            ours,
            target=f"≥ {RISK_RATIO_TARGET} of risk off",
            met=risk_on >= RISK_RATIO_TARGET * ours,
            extra={
                "events_last_round": risk_events,
                "rounds_ticks_per_s": [round(r) for r in risk_rates],
                "rounds_ratio": [
                    round(r / o, 3) for r, o in zip(risk_rates, ours_rates, strict=True)
                ],
                "rule_set": "daily_loss_limit, max_loss 10**9; max_contracts 10**6",
            },
        ),
    ]


# --------------------------------------------------------------------------- placement


def make_bare_app() -> FastAPI:
    """The ceiling: the same body validated by the same model, answered 201 (uvicorn factory)."""
    app = FastAPI()

    @app.post("/orders", status_code=201, response_model=OrderCreate)
    async def place(body: OrderCreate) -> OrderCreate:
        return body

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    return app


def _order_body(n: int) -> bytes:
    return orjson.dumps(
        {
            "symbol": "BTCUSD",
            "side": "buy",
            "type": "limit",
            "qty": 0.0001,
            "limit_price": 1.0,
            "time_in_force": "gtc",
            "client_order_id": f"bench-{n}",
        }
    )


def _sign_up(url: str) -> tuple[str, str]:
    with httpx.Client(base_url=url, timeout=30) as http:
        credentials = {"username": "bencher", "password": "bench-password-123"}
        http.post("/api/v1/auth/register", json=credentials).raise_for_status()
        token = http.post("/api/v1/auth/token", data=credentials).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        account = http.post(
            "/api/v1/accounts",
            json={
                "name": "bench",
                "starting_balance": 10_000_000,
                "rule_set": {
                    "name": "custom",
                    "daily_loss_limit": 10**6,
                    "max_loss": 10**6,
                    "max_contracts": 10_000,
                },
            },
            headers=headers,
        )
        account.raise_for_status()
        return token, account.json()["id"]


def _load(
    url: str, path: str, headers: dict[str, str], offset: int, seconds: float = LOAD_SECONDS
) -> Any:
    return asyncio.run(
        run_load(
            url,
            path,
            lambda n: _order_body(offset + n),
            headers=headers,
            connections=CONNECTIONS,
            seconds=seconds,
        )
    )


def _placement_results() -> list[Result]:
    root = Path(__file__).resolve().parents[1]
    with tempfile.TemporaryDirectory(prefix="propdesk-bench-") as tmp:
        app_env = {
            "PROPDESK_DATABASE_URL": f"sqlite+aiosqlite:///{tmp}/bench.db",
            "PROPDESK_FEED": "none",
            "PROPDESK_BACKFILL_DAYS": "0",
            "PROPDESK_LOG_LEVEL": "WARNING",
            "PROPDESK_RATE_LIMITS_ENABLED": "false",
            "PROPDESK_ADMIN_PASSWORD": "bench-admin-password",
            "PROPDESK_PASSWORD_HASH_TIME_COST": "1",
            "PROPDESK_PASSWORD_HASH_MEMORY_KIB": "8",
            "PROPDESK_PASSWORD_HASH_PARALLELISM": "1",
        }
        bare_env = {"PYTHONPATH": str(root)}
        with (
            server("propdesk.app:create_app", "/api/v1/health", app_env, tmp) as app,
            server("bench.bench_orders:make_bare_app", "/health", bare_env, tmp) as bare,
        ):
            token, account_id = _sign_up(app)
            headers = {"Authorization": f"Bearer {token}"}
            path = f"/api/v1/accounts/{account_id}/orders"
            # Unmeasured: first requests pay for caches, the database file's and the WAL's
            # growth, and the interpreter's specialization, in both servers.
            _load(app, path, headers, offset=10**9, seconds=WARMUP_SECONDS)
            _load(bare, "/orders", {}, offset=0, seconds=WARMUP_SECONDS)
            ours, ceiling = [], []
            for round_ in range(PLACEMENT_ROUNDS):
                # Which goes first alternates, so that a drift of the machine's speed within
                # a round favours neither.
                if round_ % 2:
                    ceiling.append(_load(bare, "/orders", {}, offset=0))
                ours.append(_load(app, path, headers, offset=round_ * 10**7))
                if not round_ % 2:
                    ceiling.append(_load(bare, "/orders", {}, offset=0))
    for run in (*ours, *ceiling):
        if set(run.statuses) != {201}:
            raise RuntimeError(f"unexpected statuses {run.statuses}")
    best = sorted(ours, key=lambda r: r.throughput)[len(ours) // 2]
    bare = sorted(ceiling, key=lambda r: r.throughput)[len(ceiling) // 2]
    ratio_target = 0.35
    return [
        Result(
            "order placement: authenticated POST → engine → commit → 201",
            "orders/s",
            best.throughput,
            "bare FastAPI POST validating the same body",
            bare.throughput,
            target="≥ 35% of the ceiling",
            met=best.throughput >= ratio_target * bare.throughput,
            extra={
                "connections": CONNECTIONS,
                "seconds": LOAD_SECONDS,
                "rounds_orders_per_s": [round(r.throughput, 1) for r in ours],
                "rounds_ceiling_per_s": [round(r.throughput, 1) for r in ceiling],
                "median_of_paired_ratios": round(
                    statistics.median(
                        o.throughput / c.throughput for o, c in zip(ours, ceiling, strict=True)
                    ),
                    3,
                ),
            },
        ),
        Result(
            "order placement p50 latency",
            "ms",
            percentile(best.latencies, 50) * 1000,
            "bare POST p50",
            percentile(bare.latencies, 50) * 1000,
            higher_is_better=False,
        ),
        Result(
            "order placement p99 latency",
            "ms",
            percentile(best.latencies, 99) * 1000,
            "bare POST p99",
            percentile(bare.latencies, 99) * 1000,
            higher_is_better=False,
        ),
    ]


def run() -> list[Result]:
    return _engine_results() + _placement_results()
