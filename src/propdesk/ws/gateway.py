"""One WebSocket from accept to close: authentication, then a reader that validates each client
message and answers it, while the connection's writer sends replies and updates.

Replies and updates share the connection's queue, so a reply never overtakes the updates
queued before it. A malformed message is answered with an `error` and the connection stays
open; bad credentials close it with 1008.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import MutableMapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode

import orjson
import structlog
from prometheus_client import Counter, Gauge
from pydantic import ValidationError
from starlette.websockets import WebSocket

from propdesk import __version__
from propdesk.auth.ratelimit import Bucket, RateLimiter
from propdesk.config import Settings
from propdesk.errors import NotAuthenticatedError, NotFoundError, RateLimitedError
from propdesk.marketdata.catalogue import Catalogue
from propdesk.ws.access import Access, Identity
from propdesk.ws.connection import CloseCode, Connection, close_reason
from propdesk.ws.hub import Hub, SubscriptionError
from propdesk.ws.protocol import (
    CLIENT_MESSAGES,
    AccountTopicMessage,
    AnyClientMessage,
    AuthMessage,
    BarsSubscribeMessage,
    BarsUnsubscribeMessage,
    ConnectedMessage,
    ErrorCode,
    ErrorMessage,
    MessageId,
    PingMessage,
    PongMessage,
    QuotesSubscribeMessage,
    QuotesUnsubscribeMessage,
    ServerMessage,
    SignalsSubscribeMessage,
    SignalsUnsubscribeMessage,
    SubscribedMessage,
    UnsubscribedMessage,
)
from propdesk.ws.topics import EVERY_SYMBOL, Kind, TopicKey

log = structlog.get_logger(__name__)

CONNECTIONS = Gauge("propdesk_ws_connections", "Open WebSocket connections")
CLOSED = Counter("propdesk_ws_closed_total", "WebSocket connections closed, by code", ["code"])


class UnknownSymbolError(Exception):
    pass


class Gateway:
    """What every connection of one app shares."""

    def __init__(
        self,
        hub: Hub,
        access: Access,
        catalogue: Catalogue,
        settings: Settings,
        limiter: RateLimiter | None = None,
    ) -> None:
        self.hub = hub
        self.access = access
        self.catalogue = catalogue
        self.settings = settings
        self.limiter = limiter

    async def serve(self, websocket: WebSocket, token: str | None) -> None:
        if token is not None:
            _redact_token(websocket.scope)
        await websocket.accept()
        identity = None
        if token is not None:
            try:
                identity = await self.access.authenticate(token)
            except NotAuthenticatedError as error:
                CLOSED.labels(str(int(CloseCode.policy_violation))).inc()
                await websocket.close(CloseCode.policy_violation, close_reason(error.message))
                return
            except Exception:  # the database, most likely
                log.exception("websocket authentication failed")
                await websocket.close(CloseCode.internal_error, "try again")
                return
        connection = self.hub.connect(websocket)
        CONNECTIONS.inc()
        session = Session(self, connection, identity)
        session.send(session.connected(None))
        reader = asyncio.create_task(session.read(websocket), name="propdesk-ws-reader")
        try:
            await connection.wait_closed()
        finally:
            reader.cancel()
            await asyncio.gather(reader, return_exceptions=True)
            connection.peer_gone()
            CONNECTIONS.dec()
            CLOSED.labels(str(connection.close_code or "client")).inc()


class Session:
    """The reader side of one connection, and what it knows of its client."""

    def __init__(self, gateway: Gateway, connection: Connection, identity: Identity | None) -> None:
        self.gateway = gateway
        self.hub = gateway.hub
        self.connection = connection
        self.identity = identity
        self.settings = gateway.settings
        self.auth_deadline = time.monotonic() + self.settings.ws_auth_timeout_seconds
        self.first = True

    def send(self, message: ServerMessage) -> None:
        self.hub.send(self.connection, message)

    def error(self, message_id: MessageId | None, code: ErrorCode, reason: str) -> None:
        self.send(ErrorMessage(id=message_id, code=code, reason=reason))

    def connected(self, message_id: MessageId | None) -> ConnectedMessage:
        identity = self.identity
        return ConnectedMessage(
            id=message_id,
            authenticated=identity is not None,
            user_id=None if identity is None else identity.user_id,
            username=None if identity is None else identity.username,
            role=None if identity is None else identity.role,
            server_version=__version__,
            heartbeat_seconds=self.settings.ws_heartbeat_seconds,
            max_message_bytes=self.settings.ws_max_message_bytes,
            auth_timeout_seconds=self.settings.ws_auth_timeout_seconds,
        )

    async def read(self, websocket: WebSocket) -> None:
        try:
            while not self.connection.closing:
                received = await websocket.receive()
                if received["type"] == "websocket.disconnect":
                    break
                data = received.get("text")
                if data is None:
                    data = received.get("bytes") or b""
                await self.handle(data)
        except Exception as error:  # the socket failed under us: the connection is over
            log.debug("websocket receive failed", error=repr(error))
        finally:
            self.connection.peer_gone()

    async def handle(self, data: str | bytes) -> None:
        limit = self.settings.ws_max_message_bytes
        if len(data) > limit or (isinstance(data, str) and len(data.encode()) > limit):
            self.error(None, ErrorCode.MESSAGE_TOO_LARGE, f"a message holds at most {limit} bytes")
            return
        try:
            raw = orjson.loads(data)
        except orjson.JSONDecodeError:
            self.error(None, ErrorCode.INVALID_JSON, "a message is one JSON object")
            return
        if not isinstance(raw, dict):
            self.error(None, ErrorCode.INVALID_JSON, "a message is one JSON object")
            return
        message_id = _echoable(raw.get("id"))
        try:
            message = CLIENT_MESSAGES.validate_python(raw)
        except ValidationError as invalid:
            self.error(message_id, *_describe(invalid, raw.get("type")))
            return
        first, self.first = self.first, False
        try:
            await self.dispatch(message, first=first)
        except UnknownSymbolError as error:
            self.error(message_id, ErrorCode.UNKNOWN_SYMBOL, str(error))
        except SubscriptionError as error:
            self.error(message_id, ErrorCode(error.code), error.reason)
        except Exception:  # the database, most likely: the client may try again
            log.exception("websocket message failed", type=message.type)
            self.error(message_id, ErrorCode.UNAVAILABLE, "could not be served; try again")

    async def dispatch(self, message: AnyClientMessage, *, first: bool) -> None:
        if isinstance(message, PingMessage):
            self.send(PongMessage(id=message.id, time=datetime.now(UTC)))
        elif isinstance(message, AuthMessage):
            await self.authenticate(message, first=first)
        elif message.type.endswith(".unsubscribe"):
            keys = self.keys(message)
            self.hub.unsubscribe(self.connection, keys)
            self.send(UnsubscribedMessage(id=message.id, topics=[key.name for key in keys]))
        else:
            await self.subscribe(message)

    async def authenticate(self, message: AuthMessage, *, first: bool) -> None:
        if self.identity is not None:
            self.error(message.id, ErrorCode.ALREADY_AUTHENTICATED, "this connection is signed in")
            return
        if not first or time.monotonic() > self.auth_deadline:
            self.error(
                message.id,
                ErrorCode.AUTH_WINDOW_CLOSED,
                f"`auth` must be the first message, within "
                f"{self.settings.ws_auth_timeout_seconds:g} s of connecting; reconnect to sign in",
            )
            return
        try:
            self.identity = await self.gateway.access.authenticate(message.token)
        except NotAuthenticatedError as error:
            self.connection.close(CloseCode.policy_violation, error.message)
            return
        self.send(self.connected(message.id))

    async def subscribe(self, message: AnyClientMessage) -> None:
        keys = self.keys(message)
        grant = None
        if isinstance(message, AccountTopicMessage):
            if self.identity is None:
                self.error(
                    message.id,
                    ErrorCode.NOT_AUTHENTICATED,
                    "account topics need credentials: connect with `?token=` or send `auth` first",
                )
                return
            try:
                if self.gateway.limiter is not None:
                    await self.gateway.limiter.hit(Bucket.user, str(self.identity.user_id))
                grant = await self.gateway.access.authorize_account(
                    self.identity, message.account_id
                )
            except RateLimitedError as error:
                self.error(message.id, ErrorCode.RATE_LIMITED, error.message)
                return
            except NotAuthenticatedError as error:
                self.error(message.id, ErrorCode.NOT_AUTHENTICATED, error.message)
                return
            except NotFoundError as error:
                self.error(message.id, ErrorCode.NOT_FOUND, error.message)
                return
        ack = SubscribedMessage(id=message.id, topics=[key.name for key in keys])
        await self.hub.subscribe(self.connection, keys, ack=ack, grant=grant)

    def keys(self, message: AnyClientMessage) -> list[TopicKey]:
        kind = Kind(message.type.partition(".")[0])
        if isinstance(message, BarsSubscribeMessage | BarsUnsubscribeMessage):
            return [TopicKey(kind, self.symbol(message.symbol), message.resolution)]
        if isinstance(message, QuotesSubscribeMessage | QuotesUnsubscribeMessage):
            return [TopicKey(kind, self.symbol(symbol)) for symbol in message.symbols]
        if isinstance(message, SignalsSubscribeMessage | SignalsUnsubscribeMessage):
            symbol = EVERY_SYMBOL if message.symbol is None else self.symbol(message.symbol)
            return [TopicKey(kind, symbol)]
        if isinstance(message, AccountTopicMessage):
            return [TopicKey(kind, str(message.account_id))]
        raise AssertionError(f"no topic in {message.type}")  # pragma: no cover

    def symbol(self, text: str) -> str:
        instrument = self.gateway.catalogue.get(text)
        if instrument is None:
            raise UnknownSymbolError(f"no instrument {text!r} in the catalogue")
        return instrument.symbol


def _redact_token(scope: MutableMapping[str, Any]) -> None:
    """The server logs the path and query of every socket it accepts (the scope's, read at
    accept): keep the credential out of the logs."""
    query = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
    redacted = [(name, "[redacted]" if name == "token" else value) for name, value in query]
    scope["query_string"] = urlencode(redacted, safe="[]").encode("latin-1")


def _echoable(value: Any) -> MessageId | None:
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    if isinstance(value, str) and len(value) > 128:
        return None
    return value


def _describe(invalid: ValidationError, kind: object) -> tuple[ErrorCode, str]:
    errors = invalid.errors(include_url=False)
    if any(e["type"] in ("union_tag_invalid", "union_tag_not_found") for e in errors):
        return ErrorCode.UNKNOWN_TYPE, f"unknown message type {kind!r}" if isinstance(
            kind, str
        ) else "a message needs a `type`"
    parts = []
    for error in errors:
        # The first location is the union member (the message type): leave it out.
        location = ".".join(str(part) for part in error["loc"][1:]) or "message"
        parts.append(f"{location}: {error['msg']}")
    return ErrorCode.INVALID_MESSAGE, "; ".join(parts)
