"""Every WebSocket message, defined once: these models validate what clients send, build what
the server sends, and generate the AsyncAPI document (`/api/v1/ws/asyncapi.json`).

A message is a JSON object whose `type` names it. A client message may carry an `id` (a string
or an integer of its choosing), echoed by the reply it causes (`subscribed`, `unsubscribed`,
`pong`, `connected` after `auth`, or `error`).

Updates (`*.update`) carry their `topic` and a sequence number `seq` that counts that topic's
updates in this server process: consecutive updates of a topic differ by one, so a gap tells
a client it missed something. Subscribing first sends the topic's current state as an update
with `snapshot: true` stamped with the topic's current `seq`; the updates after it follow on.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal, get_args

import orjson
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    TypeAdapter,
)

from propdesk.domain.bars import Resolution
from propdesk.ws.payloads import (
    AccountPayload,
    BarPayload,
    ExecutionPayload,
    OrderPayload,
    PositionPayload,
    QuotePayload,
    RegimePayload,
    RiskPayload,
    SignalPayload,
    TradePayload,
)

MAX_QUOTE_SYMBOLS = 100


def _type_is_required(schema: dict[str, Any]) -> None:
    # `type` has a default so that code can build a message without repeating its name, but
    # on the wire it is always there: say so in the schema.
    required = schema.setdefault("required", [])
    if "type" not in required:
        required.insert(0, "type")


MessageId = Annotated[
    Annotated[str, StringConstraints(max_length=128)] | int,
    Field(
        description="Chosen by the client; echoed by the reply this message causes.",
        examples=["sub-1", 7],
    ),
]
Symbol = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, to_upper=True, min_length=1, max_length=32, pattern=r"^[A-Za-z0-9]+$"
    ),
    Field(description="An instrument of the catalogue.", examples=["MNQ"]),
]


def _resolution(text: str) -> str:
    return str(Resolution.parse(text))


ResolutionText = Annotated[
    str,
    StringConstraints(max_length=8),
    AfterValidator(_resolution),
    Field(
        description=f"A UDF resolution: {', '.join(Resolution.SUPPORTED)}.",
        examples=["1", "5", "1D"],
    ),
]


class ErrorCode(StrEnum):
    INVALID_JSON = "INVALID_JSON"
    """The frame is not a JSON object."""
    UNKNOWN_TYPE = "UNKNOWN_TYPE"
    """`type` is missing or names no client message."""
    INVALID_MESSAGE = "INVALID_MESSAGE"
    """A field is missing or malformed; `reason` names it."""
    MESSAGE_TOO_LARGE = "MESSAGE_TOO_LARGE"
    NOT_AUTHENTICATED = "NOT_AUTHENTICATED"
    """An account topic without credentials, or credentials no longer valid."""
    NOT_FOUND = "NOT_FOUND"
    """No such account, or (the same answer) someone else's."""
    UNKNOWN_SYMBOL = "UNKNOWN_SYMBOL"
    TOO_MANY_TOPICS = "TOO_MANY_TOPICS"
    ALREADY_AUTHENTICATED = "ALREADY_AUTHENTICATED"
    AUTH_WINDOW_CLOSED = "AUTH_WINDOW_CLOSED"
    """`auth` is accepted only as the first message, within the auth timeout."""
    RATE_LIMITED = "RATE_LIMITED"
    """Account topics count against the user's request budget, as REST requests do."""
    UNAVAILABLE = "UNAVAILABLE"
    """A dependency (the database) failed; try again."""


# --- client → server ------------------------------------------------------------------------


class ClientMessage(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, json_schema_extra=_type_is_required)

    id: MessageId | None = None


class AuthMessage(ClientMessage):
    """Authenticate: the first message, within the auth timeout of connecting (or connect with
    `?token=`). The token is an access token or an API key; bad credentials close the
    connection with 1008. Answered by `connected`."""

    type: Literal["auth"] = "auth"
    token: str = Field(min_length=1, max_length=4096)


