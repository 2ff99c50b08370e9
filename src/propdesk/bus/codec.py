"""Messages as JSON bytes, the form a remote bus carries. Values become JSON-ready data by
the functions given (the domain's codec), so the bus itself knows no domain type; the
Pydantic models named in `models` (payloads published as they are) cross by their dump."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import orjson
from pydantic import BaseModel

MODEL_TAG = "#m"


class JsonCodec:
    def __init__(
        self,
        to_plain: Callable[[Any], Any],
        from_plain: Callable[[Any], Any],
        *,
        models: Iterable[type[BaseModel]] = (),
    ) -> None:
        self._to_plain = to_plain
        self._from_plain = from_plain
        self._models = {model.__name__: model for model in models}

    def encode(self, value: Any) -> bytes:
        if isinstance(value, BaseModel) and self._models.get(type(value).__name__) is type(value):
            return orjson.dumps(
                {MODEL_TAG: type(value).__name__, "v": value.model_dump(mode="json")}
            )
        return orjson.dumps(self._to_plain(value))

    def decode(self, data: bytes) -> Any:
        plain = orjson.loads(data)
        if isinstance(plain, dict) and MODEL_TAG in plain:
            return self._models[plain[MODEL_TAG]].model_validate(plain["v"])
        return self._from_plain(plain)
