"""The simulator: deterministic ticks on the instrument's grid, in session, with a model that
has the instrument's volatility, mean reversion and volatility clustering."""

from __future__ import annotations

import math
from datetime import date
from decimal import Decimal

import numpy as np
import pytest

from propdesk.domain.bars import Tick
from propdesk.marketdata.catalogue import Catalogue
from propdesk.marketdata.simulator import (
    MAX_GAP_SECONDS,
    PriceModel,
    PricePath,
    Simulator,
    _ar1,
    path_leaders,
    session_minutes,
    simulate_minute_bars,
    symbol_rng,
)

CATALOGUE = Catalogue.load()
WEDNESDAY = 1_772_640_000  # 2026-03-04 10:00 Chicago, 11:00 New York: every market open
SATURDAY = 1_772_884_800  # 2026-03-07 12:00 UTC: only crypto trades


def run(simulator: Simulator, start: float, steps: int, interval: float = 0.25) -> list[Tick]:
    ticks: list[Tick] = []
    for index in range(steps):
        ticks.extend(simulator.step(start + index * interval))
    return ticks


def test_step_when_same_seed_and_clock_then_same_ticks() -> None:
    first = Simulator(CATALOGUE.values(), seed=11)
    second = Simulator(CATALOGUE.values(), seed=11)

    assert run(first, WEDNESDAY, 200) == run(second, WEDNESDAY, 200)


def test_step_when_seed_differs_then_ticks_differ() -> None:
    ticks = run(Simulator(CATALOGUE.values(), seed=11), WEDNESDAY, 200)

    assert ticks != run(Simulator(CATALOGUE.values(), seed=12), WEDNESDAY, 200)


def test_step_when_other_symbols_change_then_a_symbols_ticks_do_not() -> None:
    alone = Simulator([CATALOGUE["BTCUSD"]], seed=3)
    among_all = Simulator(CATALOGUE.values(), seed=3)

    expected = run(alone, WEDNESDAY, 400)
    actual = [t for t in run(among_all, WEDNESDAY, 400) if t.symbol == "BTCUSD"]

    assert actual == expected


def test_step_when_stepped_then_some_symbols_skip_some_intervals() -> None:
    simulator = Simulator(CATALOGUE.values(), seed=5)

    per_step = [len(simulator.step(WEDNESDAY + i * 0.25)) for i in range(100)]

    assert max(per_step) < len(CATALOGUE)  # arrivals are random, not every symbol every time
    assert sum(per_step) > 100


@pytest.mark.parametrize("symbol", list(CATALOGUE))
def test_ticks_when_simulated_then_on_the_grid_one_tick_wide_with_lot_sizes(symbol: str) -> None:
    instrument = CATALOGUE[symbol]
    simulator = Simulator([instrument], seed=1)

    ticks = run(simulator, WEDNESDAY, 400)

    assert len(ticks) > 50
    for tick in ticks:
        assert instrument.is_tick_aligned(tick.bid)
        assert tick.bid > 0
        assert tick.ask == tick.bid + instrument.tick_size
        assert tick.last in (tick.bid, tick.ask)
        assert tick.size > 0
        assert tick.size % instrument.lot_step == 0
        assert tick.bid.as_tuple().exponent == instrument.tick_size.as_tuple().exponent


def test_size_when_futures_then_mostly_one_to_ten_contracts() -> None:
    ticks = run(Simulator([CATALOGUE["ES"]], seed=2), WEDNESDAY, 4000)

    sizes = [int(t.size) for t in ticks]

    assert min(sizes) >= 1
    assert sum(1 <= s <= 10 for s in sizes) / len(sizes) > 0.9


