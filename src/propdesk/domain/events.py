"""What happened in the broker, in the past tense; an order event carries the order as it is now."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from propdesk.domain.commands import Command
from propdesk.domain.journal.trips import RoundTrip
from propdesk.domain.ledger import Ledger
from propdesk.domain.orders import Fill, Order
from propdesk.domain.positions import Position
from propdesk.domain.risk.rules import RiskAction, RuleSet
from propdesk.domain.risk.state import RiskState


class CancelReason(StrEnum):
    requested = "requested"
    ioc = "ioc"
    """The part of an IOC order that could not fill at once."""
    fok = "fok"
    """An FOK order that could not fill entirely at once."""
    oco = "oco"
    """Its sibling leg filled."""
    parent_canceled = "parent_canceled"
    """Its bracket entry ended without a fill."""
    bracket_exited = "bracket_exited"
    """A leg closed everything the entry had filled; the rest of the entry is not wanted."""
    position_closed = "position_closed"
    """Canceled by closing the position (flatten)."""
    account_reset = "account_reset"
    """The account was reset to its starting balance."""


@dataclass(frozen=True, slots=True)
class OrderEvent:
    order: Order
    ts: float

    @property
    def account_id(self) -> str:
        return self.order.account_id


@dataclass(frozen=True, slots=True)
class OrderAccepted(OrderEvent):
    """A new order, working (`new`) or waiting for its entry (`held`)."""


@dataclass(frozen=True, slots=True)
class OrderRejected(OrderEvent):
    """A refused submission, recorded as an order in `rejected` with its `reject_reason`."""


@dataclass(frozen=True, slots=True)
class OrderReleased(OrderEvent):
    """A held bracket leg started working: its entry filled (`qty` is the filled quantity)."""


@dataclass(frozen=True, slots=True)
class OrderTriggered(OrderEvent):
    """A stop reached its stop price: it now fills as a market order (stop-limit: as a limit)."""


@dataclass(frozen=True, slots=True)
class TrailingStopMoved(OrderEvent):
    """A trailing stop's water mark moved its stop price."""


@dataclass(frozen=True, slots=True)
class OrderReplaced(OrderEvent):
    """Modified by its owner, or a leg's quantity followed its entry's or sibling's fills."""


@dataclass(frozen=True, slots=True)
class OrderCanceled(OrderEvent):
    reason: CancelReason = CancelReason.requested


@dataclass(frozen=True, slots=True)
class OrderExpired(OrderEvent):
    """A day order reached its session's close."""


@dataclass(frozen=True, slots=True)
class OrderFilled(OrderEvent):
    fill: Fill
    partial: bool
    """More of the order remains working."""


@dataclass(frozen=True, slots=True)
class PositionChanged:
    position: Position
    ts: float

    @property
    def account_id(self) -> str:
        return self.position.account_id


@dataclass(frozen=True, slots=True)
class AccountChanged:
    """Balance, realized P&L or commissions changed, or the trading day rolled over."""

    ledger: Ledger
    ts: float

    @property
    def account_id(self) -> str:
        return self.ledger.account_id


@dataclass(frozen=True, slots=True)
class AccountReset:
    """The account started over at `starting_balance`: the period that ended closed with
    `ending_balance` (its cash balance), and the account is active again."""

    account_id: str
    starting_balance: Decimal
    ending_balance: Decimal
    ts: float


@dataclass(frozen=True, slots=True)
class RiskChanged:
    """The account's risk state changed: a trade counted, a lock set or lifted, a roll. It
    carries the rules enforced, so that a reader values the state without the store."""

    state: RiskState
    rules: RuleSet
    ts: float

    @property
    def account_id(self) -> str:
        return self.state.account_id


@dataclass(frozen=True, slots=True)
class RiskBreached:
    """A tripwire went off; what was done about it (`action`) follows in the same batch."""

    account_id: str
    code: str
    reason: str
    action: RiskAction
    ts: float


@dataclass(frozen=True, slots=True)
class TripChanged:
    """A round trip of the journal opened, changed (a fill, its initial stop) or closed."""

    trip: RoundTrip
    ts: float

    @property
    def account_id(self) -> str:
        return self.trip.account_id


@dataclass(frozen=True, slots=True)
class CommandRejected:
    """A command refused without recording an order: modify, cancel, close, or a conflict."""

    account_id: str
    command: Command
    reason: str
    ts: float


Event = (
    OrderAccepted
    | OrderRejected
    | OrderReleased
    | OrderTriggered
    | TrailingStopMoved
    | OrderReplaced
    | OrderCanceled
    | OrderExpired
    | OrderFilled
    | PositionChanged
    | AccountChanged
    | AccountReset
    | RiskChanged
    | RiskBreached
    | TripChanged
    | CommandRejected
)
