"""Account topics: the engine's committed events of one account as orders, executions,
positions, account, risk and trades updates; snapshots from the read model of committed
state."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from propdesk.domain.events import (
    AccountChanged,
    OrderAccepted,
    OrderCanceled,
    OrderEvent,
    OrderExpired,
    OrderFilled,
    OrderRejected,
    OrderReleased,
    OrderReplaced,
    OrderTriggered,
    PositionChanged,
    RiskChanged,
    TrailingStopMoved,
    TripChanged,
)
from propdesk.domain.positions import Position
from propdesk.ws.payloads import (
    AccountPayload,
    ExecutionPayload,
    OrderPayload,
    PositionPayload,
    RiskPayload,
    TradePayload,
)
from propdesk.ws.protocol import (
    AccountUpdateMessage,
    ExecutionsUpdateMessage,
    OrdersUpdateMessage,
    OrderUpdateEvent,
    PositionsUpdateMessage,
    RiskUpdateMessage,
    TradesUpdateMessage,
    Update,
)
from propdesk.ws.topics import AccountGrant, Topic

_ORDER_EVENTS: dict[type[Any], OrderUpdateEvent] = {
    OrderAccepted: OrderUpdateEvent.new,
    OrderRejected: OrderUpdateEvent.rejected,
    OrderReleased: OrderUpdateEvent.released,
    OrderTriggered: OrderUpdateEvent.triggered,
    TrailingStopMoved: OrderUpdateEvent.trailing_stop_moved,
    OrderReplaced: OrderUpdateEvent.replaced,
    OrderCanceled: OrderUpdateEvent.canceled,
    OrderExpired: OrderUpdateEvent.expired,
}


class OrdersTopic(Topic):
    def on_message(self, message: object) -> None:
        if not isinstance(message, OrderEvent):
            return
        execution = None
        reason = None
        if isinstance(message, OrderFilled):
            event = OrderUpdateEvent.partial_fill if message.partial else OrderUpdateEvent.fill
            execution = ExecutionPayload.of(message.fill, message.order, partial=message.partial)
        else:
            known = _ORDER_EVENTS.get(type(message))
            if known is None:
                return
            event = known
            if isinstance(message, OrderCanceled):
                reason = message.reason.value
            elif isinstance(message, OrderRejected):
                reason = message.order.reject_reason
        order = OrderPayload.of(message.order)
        self.emit(
            lambda seq: OrdersUpdateMessage(
                topic=self.name,
                seq=seq,
                account_id=self.key.subject,
                event=event,
                orders=[order],
                execution=execution,
                reason=reason,
            )
        )

    def snapshot(self) -> Update | None:
        reader = self.sources.reader
        orders = [] if reader is None else reader.open_orders(self.key.subject)
        return OrdersUpdateMessage(
            topic=self.name,
            seq=self.seq,
            snapshot=True,
            account_id=self.key.subject,
            event=None,
            orders=[OrderPayload.of(order) for order in orders],
        )


class ExecutionsTopic(Topic):
    def on_message(self, message: object) -> None:
        if not isinstance(message, OrderFilled):
            return
        execution = ExecutionPayload.of(message.fill, message.order, partial=message.partial)
        self.emit(
            lambda seq: ExecutionsUpdateMessage(
                topic=self.name, seq=seq, account_id=self.key.subject, executions=[execution]
            )
        )

    def snapshot(self) -> Update | None:
        return ExecutionsUpdateMessage(
            topic=self.name, seq=self.seq, snapshot=True, account_id=self.key.subject, executions=[]
        )


class PositionsTopic(Topic):
    def on_message(self, message: object) -> None:
        if not isinstance(message, PositionChanged):
            return
        position = self.payload(message.position)
        self.emit(
            lambda seq: PositionsUpdateMessage(
                topic=self.name, seq=seq, account_id=self.key.subject, positions=[position]
            )
        )

    def payload(self, position: Position) -> PositionPayload:
        instrument = self.sources.catalogue.get(position.symbol)
        return PositionPayload.of(position, None if instrument is None else instrument.point_value)

    def snapshot(self) -> Update | None:
        reader = self.sources.reader
        positions = [] if reader is None else reader.positions(self.key.subject)
        return PositionsUpdateMessage(
            topic=self.name,
            seq=self.seq,
            snapshot=True,
            account_id=self.key.subject,
            positions=[self.payload(p) for p in positions if p.qty],
        )


class AccountTopic(Topic):
    def on_message(self, message: object) -> None:
        if not isinstance(message, AccountChanged):
            return
        reader = self.sources.reader
        # The event carries the ledger; the read model values it at the quotes as of now.
        valued = None if reader is None else reader.account(self.key.subject)
        account = AccountPayload.of(message.ledger, valued)
        self.emit(
            lambda seq: AccountUpdateMessage(
                topic=self.name, seq=seq, account_id=self.key.subject, account=account
            )
        )

    def snapshot(self) -> Update | None:
        reader = self.sources.reader
        valued = None if reader is None else reader.account(self.key.subject)
        if valued is None:
            return None
        return AccountUpdateMessage(
            topic=self.name,
            seq=self.seq,
            snapshot=True,
            account_id=self.key.subject,
            account=AccountPayload.of(valued.ledger, valued),
        )


class RiskTopic(Topic):
    """The account's standing against its rules: after each change of its risk state or of
    its money, as the read model values it."""

    def on_message(self, message: object) -> None:
        if not isinstance(message, RiskChanged | AccountChanged):
            return
        risk = self.payload()
        if risk is None:
            return
        self.emit(
            lambda seq: RiskUpdateMessage(
                topic=self.name, seq=seq, account_id=self.key.subject, risk=risk
            )
        )

    def payload(self) -> RiskPayload | None:
        reader = self.sources.reader
        report = None if reader is None else reader.risk_report(self.key.subject)
        return None if report is None else RiskPayload.of(report)

    def snapshot(self) -> Update | None:
        risk = self.payload()
        if risk is None:
            return None
        return RiskUpdateMessage(
            topic=self.name, seq=self.seq, snapshot=True, account_id=self.key.subject, risk=risk
        )


class TradesTopic(Topic):
    """The account's round trips: the open ones, then each trip a committed fill opened,
    changed or closed (`TripChanged`), as REST's journal shows it.

    A trip without a usable initial stop takes its R from the account's `risk_per_trade`,
    which the engine does not keep: each subscription's ownership check reads it, and the
    topic uses the last one read from then on (REST reads it at every request)."""

    default_risk: Decimal | None = None

    def granted(self, grant: AccountGrant) -> None:
        self.default_risk = grant.risk_per_trade

    def on_message(self, message: object) -> None:
        if not isinstance(message, TripChanged):
            return
        trip = message.trip
        self.emit(
            lambda seq: TradesUpdateMessage(
                topic=self.name,
                seq=seq,
                account_id=self.key.subject,
                trades=[TradePayload.of(trip, self.default_risk)],
            )
        )

    def snapshot(self) -> Update | None:
        reader = self.sources.reader
        trips = [] if reader is None else reader.open_trips(self.key.subject)
        return TradesUpdateMessage(
            topic=self.name,
            seq=self.seq,
            snapshot=True,
            account_id=self.key.subject,
            trades=[TradePayload.of(trip, self.default_risk) for trip in trips],
        )
