"""Domain values to JSON-ready data and back, for whatever carries them between processes.

A dataclass becomes an object tagged with its class name (`{"#": "OrderFilled", …}`), a
`Decimal` `{"#d": "1.25"}`, an enum `{"#e": "OrderSide", "v": "buy"}`, a tuple `{"#t": […]}`
(frozen values compare tuples, never lists), a date `{"#date": "2026-12-03"}`, a time of
day `{"#time": "15:10:00"}`. Everything
else must already be JSON (str, int, float, bool, None, lists, dicts with string keys).
The round trip is exact: `from_plain(to_plain(v)) == v` for every value built of these.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Iterable
from datetime import date, datetime, time
from decimal import Decimal
from types import ModuleType
from typing import Any

from propdesk.domain import (
    bars,
    commands,
    errors,
    events,
    instruments,
    ledger,
    orders,
    positions,
    results,
)
from propdesk.domain.journal import trips as journal_trips
from propdesk.domain.risk import rules as risk_rules
from propdesk.domain.risk import state as risk_state
from propdesk.domain.risk import windows as risk_windows
from propdesk.domain.strategies import base as strategies_base

_MODULES: tuple[ModuleType, ...] = (
    bars,
    commands,
    errors,
    events,
    instruments,
    journal_trips,
    ledger,
    orders,
    positions,
    results,
    risk_rules,
    risk_state,
    risk_windows,
    strategies_base,
)


class CodecError(ValueError):
    """A value the codec does not know how to carry."""


def _registry(modules: Iterable[ModuleType]) -> dict[str, type]:
    known: dict[str, type] = {}
    for module in modules:
        for value in vars(module).values():
            if not isinstance(value, type) or value.__module__ != module.__name__:
                continue
            carried = dataclasses.is_dataclass(value) or issubclass(value, enum.Enum)
            if carried and known.setdefault(value.__name__, value) is not value:
                raise CodecError(f"two domain types are named {value.__name__}")
    return known


_TYPES = _registry(_MODULES)
_FIELDS: dict[type, tuple[str, ...]] = {
    cls: tuple(f.name for f in dataclasses.fields(cls) if f.init)
    for cls in _TYPES.values()
    if dataclasses.is_dataclass(cls)
}


def to_plain(value: Any) -> Any:
    if value is None or isinstance(value, str | bool | int | float):
        if isinstance(value, enum.Enum):  # StrEnum and IntEnum are str and int too
            return {"#e": type(value).__name__, "v": value.value}
        return value
    if isinstance(value, Decimal):
        return {"#d": str(value)}
    if isinstance(value, enum.Enum):
        return {"#e": type(value).__name__, "v": value.value}
    if isinstance(value, tuple):
        return {"#t": [to_plain(item) for item in value]}
    if isinstance(value, list):
        return [to_plain(item) for item in value]
    if isinstance(value, dict):
        if not all(isinstance(key, str) for key in value):
            raise CodecError("only string keys cross the bus")
        return {key: to_plain(item) for key, item in value.items()}
    if isinstance(value, date) and not isinstance(value, datetime):
        return {"#date": value.isoformat()}
    if isinstance(value, time):
        return {"#time": value.isoformat()}
    names = _FIELDS.get(type(value))
    if names is None:
        raise CodecError(f"{type(value).__qualname__} is not a domain value the codec knows")
    plain = {name: to_plain(getattr(value, name)) for name in names}
    plain["#"] = type(value).__name__
    return plain


def from_plain(plain: Any) -> Any:
    if isinstance(plain, list):
        return [from_plain(item) for item in plain]
    if not isinstance(plain, dict):
        return plain
    if "#" in plain:
        cls = _TYPES[plain["#"]]
        # A field the value was stored without (it came later) takes its default.
        return cls(**{name: from_plain(plain[name]) for name in _FIELDS[cls] if name in plain})
    if "#d" in plain:
        return Decimal(plain["#d"])
    if "#e" in plain:
        return _TYPES[plain["#e"]](plain["v"])
    if "#t" in plain:
        return tuple(from_plain(item) for item in plain["#t"])
    if "#date" in plain:
        return date.fromisoformat(plain["#date"])
    if "#time" in plain:
        return time.fromisoformat(plain["#time"])
    return {key: from_plain(item) for key, item in plain.items()}