def test_size_when_crypto_then_small_fractions_of_a_coin() -> None:
    ticks = run(Simulator([CATALOGUE["BTCUSD"]], seed=2), WEDNESDAY, 4000)

    median = sorted(t.size for t in ticks)[len(ticks) // 2]

    assert Decimal("0.001") <= median < Decimal("0.5")


def test_step_when_sessions_closed_then_only_open_markets_tick() -> None:
    simulator = Simulator(CATALOGUE.values(), seed=4)

    ticks = run(simulator, SATURDAY, 200)

    assert ticks
    assert {t.symbol for t in ticks} <= {"BTCUSD", "ETHUSD"}


def test_step_when_started_from_a_price_then_first_prints_are_there() -> None:
    simulator = Simulator([CATALOGUE["NQ"]], seed=4, prices={"NQ": 20_000.0})

    first = run(simulator, WEDNESDAY, 40)[0]

    assert abs(float(first.last) - 20_000.0) <= 1.0


def test_step_when_micro_and_full_size_then_same_market() -> None:
    leaders = path_leaders(CATALOGUE.values())
    simulator = Simulator([CATALOGUE["ES"], CATALOGUE["MES"]], seed=9)

    run(simulator, WEDNESDAY, 400)

    assert leaders["MES"] == leaders["ES"] == "ES"
    assert leaders["NQ"] == "NQ"
    assert leaders["MNQ"] == "NQ"
    assert simulator.symbols["MES"].path is simulator.symbols["ES"].path


def test_path_when_far_from_anchor_then_half_the_gap_fades_in_the_half_life() -> None:
    instrument = CATALOGUE["ES"]
    model = PriceModel.for_instrument(instrument)
    path = PricePath(model, symbol_rng(1, "ES", 99), price=2 * 6_000.0, anchor=6_000.0)
    half_life = 60 * 23 * 3_600  # sixty trading days of the CME's 23-hour sessions

    now = 0.0
    path.advance(now)
    while now < half_life:
        now += MAX_GAP_SECONDS
        path.advance(now)

    departure = math.log(path.price / 6_000.0)
    assert 0.2 < departure < 0.5  # from log(2) = 0.69 toward half of it, give or take noise


def test_minute_bars_when_simulated_long_then_volatility_is_the_instruments() -> None:
    instrument = CATALOGUE["ES"]
    minutes = session_minutes(instrument.session, WEDNESDAY, WEDNESDAY + 120 * 86_400)

    bars = simulate_minute_bars(instrument, 7, minutes, start_price=6_000.0)

    closes = bars.close[::30]  # half-hour returns: above the tick grid's noise
    returns = np.diff(np.log(closes))
    per_year = len(minutes) / 30 / (120 / 365)
    annual = float(np.std(returns) * math.sqrt(per_year))
    assert annual == pytest.approx(instrument.annual_volatility, rel=0.25)


def test_minute_bars_when_simulated_then_volatility_clusters() -> None:
    instrument = CATALOGUE["NQ"]
    minutes = session_minutes(instrument.session, WEDNESDAY, WEDNESDAY + 60 * 86_400)

    bars = simulate_minute_bars(instrument, 7, minutes, start_price=20_000.0)

    moves = np.abs(np.diff(np.log(bars.close[::5])))
    autocorrelation = np.corrcoef(moves[:-1], moves[1:])[0, 1]
    assert autocorrelation > 0.1  # a memoryless walk would give about zero


@pytest.mark.parametrize("symbol", list(CATALOGUE))
def test_minute_bars_when_simulated_then_valid_in_session_on_the_grid(symbol: str) -> None:
    instrument = CATALOGUE[symbol]
    minutes = session_minutes(instrument.session, WEDNESDAY - 3 * 86_400, WEDNESDAY)

    bars = simulate_minute_bars(
        instrument, 3, minutes, start_price=float(instrument.reference_price)
    )

    assert len(bars) == len(minutes) > 0
    assert all(instrument.session.is_open(int(ts)) for ts in bars.ts)
    assert (bars.low <= np.minimum(bars.open, bars.close)).all()
    assert (bars.high >= np.maximum(bars.open, bars.close)).all()
    assert (bars.low > 0).all()
    assert (bars.volume > 0).all()
    for ts, open_, high, low, close, volume in bars.rows()[::97]:
        for price in (open_, high, low, close):
            assert instrument.is_tick_aligned(Decimal(repr(price))), (ts, price)
        assert Decimal(repr(volume)) % instrument.lot_step == 0


def test_minute_bars_when_same_inputs_then_identical() -> None:
    instrument = CATALOGUE["CL"]
    minutes = session_minutes(instrument.session, WEDNESDAY - 86_400, WEDNESDAY)

    first = simulate_minute_bars(instrument, 5, minutes, start_price=60.0)
    second = simulate_minute_bars(instrument, 5, minutes, start_price=60.0)

    assert first.rows() == second.rows()


def test_minute_bars_when_micro_then_prices_of_its_full_size_sibling() -> None:
    minutes = session_minutes(CATALOGUE["GC"].session, WEDNESDAY - 86_400, WEDNESDAY)

    full = simulate_minute_bars(CATALOGUE["GC"], 5, minutes, start_price=4_000.0)
    micro = simulate_minute_bars(
        CATALOGUE["MGC"], 5, minutes, start_price=4_000.0, path_symbol="GC"
    )

    assert micro.close.tolist() == full.close.tolist()


def test_minute_bars_when_continuing_then_first_open_near_the_last_close() -> None:
    instrument = CATALOGUE["ES"]
    minutes = session_minutes(instrument.session, WEDNESDAY, WEDNESDAY + 600)

    bars = simulate_minute_bars(instrument, 5, minutes, start_price=6_000.0, after=WEDNESDAY - 60)

    assert abs(bars.open[0] - 6_000.0) <= 5 * float(instrument.tick_size)


def test_session_minutes_when_cme_day_then_23_hours_without_the_break() -> None:
    session = CATALOGUE["ES"].session
    start, end = session.bounds(date(2026, 3, 4))

    minutes = session_minutes(session, start - 3_000, end + 3_000)  # from and into the break

    assert len(minutes) == 23 * 60
    assert minutes[0] == start
    assert minutes[-1] == end - 60


def test_session_minutes_when_weekend_then_none_for_stocks() -> None:
    session = CATALOGUE["AAPL"].session

    assert len(session_minutes(session, SATURDAY, SATURDAY + 86_400)) == 0


@pytest.mark.parametrize("decay", [1.0, 0.999, 0.5, 1e-6])
def test_ar1_when_vectorized_then_equals_the_recursion(decay: float) -> None:
    shocks = np.random.default_rng(0).standard_normal(1_000)
    expected = []
    value = 0.3
    for shock in shocks:
        value = decay * value + shock
        expected.append(value)

    actual = _ar1(decay, 0.3, shocks)

    assert np.allclose(actual, expected, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize(
    ("symbol", "seconds_per_day", "days"),
    [("ES", 23 * 3_600, 5), ("AAPL", 23_400, 5), ("BTCUSD", 86_400, 7)],
)
def test_model_when_built_then_annual_volatility_per_trading_second(
    symbol: str, seconds_per_day: int, days: int
) -> None:
    instrument = CATALOGUE[symbol]

    model = PriceModel.for_instrument(instrument)

    expected = instrument.annual_volatility / math.sqrt(seconds_per_day * days * 52)
    assert model.sigma == pytest.approx(expected)
