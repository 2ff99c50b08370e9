"""The AsyncAPI 3.0 document of `/api/v1/ws`, generated from the message models themselves.

Operations are the server's: it *receives* each client message (with the replies that can
follow) and *sends* heartbeats and updates. `python -m propdesk.ws.asyncapi` prints it (CI
validates that with the AsyncAPI parser: `make asyncapi-check`).
"""

from __future__ import annotations

import sys
from functools import cache
from typing import Any

import orjson
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from propdesk import __version__
from propdesk.ws.protocol import CLIENT_MODELS, SERVER_MODELS

PATH = "/api/v1/ws"
REF = "#/components/schemas/{model}"

DESCRIPTION = f"""
One WebSocket at `{PATH}` carries every real-time topic as typed JSON messages.

**Authentication.** Connect with `?token=<access token or API key>`, or send
`{{"type": "auth", "token": …}}` as the first message within the auth timeout (5 s by default).
Bad credentials close the connection with code **1008**. Without credentials only the public
market topics (bars, quotes, signals) are available. Prefer the `auth` message: a query string
can end up in proxy logs.

**Topics.** `bars.<SYMBOL>.<resolution>`, `quotes.<SYMBOL>`, `signals.<SYMBOL>` (or
`signals.*`), and per account `orders.<id>`, `executions.<id>`, `positions.<id>`,
`account.<id>`, `risk.<id>` and `trades.<id>` (the journal's round trips). Account topics
need credentials that own the account (admins own all); any other account answers `error`
with code `NOT_FOUND`, as REST answers 404.

**Snapshots and sequence numbers.** Subscribing answers `subscribed`, then the topic's current
state as an update with `snapshot: true`. Every update carries its topic and `seq`, the
topic's update counter in this server process: an update whose `seq` is not the previous one
plus one means updates were missed (resubscribe for a fresh snapshot). The snapshot of an
account topic is what the engine has committed as of now, so an update right after it may repeat a
change the snapshot already shows: orders, positions, the account and trades carry whole
states and executions carry ids, so applying one twice is harmless.

**Errors.** A malformed, unknown or refused message is answered by `error` (with the message's
`id`, a machine `code` and a `reason`); the connection stays open.

**Back-pressure.** Each connection has a bounded queue on the server. A client that reads too
slowly is closed with code **1013** once its queue overflows; it never slows the others.

**Heartbeat.** The server sends `heartbeat` every `heartbeat_seconds` (in `connected`).
"""


def _message(model: type[BaseModel]) -> dict[str, Any]:
    name = _name(model)
    doc = (model.__doc__ or "").strip()
    summary = doc.split("\n\n")[0].replace("\n", " ") if doc else name
    return {
        "name": name,
        "title": name,
        "summary": summary,
        "contentType": "application/json",
        "payload": {"$ref": REF.format(model=model.__name__)},
    }


def _name(model: type[BaseModel]) -> str:
    literal = model.model_fields["type"].default
    if not isinstance(literal, str):
        raise TypeError(f"{model.__name__} has no `type` literal")
    return literal


def _replies(model: type[BaseModel]) -> list[str]:
    name = _name(model)
    if name == "ping":
        return ["pong", "error"]
    if name == "auth":
        return ["connected", "error"]
    if name.endswith(".unsubscribe"):
        return ["unsubscribed", "error"]
    topic = name.partition(".")[0]
    updates = [f"{topic}.update"]
    if topic == "signals":
        updates.append("regime.update")
    return ["subscribed", "error", *updates]


