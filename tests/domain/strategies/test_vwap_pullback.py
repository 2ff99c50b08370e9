"""vwap_pullback on a session that rises, dips to VWAP once and closes back above it."""

from __future__ import annotations

from decimal import Decimal

import pytest

from propdesk.domain.regime import Regime
from propdesk.domain.strategies import Direction, VwapPullback, VwapPullbackParams

from .builders import FIVE_MINUTES, START, TICK, bars, mirrored, prices, reading, run

# Volume 1 on every bar, so VWAP is the mean typical price: after bar 2 it is 102.11 (bar 2's
# low 102.5 stands clear above), after bar 3 102.46, which bar 3's low 102 touches and its
# close 104 clears. EMA(3) is 102.5 at bar 2 and 103.25 at bar 3: rising.
RISE = bars(
    [
        (101.0, 99.0, 100.5),
        (103.0, 101.0, 102.5),
        (105.0, 102.5, 104.5),
        (104.5, 102.0, 104.0),  # the pullback
        (106.0, 104.0, 105.5),
    ]
)
PARAMS = VwapPullbackParams(ema_period=3, stop_offset_ticks=1, reward_risk=2.0)


def _started(**kwargs: object) -> VwapPullback:
    strategy = VwapPullback()
    strategy.on_start("MNQ", "5", TICK, PARAMS, **kwargs)  # type: ignore[arg-type]
    return strategy


def test_on_bar_when_price_dips_to_vwap_and_closes_above_with_a_rising_ema_then_long() -> None:
    fired = run(_started(), RISE)

    assert [i for i, _ in fired] == [3]
    signal = fired[0][1]
    assert signal.direction is Direction.long
    # entry 104, stop a tick under the low 102, target 104 + 2 × 2.25
    assert prices(signal) == (Decimal("104.00"), Decimal("101.75"), Decimal("108.50"))
    assert signal.id == f"vwap_pullback:MNQ:5:{START + 3 * FIVE_MINUTES}"
    assert signal.regime is None
    assert signal.confidence == 0.5


def test_on_bar_when_the_mirror_image_then_a_short_above_the_rally_high() -> None:
    fired = run(_started(), mirrored(RISE))

    assert [(i, s.direction) for i, s in fired] == [(3, Direction.short)]
    assert prices(fired[0][1]) == (Decimal("296"), Decimal("298.25"), Decimal("291.5"))


def test_on_bar_when_the_regime_is_trend_up_then_it_decides_and_sets_confidence() -> None:
    fired = run(_started(), RISE, reading(Regime.TREND_UP, adx=30.0))

    assert [i for i, _ in fired] == [3]
    assert fired[0][1].confidence == pytest.approx(0.6)
    assert fired[0][1].regime == "trend_up"


@pytest.mark.parametrize("regime", [Regime.RANGE, Regime.VOLATILE, Regime.TREND_DOWN])
def test_on_bar_when_the_regime_is_not_trend_up_then_the_dip_is_not_bought(
    regime: Regime,
) -> None:
    assert run(_started(), RISE, reading(regime)) == []


def test_on_bar_when_the_pullback_opens_a_new_session_then_no_signal() -> None:
    boundary = RISE[3].ts

    fired = run(_started(session_start=lambda ts: boundary if ts >= boundary else START), RISE)

    assert fired == []


def test_on_bar_when_bars_keep_hugging_vwap_then_only_the_first_touch_fires() -> None:
    hugging = bars([*((b.high, b.low, b.close) for b in RISE[:4]), (104.5, 102.0, 104.0)])

    fired = run(_started(), hugging, reading(Regime.TREND_UP))

    assert [i for i, _ in fired] == [3]
