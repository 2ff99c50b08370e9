"""Every message round-trips through its model, and the AsyncAPI document lists them all."""

from __future__ import annotations

import shutil
import subprocess
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import orjson
import pytest
from pydantic import BaseModel, ValidationError

from propdesk.domain.ledger import AccountSnapshot, Ledger
from propdesk.domain.orders import (
    LegRole,
    Liquidity,
    OrderClass,
    OrderSide,
    OrderStatus,
    OrderType,
    TimeInForce,
)
from propdesk.domain.risk import PRESETS, RiskState
from propdesk.domain.risk.report import risk_report
from propdesk.ws import protocol as p
from propdesk.ws.asyncapi import document, document_bytes
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

ROOT = Path(__file__).resolve().parents[2]
NODE_CHECK = ROOT / "tools" / "asyncapi"
ACCOUNT = uuid.UUID("6f1c9a52-8a4e-4b55-9a51-0d6b1c2b4e11")
AT = datetime(2026, 3, 10, 15, 0, 1, 250_000, tzinfo=UTC)
TOPSTEP_50K = PRESETS["topstep-50k"].rule_set

ORDER = OrderPayload(
    id="o-1",
    client_order_id="c-1",
    strategy="orb",
    tag=None,
    regime=None,
    account_id=ACCOUNT,
    symbol="MNQ",
    side=OrderSide.buy,
    type=OrderType.limit,
    qty=2,
    filled_qty=1,
    filled_avg_price=21000.25,
    limit_price=21000.25,
    stop_price=None,
    trail_price=None,
    trail_percent=None,
    hwm=None,
    time_in_force=TimeInForce.gtc,
    order_class=OrderClass.bracket,
    status=OrderStatus.partially_filled,
    reject_reason=None,
    leg=LegRole.take_profit,
    parent_id="o-0",
    sibling_id="o-2",
    created_at=AT,
    updated_at=AT,
    submitted_at=AT,
    filled_at=AT,
    canceled_at=None,
    expired_at=None,
    expires_at=None,
)
EXECUTION = ExecutionPayload(
    id="f-1",
    order_id="o-1",
    client_order_id="c-1",
    account_id=str(ACCOUNT),
    symbol="MNQ",
    side=OrderSide.buy,
    type="partial_fill",
    qty=1,
    price=21000.25,
    commission=0.62,
    liquidity=Liquidity.maker,
    cum_qty=1,
    leaves_qty=1,
    transacted_at=AT,
)
POSITION = PositionPayload(
    account_id=str(ACCOUNT),
    symbol="MNQ",
    qty=-1,
    side="short",
    avg_entry_price=21000.25,
    cost_basis=-42000.5,
    realized_pl=12.5,
    opened_at=AT,
    updated_at=AT,
)
ACCOUNT_FIGURES = AccountPayload(
    account_id=str(ACCOUNT),
    starting_balance=50_000,
    balance=50_012.5,
    realized_pl=13.12,
    commissions=0.62,
    realized_pl_today=13.12,
    commissions_today=0.62,
    trading_day=date(2026, 3, 10),
    equity=50_020,
    unrealized_pl=7.5,
    margin_used=2400,
    buying_power=47_620,
    pl_today=20,
    updated_at=AT,
)
BAR = BarPayload(ts=1_773_154_800, open=21000, high=21010.5, low=20990.25, close=21005, volume=812)
QUOTE = QuotePayload(
    ts=1_773_154_801.25,
    last=21005,
    bid=21004.75,
    ask=21005.25,
    size=2,
    open=20950,
    high=21010.5,
    low=20900,
    volume=120_000,
    previous_close=20940,
    change=65,
    change_percent=0.31,
    trading_day=date(2026, 3, 10),
)
TRADE = TradePayload(
    id=f"{ACCOUNT}:MNQ:3",
    account_id=ACCOUNT,
    symbol="MNQ",
    side="long",
    status="closed",
    opened_at=AT,
    closed_at=AT,
    duration=0,
    qty=Decimal(0),
    entry_qty=Decimal(2),
    exit_qty=Decimal(2),
    max_qty=Decimal(2),
    avg_entry_price=Decimal("21000.25"),
    avg_exit_price=Decimal("21010.5"),
    gross_pnl=Decimal(41),
    fees=Decimal("2.48"),
    net_pnl=Decimal("38.52"),
    mae_price=Decimal("1.5"),
    mfe_price=Decimal(12),
    mae=Decimal(6),
    mfe=Decimal(48),
    initial_stop=Decimal("20990.25"),
    risk=Decimal(40),
    risk_source="stop",
    r_multiple=Decimal("0.963"),
    strategy="orb",
    setup="opening drive",
    regime=None,
    tags=["a+"],
    notes="",
    screenshot_url=None,
    order_ids=["o-1", "o-4"],
    fill_ids=["f-1", "f-2", "f-3"],
    updated_at=AT,
)
UPDATE = {"topic": "t", "seq": 7}

