"""Paper accounts and the prop-firm rule sets they are opened under."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    StringConstraints,
    ValidationInfo,
    computed_field,
    field_validator,
)
from pydantic_core import PydanticCustomError

from propdesk.domain.accounts import AccountStatus
from propdesk.domain.instruments import AssetClass
from propdesk.domain.ledger import AccountSnapshot
from propdesk.domain.orders import ZERO
from propdesk.domain.risk import CUSTOM, PRESETS, DrawdownMode, Preset, RuleSet
from propdesk.domain.risk.report import risk_per_trade
from propdesk.domain.risk.windows import Calendar
from propdesk.store.models import Account
from propdesk.wire.risk import TradingWindowModel

MoneyIn = Annotated[
    Decimal,
    Field(gt=0, max_digits=14, decimal_places=2, allow_inf_nan=False, examples=[50000]),
]
"""A positive amount in cents at most, below a trillion."""
MoneyOut = Annotated[Decimal, PlainSerializer(float, return_type=float, when_used="json")]
"""Money leaves as a JSON number (the API's convention); it is a Decimal everywhere inside."""
Currency = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Z]{3}$"),
    Field(description="ISO 4217 code.", examples=["USD"]),
]
AccountName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
PresetName = Literal["topstep-50k", "topstep-100k", "topstep-150k"]
RuleSetName = Literal[PresetName, "custom"]
RiskSource = Literal["account", "default"]
"""Where an account's R comes from: set on the account, or the default."""


def account_risk_per_trade(account: Account) -> tuple[Decimal, RiskSource]:
    """The account's R in money, and where it comes from."""
    own = account.risk_per_trade
    return risk_per_trade(account.starting_balance, own), "default" if own is None else "account"


def _r_misfit(value: Decimal, starting_balance: Decimal) -> str | None:
    if value >= starting_balance:
        return f"must be less than the starting balance ({starting_balance.normalize():f})"
    return None


class PresetRuleSetCreate(BaseModel):
    """A preset: its parameters, starting balance and currency are the firm's."""

    model_config = ConfigDict(extra="forbid")

    name: PresetName


class CustomRuleSetCreate(BaseModel):
    """Your own limits. Each is optional: one left out (or null) is not enforced, so
    `{"name": "custom"}` alone trades without limits."""

    model_config = ConfigDict(extra="forbid")

    name: Literal["custom"]
    daily_loss_limit: MoneyIn | None = Field(
        default=None, description="Omitted or null: no daily loss limit."
    )
    max_loss: MoneyIn | None = Field(
        default=None, description="Trailing per `drawdown`. Omitted or null: no maximum loss."
    )
    drawdown: DrawdownMode = DrawdownMode.end_of_day
    locks_at_starting_balance: bool = True
    max_contracts: int | None = Field(
        default=None,
        ge=1,
        le=10_000,
        description="Omitted or null: no limit on the position's size.",
    )
    calendar: Calendar = Field(
        default=Calendar.cme,
        description="The trading day the limits are measured over, and when it rolls: "
        "`cme` (17:00 America/Chicago, the futures firms' day) or `crypto` (the UTC day).",
    )
    windows: list[TradingWindowModel] = Field(
        default_factory=list,
        max_length=len(AssetClass),
        description="Trading windows, at most one per asset class. Omitted or empty: every "
        "family trades whenever its market is open.",
        examples=[[{"asset_class": "futures", "start": "17:00", "end": "15:10"}]],
    )

    @field_validator("windows")
    @classmethod
    def _one_window_per_family(cls, windows: list[TradingWindowModel]) -> list[TradingWindowModel]:
        families = [window.asset_class for window in windows]
        if len(set(families)) != len(families):
            raise ValueError("at most one trading window per asset class")
        return windows

    def to_domain(self) -> RuleSet:
        return RuleSet(
            name=CUSTOM,
            daily_loss_limit=self.daily_loss_limit,
            max_loss=self.max_loss,
            drawdown=self.drawdown,
            locks_at_starting_balance=self.locks_at_starting_balance,
            max_contracts=self.max_contracts,
            calendar=self.calendar,
            windows=tuple(window.to_domain() for window in self.windows),
        )


def _named(value: object) -> object:
    """A rule set named by a string is that preset, or `custom` without limits; so is no
    rule set at all (null or omitted)."""
    if value is None:
        return {"name": CUSTOM}
    if isinstance(value, str):
        if value != CUSTOM and value not in PRESETS:
            raise PydanticCustomError(
                "rule_set_unknown",
                "unknown rule set {name!r}: a preset ({presets}) or custom",
                {"name": value, "presets": ", ".join(PRESETS)},
            )
        return {"name": value}
    return value


