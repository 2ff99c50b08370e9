"""The engine's contract as plain values: the account-level commands beside the broker's, and
the result every command is answered with once it is durable.

These cross process boundaries (a gateway's request, the engine's reply), so they hold only
values the bus codec knows: dataclasses of domain values, `Decimal`, enums and tuples; never
a live object compared by identity.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from propdesk.domain.broker import Broker
from propdesk.domain.commands import Command, SubmitOrder
from propdesk.domain.events import (
    AccountReset,
    CommandRejected,
    Event,
    OrderAccepted,
    OrderRejected,
    RiskBreached,
)
from propdesk.domain.orders import Order
from propdesk.domain.risk.rules import RiskAction, RuleSet

AUTOTRADE_SKIPPED = "AUTOTRADE_SKIPPED"
"""The audit log's code for a signal that auto-trading did not trade on an account."""


@dataclass(frozen=True, slots=True)
class OpenAccount:
    """Start trading a new account now (its ledger, its first `account` event), rather than
    with its first order: so that its snapshot and figures exist from the start."""

    account_id: str


@dataclass(frozen=True, slots=True)
class ResetAccount:
    """Back to the starting balance: orders canceled, positions gone, the period closed and a
    new one started, the account active again; all of it in one commit."""

    account_id: str
    starting_balance: Decimal


@dataclass(frozen=True, slots=True)
class UnlockAccount:
    """Lift the account's risk lock now (an admin's decision, recorded in the audit log)."""

    account_id: str


@dataclass(frozen=True, slots=True)
class ChangeRules:
    """New rules for the account: in force now (`at_once`, an admin's change), or from its
    next trading day (the owner's; refused, without events, while the account is locked)."""

    account_id: str
    rules: RuleSet
    at_once: bool


@dataclass(frozen=True, slots=True)
class RecordSkippedSignal:
    """Write in the account's risk audit log that auto-trading let a signal go, and why
    (`AUTOTRADE_SKIPPED`, action `notify`). The log is the engine's to write, as every risk
    event is: the note is as durable as a breach, in order with them, and the same for an
    engine in this process or in another."""

    account_id: str
    signal_id: str
    reason: str


TradingCommand = (
    Command | OpenAccount | ResetAccount | UnlockAccount | ChangeRules | RecordSkippedSignal
)
"""Everything a gateway may ask the engine to do."""


@dataclass(frozen=True, slots=True)
class CommitMark:
    """Where a result stands in its engine shard's sequence of published commits: a reader
    that has applied this commit (same `run`, `seq` at least this) shows the result."""

    shard: int
    run: str
    """One run of the engine: `seq` starts again when it restarts."""
    seq: int


@dataclass(frozen=True, slots=True)
class Commit:
    """What one commit made durable, as the engine publishes it (`Topics.EVENTS`)."""

    mark: CommitMark
    events: tuple[Event, ...]


@dataclass(frozen=True, slots=True)
class CommandResult:
    """The engine's answer to one command, sent after its commit.

    `order` is the order a submission is about: the new one (accepted or rejected), or for
    a retry (`replayed`) the original, as it is now. `legs` are its bracket legs.
    """

    events: tuple[Event, ...]
    order: Order | None = None
    legs: tuple[Order, ...] = ()
    replayed: bool = False
    rejected: str | None = None
    """Why a command was refused without recording an order (modify, cancel, close, a
    client order id reused with other parameters)."""
    commit: CommitMark | None = None
    """The published commit that shows it (None before the engine published any)."""


def reset_account(broker: Broker, command: ResetAccount, now: float) -> list[Event]:
    """The broker's reset, and the `AccountReset` that closes the period in the same commit."""
    before = broker.account(command.account_id)
    produced = broker.reset_account(command.account_id, command.starting_balance, now)
    ending = command.starting_balance if before is None else before.balance
    produced.append(AccountReset(command.account_id, command.starting_balance, ending, now))
    return produced


def record_skipped_signal(broker: Broker, command: RecordSkippedSignal, now: float) -> list[Event]:
    """The audit-log entry, for an account the broker has (nothing for another)."""
    if broker.account(command.account_id) is None:
        return []
    reason = f"signal {command.signal_id} not traded: {command.reason}"
    return [RiskBreached(command.account_id, AUTOTRADE_SKIPPED, reason, RiskAction.notify, now)]


def result_of(broker: Broker, command: TradingCommand, produced: Sequence[Event]) -> CommandResult:
    """What to answer for `command`, given the events applying it `produced` (a pure function
    of the broker as it is right after the command)."""
    events = tuple(produced)
    if isinstance(
        command, OpenAccount | ResetAccount | UnlockAccount | ChangeRules | RecordSkippedSignal
    ):
        return CommandResult(events)
    rejected = next(
        (e.reason for e in produced if isinstance(e, CommandRejected) and e.command == command),
        None,
    )
    if not isinstance(command, SubmitOrder) or rejected is not None:
        return CommandResult(events, rejected=rejected)
    order = next(
        (
            e.order
            for e in produced
            if isinstance(e, OrderAccepted | OrderRejected) and e.order.parent_id is None
        ),
        None,
    )
    replayed = False
    if order is None and command.client_order_id is not None:
        # Nothing new and nothing refused: a retry of an order the broker already has.
        order = broker.order_by_client_id(command.account_id, command.client_order_id)
        replayed = order is not None
    if order is None:
        return CommandResult(events)
    order = broker.order(order.id) or order
    return CommandResult(events, order, tuple(broker.legs(order.id)), replayed)
