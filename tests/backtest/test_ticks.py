"""The fill model's ticks: a bar's path by its direction, the resting orders' prices on it."""

from __future__ import annotations

from decimal import Decimal

import pytest

from propdesk.backtest.ticks import bar_path, bar_ticks, with_levels


def _d(*values: str) -> list[Decimal]:
    return [Decimal(v) for v in values]


@pytest.mark.parametrize(
    ("bar", "expected"),
    [
        (("100", "103", "99", "102"), ("100", "99", "103", "102")),  # up: the low first
        (("100", "103", "99", "101.5"), ("100", "99", "103", "101.5")),
        (("102", "103", "99", "100"), ("102", "103", "99", "100")),  # down: the high first
        (("100", "101", "99", "100"), ("100", "99", "101", "100")),  # unchanged: as up
        (("100", "100", "99", "100"), ("100", "99", "100")),  # a flat stretch is one tick
        (("100", "100", "100", "100"), ("100",)),
    ],
)
def test_bar_path_when_a_bar_then_its_extremes_in_the_order_its_direction_suggests(
    bar: tuple[str, str, str, str], expected: tuple[str, ...]
) -> None:
    assert bar_path(*_d(*bar)) == _d(*expected)


def test_with_levels_when_a_stretch_crosses_resting_prices_then_each_in_the_order_met() -> None:
    path = _d("100", "99", "103", "102")
    levels = _d("98", "99", "99.5", "101", "102.5", "104")

    # 100 → 99 meets 99.5 (99 is a point of the path already); 99 → 103 meets 99.5, 101
    # and 102.5; 103 → 102 meets 102.5 again; 98 and 104 lie beyond the bar
    assert with_levels(path, levels) == _d(
        "100", "99.5", "99", "99.5", "101", "102.5", "103", "102.5", "102"
    )
    assert with_levels(path, []) == path


def test_bar_ticks_when_spread_then_from_the_open_second_to_the_59th_without_spread() -> None:
    ticks = bar_ticks("MNQ", 1_000_020, _d("1", "2", "3", "4"))

    assert [t.ts for t in ticks] == [1_000_020, 1_000_039.666667, 1_000_059.333333, 1_000_079]
    assert all(t.bid == t.ask == t.last for t in ticks)
    assert [t.last for t in ticks] == _d("1", "2", "3", "4")
    assert [t.ts for t in bar_ticks("MNQ", 60, _d("5"))] == [60.0]