@cache
def document() -> dict[str, Any]:
    models = [*CLIENT_MODELS, *SERVER_MODELS]
    # Client messages as the server validates them, server messages as it writes them.
    _, definitions = models_json_schema(
        [(model, "validation") for model in CLIENT_MODELS]
        + [(model, "serialization") for model in SERVER_MODELS],
        ref_template=REF,
    )
    schemas = definitions.get("$defs", {})
    messages = {_name(model): _message(model) for model in models}
    channel_messages = {name: {"$ref": f"#/components/messages/{name}"} for name in messages}

    def refs(names: list[str]) -> list[dict[str, str]]:
        return [{"$ref": f"#/channels/stream/messages/{name}"} for name in names]

    operations: dict[str, Any] = {}
    for model in CLIENT_MODELS:
        name = _name(model)
        operations[_operation_id("receive", name)] = {
            "action": "receive",
            "channel": {"$ref": "#/channels/stream"},
            "title": name,
            "summary": _message(model)["summary"],
            "messages": refs([name]),
            "reply": {"channel": {"$ref": "#/channels/stream"}, "messages": refs(_replies(model))},
        }
    for model in SERVER_MODELS:
        name = _name(model)
        if name in ("heartbeat",) or name.endswith(".update"):
            operations[_operation_id("send", name)] = {
                "action": "send",
                "channel": {"$ref": "#/channels/stream"},
                "title": name,
                "summary": _message(model)["summary"],
                "messages": refs([name]),
            }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "propdesk WebSocket",
            "version": __version__,
            "description": DESCRIPTION.strip(),
        },
        "defaultContentType": "application/json",
        "servers": {
            "local": {
                "host": "127.0.0.1:8000",
                "protocol": "ws",
                "pathname": PATH,
                "description": "The embedded default (`make run`); use wss behind TLS.",
                "security": [{"$ref": "#/components/securitySchemes/token"}],
            }
        },
        "channels": {
            "stream": {
                "address": PATH,
                "title": "The stream",
                "description": "Every topic, multiplexed on one connection.",
                "messages": channel_messages,
                "bindings": {
                    "ws": {
                        "query": {
                            "type": "object",
                            "properties": {
                                "token": {
                                    "type": "string",
                                    "description": "An access token or an API key (optional).",
                                }
                            },
                        },
                        "bindingVersion": "0.1.0",
                    }
                },
            }
        },
        "operations": operations,
        "components": {
            "messages": messages,
            "schemas": schemas,
            "securitySchemes": {
                "token": {
                    "type": "httpApiKey",
                    "name": "token",
                    "in": "query",
                    "description": "An access token (`POST /api/v1/auth/token`) or an API key; "
                    "optional, and the `auth` message does the same.",
                }
            },
        },
    }


def _operation_id(action: str, name: str) -> str:
    words = name.replace(".", " ").split()
    return action + "".join(word.capitalize() for word in words)


@cache
def document_bytes() -> bytes:
    return orjson.dumps(document(), option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS)


WEB_COMPONENT_VERSION = "2.6.5"
REACT_COMPONENT_VERSION = "2.6.5"
CDN = "https://cdn.jsdelivr.net/npm/@asyncapi"
SCRIPT = f"{CDN}/web-component@{WEB_COMPONENT_VERSION}/lib/asyncapi-web-component.js"
SCRIPT_INTEGRITY = "sha384-ok1YBWy2+bdybRDDY0xmOve6QMDNHL7G9MGePTMTEHz43tQvaurQCoEJIHauwo3l"
"""Of the npm package's file, which jsDelivr serves byte for byte (`npm pack` to check)."""
STYLES = f"{CDN}/react-component@{REACT_COMPONENT_VERSION}/styles/default.min.css"
VIEWER = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>propdesk WebSocket — AsyncAPI</title>
<script src="{script}" integrity="{integrity}" crossorigin="anonymous" defer></script>
</head>
<body>
<asyncapi-component schemaUrl="{url}" cssImportPath="{styles}"
  config='{{"show": {{"sidebar": true}}}}'></asyncapi-component>
</body>
</html>
"""

VIEWER_POLICY = "; ".join(
    (
        "default-src 'self'",
        # The component bundles the AsyncAPI parser, whose schema validators compile code.
        "script-src 'self' 'unsafe-eval' https://cdn.jsdelivr.net",
        "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "worker-src 'self' blob:",
        "connect-src 'self' https://cdn.jsdelivr.net",
        "frame-ancestors 'none'",
    )
)
"""The viewer page's own policy (the API's forbids scripts); the security headers middleware
leaves a response's own policy alone."""


def viewer_html(document_url: str) -> str:
    return VIEWER.format(url=document_url, script=SCRIPT, integrity=SCRIPT_INTEGRITY, styles=STYLES)


if __name__ == "__main__":
    sys.stdout.write(document_bytes().decode() + "\n")
