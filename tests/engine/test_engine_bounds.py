"""A submission whose strings the store cannot hold must not sink the engine's whole batch.

PostgreSQL refuses a client_order_id (or a strategy, a tag) over 64 characters, a symbol
over 32 and any NUL; had the broker recorded such an order, the commit would fail and every
command of the batch with it. The broker refuses them without a record (whatever gateway
they came through).
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

import httpx
import pytest

from propdesk.domain.commands import SubmitOrder
from propdesk.domain.orders import OrderSide, OrderType, TimeInForce
from propdesk.services import Services

if TYPE_CHECKING:
    from conftest import MakeUser


@pytest.mark.parametrize(
    ("symbol", "client_order_id"),
    [("BTCUSD", "x" * 65), ("X" * 40, "long-symbol"), ("BTCUSD", "nul\x00byte")],
)
async def test_submit_when_a_string_does_not_fit_the_store_then_the_engine_still_commits(
    services: Services,
    client: httpx.AsyncClient,
    make_user: MakeUser,
    symbol: str,
    client_order_id: str,
) -> None:
    user = await make_user()
    response = await client.post(
        "/api/v1/accounts",
        json={"name": "bounds", "rule_set": {"name": "topstep-50k"}},
        headers=user.headers,
    )
    command = SubmitOrder(
        response.json()["id"], symbol, OrderSide.buy, Decimal("0.01"), OrderType.limit,
        TimeInForce.gtc, limit_price=Decimal(90), client_order_id=client_order_id,
    )  # fmt: skip

    ack = await services.engine.send(command)

    assert ack.order is None
    assert ack.rejected in {"INVALID_CLIENT_ORDER_ID", "UNKNOWN_SYMBOL"}
    assert services.engine.stats.commit_failures == 0


@pytest.mark.parametrize(
    "labels", [{"strategy": "s" * 65}, {"tag": "t" * 65}, {"tag": "nul\x00byte"}]
)
async def test_submit_when_a_label_does_not_fit_the_store_then_the_engine_still_commits(
    services: Services, client: httpx.AsyncClient, make_user: MakeUser, labels: dict[str, str]
) -> None:
    user = await make_user()
    response = await client.post(
        "/api/v1/accounts",
        json={"name": "bounds", "rule_set": {"name": "topstep-50k"}},
        headers=user.headers,
    )
    command = SubmitOrder(
        response.json()["id"], "BTCUSD", OrderSide.buy, Decimal("0.01"), OrderType.limit,
        TimeInForce.gtc, limit_price=Decimal(90), **labels,
    )  # fmt: skip

    ack = await services.engine.send(command)

    assert (ack.order, ack.rejected) == (None, "INVALID_LABEL")
    assert services.engine.stats.commit_failures == 0
