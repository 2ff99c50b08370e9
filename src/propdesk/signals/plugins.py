"""The strategies this installation knows: the built-ins and every one a package registers.

A third-party package adds a strategy through the entry point group `propdesk.strategies`,
the name being the strategy's `name`:

```toml
[project.entry-points."propdesk.strategies"]
my_breakout = "my_package.breakout:MyBreakout"
```

The class must subclass `propdesk.domain.strategies.Strategy` with a `params_model` that is a
frozen dataclass extending `StrategyParams`. Each strategy's parameters get a Pydantic model
generated from that dataclass (strict, unknown fields refused), so that REST and the settings
refuse a bad value naming its field, and OpenAPI can show the schema.
"""

from __future__ import annotations

import ast
import dataclasses
import inspect
import itertools
import textwrap
import typing
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points
from typing import Any

import orjson
import structlog
from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model

from propdesk.domain.strategies import BUILTINS, Strategy, StrategyParams

log = structlog.get_logger(__name__)

ENTRY_POINT_GROUP = "propdesk.strategies"
BUILTIN = "builtin"


@dataclass(frozen=True, slots=True)
class ParamsProblem:
    """One refused parameter: where (`loc`, from the parameter's name on), what, its kind."""

    loc: tuple[str | int, ...]
    msg: str
    type: str


class InvalidParams(ValueError):
    """Parameters a strategy refuses; `problems` name each bad field."""

    def __init__(self, strategy: str, problems: list[ParamsProblem]) -> None:
        names = ", ".join(".".join(str(p) for p in problem.loc) or "params" for problem in problems)
        super().__init__(f"{strategy}: invalid params: {names}: {problems[0].msg}")
        self.strategy = strategy
        self.problems = problems


@dataclass(frozen=True, slots=True)
class StrategyPlugin:
    """A strategy class, where it came from, and the model its parameters are validated by."""

    name: str
    strategy: type[Strategy[Any]]
    source: str
    """`builtin`, or the entry point's value (`module:attribute`)."""
    params_schema: type[BaseModel]
    """Generated from `strategy.params_model`: strict types, unknown fields forbidden."""

    @property
    def description(self) -> str:
        return inspect.cleandoc(self.strategy.__doc__ or "").split("\n\n")[0]

    def parse(self, raw: Mapping[str, Any] | None) -> StrategyParams:
        """The strategy's parameters from JSON-like data; raises InvalidParams naming each bad
        field, whether its type is wrong or the dataclass refuses its value."""
        try:
            # Through JSON, so that strict types read as they would on the wire (an enum from
            # its value, never a bool for a number).
            model = self.params_schema.model_validate_json(orjson.dumps(dict(raw or {})))
        except ValidationError as error:
            raise InvalidParams(
                self.name,
                [ParamsProblem(tuple(e["loc"]), e["msg"], e["type"]) for e in error.errors()],
            ) from None
        except TypeError as error:  # not JSON at all (a set, an object)
            raise InvalidParams(self.name, [ParamsProblem((), str(error), "type_error")]) from None
        values = {name: getattr(model, name) for name in type(model).model_fields}
        try:
            return self.strategy.params_model(**values)
        except ValueError as error:
            # The domain's checks name the field first: "fast_period must be less than …".
            message = str(error)
            named = message.split(" ", 1)[0]
            loc: tuple[str, ...] = (named,) if named in values else ()
            raise InvalidParams(self.name, [ParamsProblem(loc, message, "value_error")]) from None

    def dump(self, params: StrategyParams) -> dict[str, Any]:
        """The parameters as JSON data (what the store keeps beside each signal)."""
        model = self.params_schema.model_validate(
            {f.name: getattr(params, f.name) for f in dataclasses.fields(params)}, strict=False
        )
        dumped: dict[str, Any] = model.model_dump(mode="json")
        return dumped


def _attribute_docs(cls: type) -> dict[str, str]:
    """The docstrings written under a dataclass's fields, up its bases (read from source)."""
    docs: dict[str, str] = {}
    for klass in reversed(cls.__mro__):
        try:
            tree = ast.parse(textwrap.dedent(inspect.getsource(klass)))
        except (OSError, TypeError, SyntaxError):
            continue
        body = tree.body[0].body if tree.body and isinstance(tree.body[0], ast.ClassDef) else []
        for node, after in itertools.pairwise(body):
            if (
                isinstance(node, ast.AnnAssign)
                and isinstance(node.target, ast.Name)
                and isinstance(after, ast.Expr)
                and isinstance(after.value, ast.Constant)
                and isinstance(after.value.value, str)
            ):
                docs[node.target.id] = inspect.cleandoc(after.value.value)
    return docs


def params_schema(strategy: type[Strategy[Any]]) -> type[BaseModel]:
    """A Pydantic model of `strategy.params_model`'s fields, types and defaults."""
    params = strategy.params_model
    if not (dataclasses.is_dataclass(params) and issubclass(params, StrategyParams)):
        raise TypeError(f"{strategy.name}: params_model must be a StrategyParams dataclass")
    hints = typing.get_type_hints(params)
    docs = _attribute_docs(params)
    fields: dict[str, Any] = {}
    for field in dataclasses.fields(params):
        if not field.init:
            continue
        if field.default is not dataclasses.MISSING:
            default = Field(default=field.default, description=docs.get(field.name))
        elif field.default_factory is not dataclasses.MISSING:
            default = Field(default_factory=field.default_factory, description=docs.get(field.name))
        else:
            default = Field(description=docs.get(field.name))
        fields[field.name] = (hints[field.name], default)
    model: type[BaseModel] = create_model(
        f"{params.__name__}Model",
        __config__=ConfigDict(extra="forbid", strict=True, frozen=True),
        __doc__=f"The parameters of `{strategy.name}`.",
        **fields,
    )
    return model


def _plugin(name: str, strategy: object, source: str) -> StrategyPlugin:
    if not (isinstance(strategy, type) and issubclass(strategy, Strategy)):
        raise TypeError(f"{source} is not a Strategy subclass")
    if inspect.isabstract(strategy):
        raise TypeError(f"{source} is abstract")
    if getattr(strategy, "name", None) != name:
        raise TypeError(f"{source} is named {getattr(strategy, 'name', None)!r}, not {name!r}")
    return StrategyPlugin(name, strategy, source, params_schema(strategy))


def discover(points: Iterable[EntryPoint] | None = None) -> dict[str, StrategyPlugin]:
    """The built-ins, then every entry point of `propdesk.strategies` that loads into a valid
    strategy under its own name. One that does not is logged and left out (a broken package
    must not stop the server); none replaces a built-in or an earlier one of its name."""
    found = {name: _plugin(name, cls, BUILTIN) for name, cls in BUILTINS.items()}
    for point in entry_points(group=ENTRY_POINT_GROUP) if points is None else points:
        if point.name in found:
            log.warning(
                "strategy entry point ignored: the name is taken",
                name=point.name,
                value=point.value,
                by=found[point.name].source,
            )
            continue
        try:
            found[point.name] = _plugin(point.name, point.load(), point.value)
        except Exception as error:
            log.warning(
                "strategy entry point ignored", name=point.name, value=point.value, error=str(error)
            )
    return found
