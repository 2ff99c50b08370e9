"""JSON bodies whose numbers arrive exactly: `0.1` becomes Decimal("0.1"), never a float.

Starlette parses bodies with `json.loads`, which turns every JSON number with a fraction or an
exponent into a binary float; 19 significant digits would come out as 17. Routes that take
prices and quantities use ExactJSONRoute, so that their models see Decimals parsed from the
number's own text.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from decimal import Decimal
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute


class ExactJSONRequest(Request):
    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            raw = await self.body()
            try:
                self._json = json.loads(raw, parse_float=Decimal)
            except json.JSONDecodeError:
                raise
            except ValueError as error:  # not UTF-8, or an integer too long to convert
                text = raw.decode("utf-8", errors="replace")
                raise json.JSONDecodeError(str(error), text, 0) from error
        return self._json


class ExactJSONRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()

        async def handle_exact(request: Request) -> Response:
            return await handle(ExactJSONRequest(request.scope, request.receive))

        return handle_exact
