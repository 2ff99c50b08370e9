"""What the app tunes in CPython while it serves, and gives back when it stops."""

from __future__ import annotations

import gc
import sys
from collections.abc import Callable

from asgi_lifespan import LifespanManager

from propdesk.app import GC_THRESHOLDS, SWITCH_INTERVAL, create_app
from propdesk.config import Settings


async def test_lifespan_when_serving_then_gc_and_switch_interval_tuned_and_restored(
    make_settings: Callable[..., Settings],
) -> None:
    before = (gc.get_threshold(), sys.getswitchinterval())

    async with LifespanManager(create_app(make_settings())):
        assert gc.get_threshold() == GC_THRESHOLDS
        assert sys.getswitchinterval() == SWITCH_INTERVAL
        assert gc.get_freeze_count() > 0

    assert (gc.get_threshold(), sys.getswitchinterval()) == before
    assert gc.get_freeze_count() == 0
