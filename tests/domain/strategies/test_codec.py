"""A signal crosses the bus codec exactly, as the auto-trader receives it on `signals.domain`."""

from __future__ import annotations

import orjson

from propdesk.domain.codec import from_plain, to_plain
from propdesk.domain.strategies import Direction, MovingAverageCross, Signal

from .builders import TICK
from .test_ma_cross import PARAMS, TURN


def test_codec_when_a_signal_crosses_as_json_then_it_comes_back_equal() -> None:
    strategy = MovingAverageCross()
    strategy.on_start("MNQ", "5", TICK, PARAMS)
    signal = next(s for s in (strategy.on_bar(b, None) for b in TURN) if s is not None)

    back = from_plain(orjson.loads(orjson.dumps(to_plain(signal))))

    assert back == signal
    assert isinstance(back, Signal)
    assert back.direction is Direction.long
    assert back.regime is None
