"""Numbers as the server answers them: Decimal inside, a JSON number on the wire."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import PlainSerializer

Number = Annotated[Decimal, PlainSerializer(float, return_type=float, when_used="json")]
"""Leaves as a JSON number (the API's convention); a Decimal everywhere inside."""