class BarsSubscribeMessage(ClientMessage):
    """Bars of one symbol at one resolution: the forming bar (resolutions above a minute
    aggregate the forming bucket), then `bars.update` after every tick and at each close."""

    type: Literal["bars.subscribe"] = "bars.subscribe"
    symbol: Symbol
    resolution: ResolutionText


class BarsUnsubscribeMessage(ClientMessage):
    type: Literal["bars.unsubscribe"] = "bars.unsubscribe"
    symbol: Symbol
    resolution: ResolutionText


class QuotesSubscribeMessage(ClientMessage):
    """Quotes of some symbols: the last quote of each, then `quotes.update` at every tick."""

    type: Literal["quotes.subscribe"] = "quotes.subscribe"
    symbols: list[Symbol] = Field(min_length=1, max_length=MAX_QUOTE_SYMBOLS)


class QuotesUnsubscribeMessage(ClientMessage):
    type: Literal["quotes.unsubscribe"] = "quotes.unsubscribe"
    symbols: list[Symbol] = Field(min_length=1, max_length=MAX_QUOTE_SYMBOLS)


class AccountTopicMessage(ClientMessage):
    account_id: uuid.UUID = Field(description="One of your accounts (admins: any).")


class OrdersSubscribeMessage(AccountTopicMessage):
    """An account's orders: every open order, then `orders.update` at each order event."""

    type: Literal["orders.subscribe"] = "orders.subscribe"


class OrdersUnsubscribeMessage(AccountTopicMessage):
    type: Literal["orders.unsubscribe"] = "orders.unsubscribe"


class ExecutionsSubscribeMessage(AccountTopicMessage):
    """An account's fills as they happen (the snapshot is empty: history is in REST)."""

    type: Literal["executions.subscribe"] = "executions.subscribe"


class ExecutionsUnsubscribeMessage(AccountTopicMessage):
    type: Literal["executions.unsubscribe"] = "executions.unsubscribe"


class PositionsSubscribeMessage(AccountTopicMessage):
    """An account's positions: the open ones, then `positions.update` at each change."""

    type: Literal["positions.subscribe"] = "positions.subscribe"


class PositionsUnsubscribeMessage(AccountTopicMessage):
    type: Literal["positions.unsubscribe"] = "positions.unsubscribe"


class AccountSubscribeMessage(AccountTopicMessage):
    """An account's money: its current figures, then `account.update` at each change."""

    type: Literal["account.subscribe"] = "account.subscribe"


class AccountUnsubscribeMessage(AccountTopicMessage):
    type: Literal["account.unsubscribe"] = "account.unsubscribe"


class RiskSubscribeMessage(AccountTopicMessage):
    """An account's standing against its rules: a snapshot, then `risk.update` after every
    change of its risk state or of its money (ownership checked)."""

    type: Literal["risk.subscribe"] = "risk.subscribe"


class RiskUnsubscribeMessage(AccountTopicMessage):
    type: Literal["risk.unsubscribe"] = "risk.unsubscribe"


class TradesSubscribeMessage(AccountTopicMessage):
    """An account's round trips in the journal: its open ones, then `trades.update` with the
    trip each time a fill opens, changes or closes one (ownership checked)."""

    type: Literal["trades.subscribe"] = "trades.subscribe"


class TradesUnsubscribeMessage(AccountTopicMessage):
    type: Literal["trades.unsubscribe"] = "trades.unsubscribe"


class SignalsSubscribeMessage(ClientMessage):
    """Strategy signals and regime readings of one symbol, or of every symbol without one:
    `signals.update` for each signal a running strategy gives, `regime.update` after each
    closed bar the regime classifier reads. No snapshot (REST has the current regime)."""

    type: Literal["signals.subscribe"] = "signals.subscribe"
    symbol: Symbol | None = None


class SignalsUnsubscribeMessage(ClientMessage):
    type: Literal["signals.unsubscribe"] = "signals.unsubscribe"
    symbol: Symbol | None = None