CLIENT_EXAMPLES: list[BaseModel] = [
    p.AuthMessage(id="a", token="pd_abc_def"),
    p.BarsSubscribeMessage(id=1, symbol="MNQ", resolution="5"),
    p.BarsUnsubscribeMessage(symbol="MNQ", resolution="1D"),
    p.QuotesSubscribeMessage(symbols=["MNQ", "ES"]),
    p.QuotesUnsubscribeMessage(symbols=["ES"]),
    p.OrdersSubscribeMessage(account_id=ACCOUNT),
    p.OrdersUnsubscribeMessage(account_id=ACCOUNT),
    p.ExecutionsSubscribeMessage(account_id=ACCOUNT),
    p.ExecutionsUnsubscribeMessage(account_id=ACCOUNT),
    p.PositionsSubscribeMessage(account_id=ACCOUNT),
    p.PositionsUnsubscribeMessage(account_id=ACCOUNT),
    p.AccountSubscribeMessage(account_id=ACCOUNT),
    p.AccountUnsubscribeMessage(account_id=ACCOUNT),
    p.RiskSubscribeMessage(account_id=ACCOUNT),
    p.RiskUnsubscribeMessage(account_id=ACCOUNT),
    p.TradesSubscribeMessage(account_id=ACCOUNT),
    p.TradesUnsubscribeMessage(account_id=ACCOUNT),
    p.SignalsSubscribeMessage(symbol="MNQ"),
    p.SignalsUnsubscribeMessage(),
    p.PingMessage(id="p"),
]
SERVER_EXAMPLES: list[BaseModel] = [
    p.ConnectedMessage(
        id="a",
        authenticated=True,
        user_id=3,
        username="alice",
        role="trader",
        server_version="0.1.0",
        heartbeat_seconds=15,
        max_message_bytes=16384,
        auth_timeout_seconds=5,
    ),
    p.SubscribedMessage(id=1, topics=["bars.MNQ.5"]),
    p.UnsubscribedMessage(topics=["quotes.ES"]),
    p.ErrorMessage(id="x", code=p.ErrorCode.NOT_FOUND, reason="no account"),
    p.PongMessage(id="p", time=AT),
    p.HeartbeatMessage(time=AT),
    p.BarsUpdateMessage(**UPDATE, symbol="MNQ", resolution="5", bar=BAR, closed=False),
    p.QuotesUpdateMessage(**UPDATE, snapshot=True, symbol="MNQ", quote=QUOTE),
    p.OrdersUpdateMessage(
        **UPDATE,
        account_id=str(ACCOUNT),
        event=p.OrderUpdateEvent.partial_fill,
        orders=[ORDER],
        execution=EXECUTION,
    ),
    p.ExecutionsUpdateMessage(**UPDATE, account_id=str(ACCOUNT), executions=[EXECUTION]),
    p.PositionsUpdateMessage(**UPDATE, account_id=str(ACCOUNT), positions=[POSITION]),
    p.AccountUpdateMessage(**UPDATE, account_id=str(ACCOUNT), account=ACCOUNT_FIGURES),
    p.RiskUpdateMessage(
        **UPDATE,
        account_id=str(ACCOUNT),
        risk=RiskPayload.of(
            risk_report(
                TOPSTEP_50K,
                RiskState.new(str(ACCOUNT), Decimal(50_000), date(2026, 3, 10), 1.5),
                AccountSnapshot(
                    Ledger(str(ACCOUNT), Decimal(50_000), date(2026, 3, 10)),
                    Decimal(-850),
                    Decimal(0),
                    (),
                ),
                {},
                (),
            )
        ),
    ),
    p.TradesUpdateMessage(**UPDATE, account_id=str(ACCOUNT), trades=[TRADE]),
    p.SignalsUpdateMessage(
        **UPDATE,
        symbol="MNQ",
        signal=SignalPayload(
            id="ma_cross:MNQ:5:1773154800",
            symbol="MNQ",
            resolution="5",
            strategy="ma_cross",
            direction="long",
            entry=Decimal("21000.25"),
            stop=Decimal("20990.25"),
            target=Decimal("21020.25"),
            regime="trend_up",
            confidence=0.7,
            created_at=AT,
            expires_at=AT,
        ),
    ),
    p.RegimeUpdateMessage(
        **UPDATE,
        symbol="MNQ",
        regime=RegimePayload(
            symbol="MNQ",
            resolution="5",
            regime="trend_up",
            adx=31.5,
            plus_di=28.25,
            minus_di=12.5,
            atr=14.75,
            atr_percentile=0.42,
            ts=1_773_154_800,
            since=1_773_151_200,
            changed=False,
        ),
    ),
]


def test_examples_when_listed_then_cover_every_message_model() -> None:
    assert {type(m) for m in CLIENT_EXAMPLES} == set(p.CLIENT_MODELS)
    assert {type(m) for m in SERVER_EXAMPLES} == set(p.SERVER_MODELS)


@pytest.mark.parametrize("message", CLIENT_EXAMPLES, ids=lambda m: m.type)  # type: ignore[attr-defined]
def test_client_message_when_sent_as_json_then_parses_back_to_itself(message: BaseModel) -> None:
    wire = orjson.loads(message.model_dump_json(exclude_none=True))

    parsed = p.CLIENT_MESSAGES.validate_python(wire)

    assert parsed == message
    assert wire["type"] == message.type  # type: ignore[attr-defined]