_RuleSetObject = Annotated[PresetRuleSetCreate | CustomRuleSetCreate, Field(discriminator="name")]
RuleSetCreate = Annotated[
    _RuleSetObject,
    BeforeValidator(_named, json_schema_input_type=RuleSetName | _RuleSetObject | None),
]
"""`"topstep-50k"` as well as `{"name": "topstep-50k"}`; null is `custom` without limits."""


class AccountCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: AccountName
    rule_set: RuleSetCreate = Field(
        default=None,
        validate_default=True,  # omitted: `custom` without limits, as null is
        description='A preset by name (`"topstep-50k"`, or `{"name": "topstep-50k"}`), '
        'or `custom` with your own limits (`{"name": "custom", "max_loss": 2000}`). '
        'Omitted, null or `"custom"`: no limits at all. The presets are listed at '
        "`GET /api/v1/rule-sets`.",
    )
    starting_balance: MoneyIn | None = Field(
        default=None,
        validate_default=True,  # so that `custom` without one is refused, naming the field
        description="Required without a preset (`custom`, or no `rule_set`); a preset has its "
        "own (omit it, or give the preset's).",
    )
    currency: Currency | None = Field(default=None, description="`USD` when omitted.")
    risk_per_trade: MoneyIn | None = Field(
        default=None,
        description="1R: the money one trade risks, less than the starting balance. The "
        "status's R figures (and the journal's R multiples) are in it. Omitted or null: 1% of "
        "the starting balance.",
        examples=[250],
    )

    # Field validators (not a model validator) so that a refusal names its field; `rule_set`
    # is declared first, so it is validated first and visible here.
    @field_validator("starting_balance")
    @classmethod
    def _balance_fits_rule_set(cls, value: Decimal | None, info: ValidationInfo) -> Decimal | None:
        rule_set = info.data.get("rule_set")
        if isinstance(rule_set, PresetRuleSetCreate):
            preset = PRESETS[rule_set.name]
            if value is not None and value != preset.starting_balance:
                raise ValueError(
                    f"{preset.name} starts at {preset.starting_balance}: omit starting_balance "
                    "or choose the custom rule set"
                )
        elif isinstance(rule_set, CustomRuleSetCreate):
            if value is None:
                raise ValueError("required with the custom rule set (and without a rule set)")
            if rule_set.max_loss is not None and rule_set.max_loss >= value:
                raise ValueError("must be more than the rule set's max_loss")
        return value

    @field_validator("currency")
    @classmethod
    def _currency_fits_rule_set(cls, value: str | None, info: ValidationInfo) -> str | None:
        rule_set = info.data.get("rule_set")
        if isinstance(rule_set, PresetRuleSetCreate) and value is not None:
            preset = PRESETS[rule_set.name]
            if value != preset.currency:
                raise ValueError(f"{preset.name} is in {preset.currency}")
        return value

    @field_validator("risk_per_trade")
    @classmethod
    def _r_below_starting_balance(
        cls, value: Decimal | None, info: ValidationInfo
    ) -> Decimal | None:
        rule_set = info.data.get("rule_set")
        if isinstance(rule_set, PresetRuleSetCreate):
            balance: Decimal | None = PRESETS[rule_set.name].starting_balance
        else:
            balance = info.data.get("starting_balance")  # absent when it was refused
        if value is not None and balance is not None and (misfit := _r_misfit(value, balance)):
            raise PydanticCustomError("less_than", misfit)  # as the PATCH's refusal
        return value

    def resolve(self) -> tuple[Decimal, str, RuleSet]:
        """(starting balance, currency, rule set) with a preset's values filled in."""
        if isinstance(self.rule_set, PresetRuleSetCreate):
            preset = PRESETS[self.rule_set.name]
            return preset.starting_balance, preset.currency, preset.rule_set
        if self.starting_balance is None:  # pragma: no cover - the validator refuses it
            raise ValueError("starting_balance is required with the custom rule set")
        return self.starting_balance, self.currency or "USD", self.rule_set.to_domain()


class AccountUpdate(BaseModel):
    """What to change; a field left out stays as it is."""

    model_config = ConfigDict(extra="forbid")

    name: AccountName | None = Field(default=None, description="Omitted or null: unchanged.")
    risk_per_trade: MoneyIn | None = Field(
        default=None,
        description="1R in money, less than the starting balance. Null: back to the default "
        "(1% of the starting balance). Omitted: unchanged.",
        examples=[250],
    )

    @property
    def changes_risk_per_trade(self) -> bool:
        """`risk_per_trade` was given (a null resets it), not left out."""
        return "risk_per_trade" in self.model_fields_set

    def misfits(self, starting_balance: Decimal) -> list[dict[str, Any]]:
        """What does not fit the account, as FastAPI reports a body's errors (for a
        RequestValidationError): its starting balance is only known once it is loaded."""
        value = self.risk_per_trade
        misfit = None if value is None else _r_misfit(value, starting_balance)
        if misfit is None:
            return []
        return [
            {"type": "less_than", "loc": ("body", "risk_per_trade"), "msg": misfit, "input": value}
        ]