class PingMessage(ClientMessage):
    """Answered by `pong`."""

    type: Literal["ping"] = "ping"


AnyClientMessage = Annotated[
    AuthMessage
    | BarsSubscribeMessage
    | BarsUnsubscribeMessage
    | QuotesSubscribeMessage
    | QuotesUnsubscribeMessage
    | OrdersSubscribeMessage
    | OrdersUnsubscribeMessage
    | ExecutionsSubscribeMessage
    | ExecutionsUnsubscribeMessage
    | PositionsSubscribeMessage
    | PositionsUnsubscribeMessage
    | AccountSubscribeMessage
    | AccountUnsubscribeMessage
    | RiskSubscribeMessage
    | RiskUnsubscribeMessage
    | TradesSubscribeMessage
    | TradesUnsubscribeMessage
    | SignalsSubscribeMessage
    | SignalsUnsubscribeMessage
    | PingMessage,
    Field(discriminator="type"),
]
CLIENT_MESSAGES: TypeAdapter[AnyClientMessage] = TypeAdapter(AnyClientMessage)


# --- server → client ------------------------------------------------------------------------


class ServerMessage(BaseModel):
    # A client ignores fields it does not know, so that the server can add some.
    model_config = ConfigDict(
        extra="ignore",
        frozen=True,
        json_schema_extra=_type_is_required,
        # What the server sends always has every field, defaults included.
        json_schema_serialization_defaults_required=True,
    )


class Reply(ServerMessage):
    id: MessageId | None = Field(default=None, description="The `id` of the message answered.")


class ConnectedMessage(Reply):
    """Sent on connecting, and again after a successful `auth` (echoing its `id`)."""

    type: Literal["connected"] = "connected"
    authenticated: bool
    user_id: int | None = None
    username: str | None = None
    role: str | None = None
    server_version: str
    heartbeat_seconds: float
    max_message_bytes: int
    auth_timeout_seconds: float


class SubscribedMessage(Reply):
    """The topics now held; their snapshots follow."""

    type: Literal["subscribed"] = "subscribed"
    topics: list[str] = Field(examples=[["bars.MNQ.5"]])


class UnsubscribedMessage(Reply):
    type: Literal["unsubscribed"] = "unsubscribed"
    topics: list[str]


class ErrorMessage(Reply):
    """A refused message; the connection stays open."""

    type: Literal["error"] = "error"
    code: ErrorCode
    reason: str


class PongMessage(Reply):
    type: Literal["pong"] = "pong"
    time: datetime = Field(description="The server's clock (UTC).")


class HeartbeatMessage(ServerMessage):
    """Sent to every connection at a fixed interval (`heartbeat_seconds` in `connected`)."""

    type: Literal["heartbeat"] = "heartbeat"
    time: datetime


class Update(ServerMessage):
    topic: str = Field(description="The topic this update belongs to.", examples=["bars.MNQ.5"])
    seq: int = Field(ge=0, description="The topic's sequence number (see the description).")
    snapshot: bool = Field(
        default=False,
        description="The topic's current state, sent on subscribing; replaces what the client "
        "held for the topic.",
    )


class BarsUpdateMessage(Update):
    """The forming bar after a tick, or a bar as it closes (`closed: true`)."""

    type: Literal["bars.update"] = "bars.update"
    symbol: str
    resolution: str
    bar: BarPayload
    closed: bool


class QuotesUpdateMessage(Update):
    type: Literal["quotes.update"] = "quotes.update"
    symbol: str
    quote: QuotePayload


class OrderUpdateEvent(StrEnum):
    new = "new"
    """Accepted: working (`new`) or, a bracket leg, waiting for its entry (`held`)."""
    fill = "fill"
    partial_fill = "partial_fill"
    canceled = "canceled"
    expired = "expired"
    replaced = "replaced"
    """Modified by its owner, or a leg's quantity followed its entry's fills."""
    rejected = "rejected"
    released = "released"
    """A held bracket leg started working: its entry filled."""
    triggered = "triggered"
    """A stop reached its stop price."""
    trailing_stop_moved = "trailing_stop_moved"
    """A trailing stop's water mark moved its stop price."""