@pytest.mark.parametrize("message", SERVER_EXAMPLES, ids=lambda m: m.type)  # type: ignore[attr-defined]
def test_server_message_when_encoded_then_parses_back_to_itself(message: BaseModel) -> None:
    text = p.encode(message)  # type: ignore[arg-type]

    parsed = p.SERVER_MESSAGES.validate_json(text)

    assert parsed == message
    assert text.startswith('{"type":')


def test_encoded_times_when_sent_then_are_iso_utc_with_z() -> None:
    text = p.encode(p.HeartbeatMessage(time=AT))

    assert orjson.loads(text)["time"] == "2026-03-10T15:00:01.250000Z"


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ({"type": "bars.subscribe", "symbol": "MNQ"}, "resolution"),
        ({"type": "bars.subscribe", "symbol": "MNQ", "resolution": "7"}, "resolution"),
        ({"type": "quotes.subscribe", "symbols": []}, "symbols"),
        ({"type": "orders.subscribe", "account_id": "42"}, "account_id"),
        ({"type": "ping", "extra": 1}, "extra"),
        ({"type": "auth", "token": ""}, "token"),
    ],
)
def test_client_message_when_malformed_then_names_the_field(
    raw: dict[str, object], field: str
) -> None:
    with pytest.raises(ValidationError) as error:
        p.CLIENT_MESSAGES.validate_python(raw)

    assert field in {str(part) for e in error.value.errors() for part in e["loc"]}


def test_symbols_and_resolutions_when_parsed_then_are_canonical() -> None:
    message = p.CLIENT_MESSAGES.validate_python(
        {"type": "bars.subscribe", "symbol": " mnq ", "resolution": "d"}
    )

    assert isinstance(message, p.BarsSubscribeMessage)
    assert (message.symbol, message.resolution) == ("MNQ", "1D")


# --- AsyncAPI -------------------------------------------------------------------------------


def test_asyncapi_when_generated_then_every_message_model_is_in_it() -> None:
    doc = document()
    schemas = doc["components"]["schemas"]
    messages = doc["components"]["messages"]
    channel = doc["channels"]["stream"]["messages"]

    for model in (*p.CLIENT_MODELS, *p.SERVER_MODELS):
        name = model.model_fields["type"].default
        assert model.__name__ in schemas, model
        assert messages[name]["payload"] == {"$ref": f"#/components/schemas/{model.__name__}"}
        assert channel[name] == {"$ref": f"#/components/messages/{name}"}
        assert "type" in schemas[model.__name__]["required"]
    assert doc["asyncapi"] == "3.0.0"
    assert len(messages) == len(p.CLIENT_MODELS) + len(p.SERVER_MODELS)


def test_asyncapi_when_generated_then_each_client_message_has_an_operation_with_replies() -> None:
    operations = document()["operations"]

    received = {
        op["messages"][0]["$ref"].rsplit("/", 1)[1]: op
        for op in operations.values()
        if op["action"] == "receive"
    }
    sent = {
        op["messages"][0]["$ref"].rsplit("/", 1)[1]
        for op in operations.values()
        if op["action"] == "send"
    }

    assert set(received) == {m.model_fields["type"].default for m in p.CLIENT_MODELS}
    bars = [r["$ref"].rsplit("/", 1)[1] for r in received["bars.subscribe"]["reply"]["messages"]]
    assert bars == ["subscribed", "error", "bars.update"]
    assert {"heartbeat", "orders.update", "regime.update"} <= sent


async def test_asyncapi_when_served_then_json_and_a_viewer_with_its_own_policy(client) -> None:  # type: ignore[no-untyped-def]
    served = await client.get("/api/v1/ws/asyncapi.json")
    viewer = await client.get("/api/v1/ws/asyncapi")

    assert served.status_code == 200
    assert served.headers["content-type"] == "application/json"
    assert served.json() == orjson.loads(document_bytes())
    assert viewer.status_code == 200
    assert "<asyncapi-component" in viewer.text
    assert 'schemaUrl="asyncapi.json"' in viewer.text
    policy = viewer.headers["content-security-policy"]
    assert "https://cdn.jsdelivr.net" in policy
    assert "frame-ancestors 'none'" in policy
    assert viewer.headers["x-content-type-options"] == "nosniff"


@pytest.mark.slow
@pytest.mark.skipif(
    not (NODE_CHECK / "node_modules").exists() or shutil.which("node") is None,
    reason="`make asyncapi-check` installs the AsyncAPI parser (CI runs it as its own step)",
)
def test_asyncapi_when_parsed_by_the_asyncapi_parser_then_is_valid(tmp_path: Path) -> None:
    path = tmp_path / "asyncapi.json"
    path.write_bytes(document_bytes())

    result = subprocess.run(  # noqa: S603 - our own script
        ["node", str(NODE_CHECK / "validate.mjs"), str(path)],  # noqa: S607
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "valid AsyncAPI 3.0.0" in result.stdout
