"""Strategy discovery: the built-ins, then the entry points of `propdesk.strategies`, each
with a parameter model that refuses a bad value naming its field."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from propdesk.domain.bars import Bar
from propdesk.domain.regime import RegimeReading
from propdesk.domain.strategies import (
    BUILTINS,
    Direction,
    MovingAverageCrossParams,
    MovingAverageKind,
    Signal,
    Strategy,
    StrategyParams,
)
from propdesk.domain.strategies.base import check_positive
from propdesk.signals import plugins
from propdesk.signals.plugins import ENTRY_POINT_GROUP, InvalidParams, discover


@dataclass(frozen=True, slots=True)
class AlwaysLongParams(StrategyParams):
    risk_points: float = 4.0
    """How far below the close the stop goes."""

    def __post_init__(self) -> None:
        StrategyParams.__post_init__(self)
        check_positive("risk_points", self.risk_points)


class AlwaysLong(Strategy[AlwaysLongParams]):
    """Goes long at every close: a third party's strategy."""

    name = "always_long"
    params_model = AlwaysLongParams

    def _begin(self) -> None:
        pass

    def on_bar(self, bar: Bar, regime: RegimeReading | None) -> Signal | None:
        stop = bar.close - self.params.risk_points
        return self._signal(bar, regime, Direction.long, stop, 2.0, 0.5)


class NotAStrategy:
    name = "not_a_strategy"


@dataclass
class FakeEntryPoint:
    """What `importlib.metadata.entry_points` gives: a name, a value and `load()`."""

    name: str
    value: str
    target: Any = None

    def load(self) -> Any:
        if isinstance(self.target, Exception):
            raise self.target
        return self.target


def install(monkeypatch: pytest.MonkeyPatch, *points: FakeEntryPoint) -> None:
    def entry_points(*, group: str) -> list[FakeEntryPoint]:
        assert group == ENTRY_POINT_GROUP
        return list(points)

    monkeypatch.setattr(plugins, "entry_points", entry_points)


def test_discover_when_no_package_registers_one_then_the_builtins() -> None:
    found = discover(points=[])

    assert set(found) == set(BUILTINS)
    assert {p.source for p in found.values()} == {"builtin"}


def test_discover_when_an_entry_point_names_a_strategy_then_it_is_known(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    install(monkeypatch, FakeEntryPoint("always_long", "thirdparty.mod:AlwaysLong", AlwaysLong))

    found = discover()

    plugin = found["always_long"]
    assert plugin.strategy is AlwaysLong
    assert plugin.source == "thirdparty.mod:AlwaysLong"
    assert plugin.description == "Goes long at every close: a third party's strategy."
    schema = plugin.params_schema.model_json_schema()
    assert schema["properties"]["risk_points"]["description"] == (
        "How far below the close the stop goes."
    )
    assert plugin.parse({"risk_points": 2}) == AlwaysLongParams(risk_points=2.0)


def test_discover_when_entry_points_are_broken_then_left_out_and_the_rest_kept(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    install(
        monkeypatch,
        FakeEntryPoint("broken", "gone:Strategy", ImportError("no module named gone")),
        FakeEntryPoint("not_a_strategy", "x:NotAStrategy", NotAStrategy),
        FakeEntryPoint("misnamed", "x:AlwaysLong", AlwaysLong),
        FakeEntryPoint("ma_cross", "x:AlwaysLong", AlwaysLong),
        FakeEntryPoint("always_long", "x:AlwaysLong", AlwaysLong),
    )

    found = discover()

    assert set(found) == {*BUILTINS, "always_long"}
    assert found["ma_cross"].source == "builtin"  # a package never replaces a built-in


def test_parse_when_params_are_good_then_the_strategys_dataclass_with_defaults() -> None:
    plugin = discover(points=[])["ma_cross"]

    params = plugin.parse({"fast_period": 5, "average": "ema", "atr_mult": 3})

    assert params == MovingAverageCrossParams(
        fast_period=5, average=MovingAverageKind.ema, atr_mult=3.0
    )
    assert plugin.dump(params)["average"] == "ema"


@pytest.mark.parametrize(
    ("raw", "loc", "kind"),
    [
        ({"fast_period": "ten"}, ("fast_period",), "int_type"),
        ({"fast_period": True}, ("fast_period",), "int_type"),
        ({"average": "wma"}, ("average",), "enum"),
        ({"slow": 30}, ("slow",), "extra_forbidden"),
        ({"fast_period": 40}, ("fast_period",), "value_error"),  # the dataclass's own check
        ({"atr_mult": -1}, ("atr_mult",), "value_error"),
    ],
)
def test_parse_when_a_param_is_bad_then_invalid_params_naming_it(
    raw: dict[str, Any], loc: tuple[str, ...], kind: str
) -> None:
    plugin = discover(points=[])["ma_cross"]

    with pytest.raises(InvalidParams) as refused:
        plugin.parse(raw)

    (problem,) = refused.value.problems
    assert (problem.loc, problem.type) == (loc, kind)
