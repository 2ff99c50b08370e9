"""The instrument catalogue, loaded from the shipped JSON file (or one named in settings)."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from datetime import time
from decimal import Decimal
from importlib.resources import files
from pathlib import Path
from typing import Any

from propdesk.domain.instruments import AssetClass, Instrument, SessionSchedule


class Catalogue(Mapping[str, Instrument]):
    """Instruments by symbol; lookups are case-insensitive, as traders type them."""

    def __init__(self, instruments: list[Instrument]) -> None:
        self._by_symbol = {i.symbol.upper(): i for i in instruments}
        if len(self._by_symbol) != len(instruments):
            raise ValueError("duplicate symbol in the instrument catalogue")

    def __getitem__(self, symbol: str) -> Instrument:
        return self._by_symbol[symbol.upper()]

    def __contains__(self, symbol: object) -> bool:
        return isinstance(symbol, str) and symbol.upper() in self._by_symbol

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_symbol)

    def __len__(self) -> int:
        return len(self._by_symbol)

    @classmethod
    def load(cls, path: Path | None = None) -> Catalogue:
        if path is None:
            text = files("propdesk.marketdata").joinpath("data/instruments.json").read_text()
        else:
            text = path.read_text()
        return cls([_instrument(row) for row in json.loads(text)["instruments"]])


def _instrument(row: dict[str, Any]) -> Instrument:
    session = row["session"]
    return Instrument(
        symbol=row["symbol"],
        description=row["description"],
        asset_class=AssetClass(row["asset_class"]),
        exchange=row["exchange"],
        currency=row["currency"],
        tick_size=Decimal(row["tick_size"]),
        point_value=Decimal(row["point_value"]),
        lot_step=Decimal(row["lot_step"]),
        margin=Decimal(row["margin"]),
        commission=Decimal(row["commission"]),
        session=SessionSchedule(
            timezone=session["timezone"],
            open=time.fromisoformat(session["open"]),
            close=time.fromisoformat(session["close"]),
            days=frozenset(session["days"]),
        ),
        reference_price=Decimal(row["reference_price"]),
        annual_volatility=float(row["annual_volatility"]),
        micro=bool(row.get("micro", False)),
    )