class OrdersUpdateMessage(Update):
    """A snapshot holds every open order (`event` null); an update, the one order an event
    changed. A fill carries its execution too."""

    type: Literal["orders.update"] = "orders.update"
    account_id: str
    event: OrderUpdateEvent | None
    orders: list[OrderPayload]
    execution: ExecutionPayload | None = None
    reason: str | None = Field(
        default=None, description="Why it was canceled or rejected, when it was."
    )


class ExecutionsUpdateMessage(Update):
    """Fills as they happen; the snapshot is empty (history is in the REST API)."""

    type: Literal["executions.update"] = "executions.update"
    account_id: str
    executions: list[ExecutionPayload]


class PositionsUpdateMessage(Update):
    """A snapshot holds every open position; an update, the position that changed (flat when
    it closed)."""

    type: Literal["positions.update"] = "positions.update"
    account_id: str
    positions: list[PositionPayload]


class AccountUpdateMessage(Update):
    type: Literal["account.update"] = "account.update"
    account_id: str
    account: AccountPayload


class RiskUpdateMessage(Update):
    """The account's standing against its rules (REST's `GET risk`), after every change."""

    type: Literal["risk.update"] = "risk.update"
    account_id: str
    risk: RiskPayload


class TradesUpdateMessage(Update):
    """A snapshot holds every open round trip of the account; an update, the trip a fill
    opened, changed or closed (`status: closed`, its final figures), or its initial stop.

    A trip is REST's journal trade. Its R comes from its initial stop, else from the
    account's `risk_per_trade` as read when this topic was last subscribed to; a change of
    `risk_per_trade` shows on the topic from the next subscription on (REST: at once)."""

    type: Literal["trades.update"] = "trades.update"
    account_id: str
    trades: list[TradePayload]


class SignalsUpdateMessage(Update):
    """A signal a running strategy gave at the close of a bar (`PROPDESK_STRATEGIES`): never
    one of a bar replayed at start or over a gap."""

    type: Literal["signals.update"] = "signals.update"
    symbol: str
    signal: SignalPayload


class RegimeUpdateMessage(Update):
    """Delivered on the signals topics: the symbol's regime after each closed bar of every
    resolution classified (`PROPDESK_REGIME_RESOLUTIONS`), once the classifier is warm."""

    type: Literal["regime.update"] = "regime.update"
    symbol: str
    regime: RegimePayload


AnyServerMessage = Annotated[
    ConnectedMessage
    | SubscribedMessage
    | UnsubscribedMessage
    | ErrorMessage
    | PongMessage
    | HeartbeatMessage
    | BarsUpdateMessage
    | QuotesUpdateMessage
    | OrdersUpdateMessage
    | ExecutionsUpdateMessage
    | PositionsUpdateMessage
    | AccountUpdateMessage
    | RiskUpdateMessage
    | TradesUpdateMessage
    | SignalsUpdateMessage
    | RegimeUpdateMessage,
    Field(discriminator="type"),
]
SERVER_MESSAGES: TypeAdapter[AnyServerMessage] = TypeAdapter(AnyServerMessage)


def members(union: Any) -> tuple[type[BaseModel], ...]:
    """The models of an annotated message union (the AsyncAPI document lists them)."""
    return get_args(get_args(union)[0])


def encode(message: ServerMessage) -> str:
    """The message as JSON text, once: fan-out shares the result among every subscriber."""
    data = message.model_dump()
    # `type` first, for whoever reads frames in a browser's developer tools. Decimals (the
    # orders' numbers) leave as floats, as REST's `Number` does.
    return orjson.dumps(
        {"type": data.pop("type"), **data}, default=float, option=orjson.OPT_UTC_Z
    ).decode()


CLIENT_MODELS = members(AnyClientMessage)
SERVER_MODELS = members(AnyServerMessage)
