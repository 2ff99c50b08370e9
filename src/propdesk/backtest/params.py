"""A strategy's parameters from JSON, as the command line takes them."""

from __future__ import annotations

import dataclasses
import enum
import json
import typing

from propdesk.domain.strategies import BUILTINS, StrategyParams, UnknownStrategy


def parse_params(strategy: str, text: str | None) -> StrategyParams:
    """`strategy`'s parameters: its defaults changed by the JSON object `text` (an enum
    field by its value). Raises UnknownStrategy, or ValueError naming what is wrong."""
    if strategy not in BUILTINS:
        raise UnknownStrategy(strategy)
    model = BUILTINS[strategy].params_model
    if text is None:
        return model()
    try:
        values = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(f"not JSON: {error}") from None
    if not isinstance(values, dict):
        raise ValueError("must be a JSON object of parameter names and values")
    names = [field.name for field in dataclasses.fields(model)]
    unknown = sorted(set(values) - set(names))
    if unknown:
        raise ValueError(
            f"{strategy} has no parameter {', '.join(unknown)}; it has {', '.join(names)}"
        )
    hints = typing.get_type_hints(model)
    for name, value in values.items():
        kind = hints[name]
        if isinstance(kind, type) and issubclass(kind, enum.Enum):
            try:
                values[name] = kind(value)
            except ValueError:
                choices = ", ".join(str(member.value) for member in kind)
                raise ValueError(f"{name} must be one of {choices}, not {value!r}") from None
    try:
        return model(**values)
    except TypeError as error:  # pragma: no cover - names were checked above
        raise ValueError(str(error)) from None
