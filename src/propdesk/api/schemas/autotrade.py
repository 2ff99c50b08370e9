"""Auto-trading settings: what the owner sends, and what the server answers."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from propdesk.api.schemas.numbers import MAX_DECIMALS, Quantity, json_number
from propdesk.autotrade.settings import AutotradeSettings
from propdesk.domain.instruments import Instrument
from propdesk.domain.strategies import BUILTINS
from propdesk.wire.numbers import Number

MAX_RISK_R = Decimal(10)
"""No trade risks more than ten times the account's R."""
MAX_CHOICES = 50


def _known_strategy(name: str) -> str:
    if name not in BUILTINS:
        raise ValueError(f"unknown strategy {name!r}; built in: {', '.join(sorted(BUILTINS))}")
    return name


StrategyName = Annotated[
    str,
    Field(min_length=1, max_length=64, json_schema_extra={"enum": sorted(BUILTINS)}),
    AfterValidator(_known_strategy),
]
SymbolName = Annotated[str, Field(min_length=1, max_length=32)]
RiskMultiple = Annotated[
    Decimal,
    Field(gt=0, le=MAX_RISK_R, decimal_places=MAX_DECIMALS, allow_inf_nan=False),
    BeforeValidator(json_number),
]


class AutotradeUpdate(BaseModel):
    """The account's auto-trading, all of it (a PUT replaces it)."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = Field(description="Off: signals are not traded on this account.")
    strategies: list[StrategyName] = Field(
        min_length=1,
        max_length=MAX_CHOICES,
        description="The built-in strategies whose signals the account trades.",
        examples=[["ma_cross"]],
    )
    symbols: list[SymbolName] = Field(
        min_length=1,
        max_length=MAX_CHOICES,
        description="Catalogue symbols (case is ignored) whose signals the account trades.",
        examples=[["MNQ"]],
    )
    qty: Quantity | None = Field(
        default=None,
        description="Contracts per signal, a multiple of every symbol's lot step. Exactly one "
        "of `qty` and `risk_per_trade_r`.",
    )
    risk_per_trade_r: RiskMultiple | None = Field(
        default=None,
        description="Size each trade so that its stop loses this many R (the account's "
        "`risk_per_trade`): R × this ÷ (|entry − stop| × point value), floored to the lot "
        "step; a signal that leaves less than one lot step is not traded. Up to 10.",
        examples=[1],
    )

    def symbols_in(self, catalogue: Mapping[str, Instrument]) -> list[str]:
        """The symbols as the catalogue spells them, each once, in the order given (call
        after `misfits` found none)."""
        return list(dict.fromkeys(catalogue[symbol].symbol for symbol in self.symbols))

    def misfits(self, catalogue: Mapping[str, Instrument]) -> list[dict[str, Any]]:
        """What the body's shape cannot say, as FastAPI reports a body's errors (for a
        RequestValidationError): exactly one sizing, known symbols, a quantity each
        symbol can trade."""
        errors: list[dict[str, Any]] = []
        if (self.qty is None) == (self.risk_per_trade_r is None):
            given = "both were given" if self.qty is not None else "neither was given"
            for name in ("qty", "risk_per_trade_r"):
                errors.append(
                    {
                        "type": "value_error",
                        "loc": ("body", name),
                        "msg": f"give exactly one of qty and risk_per_trade_r: {given}",
                        "input": getattr(self, name),
                    }
                )
        for index, symbol in enumerate(self.symbols):
            instrument = catalogue.get(symbol)
            if instrument is None:
                errors.append(
                    {
                        "type": "value_error",
                        "loc": ("body", "symbols", index),
                        "msg": f"unknown symbol {symbol!r}: not in the instrument catalogue",
                        "input": symbol,
                    }
                )
            elif self.qty is not None and self.qty % instrument.lot_step:
                errors.append(
                    {
                        "type": "value_error",
                        "loc": ("body", "qty"),
                        "msg": f"must be a multiple of {instrument.symbol}'s lot step "
                        f"({instrument.lot_step})",
                        "input": self.qty,
                    }
                )
        return errors


class AutotradeRead(BaseModel):
    """The account's auto-trading. An account that never set it is off, with nothing chosen
    (`updated_at` null)."""

    model_config = ConfigDict(frozen=True)

    account_id: uuid.UUID
    enabled: bool
    strategies: list[str]
    symbols: list[str]
    qty: Number | None
    risk_per_trade_r: Number | None
    updated_at: datetime | None

    @classmethod
    def of(cls, settings: AutotradeSettings) -> AutotradeRead:
        return cls(
            account_id=uuid.UUID(settings.account_id),
            enabled=settings.enabled,
            strategies=list(settings.strategies),
            symbols=list(settings.symbols),
            qty=settings.qty,
            risk_per_trade_r=settings.risk_per_trade_r,
            updated_at=settings.updated_at,
        )