class RuleSetRead(BaseModel):
    """A limit that is null is not enforced."""

    name: str = Field(examples=["topstep-50k"])
    daily_loss_limit: MoneyOut | None
    max_loss: MoneyOut | None = Field(description="The maximum loss, trailing per `drawdown`.")
    drawdown: DrawdownMode
    locks_at_starting_balance: bool = Field(
        description="The trailing floor stops rising once it reaches the starting balance."
    )
    max_contracts: int | None
    calendar: Calendar = Field(
        default=Calendar.cme,
        description="The trading day the limits are measured over: `cme` ends at 17:00 "
        "America/Chicago, `crypto` is the UTC day.",
    )


class AccountRead(BaseModel):
    """The account and its money as the broker values it now (at the current quotes)."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    owner_id: int
    name: str
    currency: str
    starting_balance: MoneyOut
    balance: MoneyOut = Field(
        description="Cash: starting balance + realized P&L - commissions (the broker moves it)."
    )
    equity: MoneyOut = Field(description="Balance + unrealized P&L.")
    realized_pnl: MoneyOut
    unrealized_pnl: MoneyOut = Field(description="Of the open positions, at the current marks.")
    realized_pnl_today: MoneyOut = Field(
        description="Since the trading day began: 17:00 Chicago on the `cme` calendar, 00:00 "
        "UTC on the `crypto` one (`rule_set.calendar`)."
    )
    pnl_today: MoneyOut = Field(
        description="Realized today - commissions today + unrealized (no daily settlement)."
    )
    commissions: MoneyOut
    commissions_today: MoneyOut
    margin_used: MoneyOut = Field(
        description="Margin the positions and working orders tie up (worst case per side)."
    )
    buying_power: MoneyOut = Field(description="Equity not tied up as margin.")
    risk_per_trade: MoneyOut = Field(
        description="1R: the money one trade risks; the status's R figures (and the "
        "journal's R multiples) are in it. The account's own, or 1% of the starting balance "
        "(`risk_per_trade_source`)."
    )
    risk_per_trade_source: RiskSource = Field(
        description="`account`: set on the account (when it was opened, or by a PATCH); "
        "`default`: none set, so 1% of the starting balance."
    )
    rule_set: RuleSetRead
    status: AccountStatus
    created_at: datetime
    updated_at: datetime

    @computed_field  # type: ignore[prop-decorator]
    @property
    def can_trade(self) -> bool:
        return self.status is AccountStatus.active

    @classmethod
    def of(cls, account: Account, snapshot: AccountSnapshot | None) -> AccountRead:
        """`snapshot`: the broker's valuation; None until the account first trades (then the
        balance is all there is)."""
        if snapshot is None:
            balance = equity = buying_power = account.balance
            realized = unrealized = realized_today = pnl_today = commissions = ZERO
            commissions_today = margin_used = ZERO
        else:
            balance, equity, buying_power = (
                snapshot.balance,
                snapshot.equity,
                snapshot.buying_power,
            )
            ledger = snapshot.ledger
            realized, unrealized = snapshot.realized_pnl, snapshot.unrealized_pnl
            realized_today, pnl_today = ledger.realized_pnl_today, snapshot.pnl_today
            commissions, commissions_today = snapshot.commissions, ledger.commissions_today
            margin_used = snapshot.margin_used
        r, r_source = account_risk_per_trade(account)
        return cls(
            id=account.id,
            owner_id=account.owner_id,
            name=account.name,
            currency=account.currency,
            starting_balance=account.starting_balance,
            balance=balance,
            equity=equity,
            realized_pnl=realized,
            unrealized_pnl=unrealized,
            realized_pnl_today=realized_today,
            pnl_today=pnl_today,
            commissions=commissions,
            commissions_today=commissions_today,
            margin_used=margin_used,
            buying_power=buying_power,
            risk_per_trade=r,
            risk_per_trade_source=r_source,
            rule_set=RuleSetRead.model_validate(account.rule_set),
            status=account.status,
            created_at=account.created_at,
            updated_at=account.updated_at,
        )


class AccountPeriodRead(BaseModel):
    """One run of the account: from opening or a reset to the next reset (open: `ended_at`
    is null)."""

    model_config = ConfigDict(from_attributes=True)

    number: int
    started_at: datetime
    ended_at: datetime | None
    starting_balance: MoneyOut
    ending_balance: MoneyOut | None


class PresetRead(BaseModel):
    name: str
    starting_balance: MoneyOut
    currency: str
    rule_set: RuleSetRead

    @classmethod
    def from_preset(cls, preset: Preset) -> PresetRead:
        return cls(
            name=preset.name,
            starting_balance=preset.starting_balance,
            currency=preset.currency,
            rule_set=RuleSetRead.model_validate(preset.rule_set.to_json()),
        )
