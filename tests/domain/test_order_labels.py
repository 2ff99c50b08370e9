"""Orders carry the client's labels, `strategy` and `tag`: into every leg, into the
idempotency check, across the codec (values stored or bused before labels default to none)."""

from __future__ import annotations

import pytest

from propdesk.domain.codec import from_plain, to_plain
from propdesk.domain.commands import StopLoss, SubmitOrder, TakeProfit
from propdesk.domain.errors import RejectReason
from propdesk.domain.events import CommandRejected, OrderAccepted
from propdesk.domain.orders import OrderClass, OrderSide
from propdesk.domain.validation import fingerprint

from .builders import ACCOUNT, NOW, bracket, buy, d, make_broker, of, placed, sell, tick

R = RejectReason


def test_submit_when_labelled_then_the_order_carries_both_labels() -> None:
    broker = make_broker()
    broker.on_tick(tick(20000))

    order = placed(broker.apply(buy(1, strategy="orb", tag="A+ pullback"), NOW))

    assert (order.strategy, order.tag) == ("orb", "A+ pullback")
    filled = broker.order(order.id)
    assert filled is not None
    assert (filled.strategy, filled.tag) == ("orb", "A+ pullback")


def test_submit_when_unlabelled_then_both_labels_are_none() -> None:
    broker = make_broker()
    broker.on_tick(tick(20000))

    order = placed(broker.apply(buy(1), NOW))

    assert (order.strategy, order.tag) == (None, None)


def test_bracket_when_labelled_then_both_legs_inherit_the_entrys_labels() -> None:
    broker = make_broker()
    broker.on_tick(tick(20000))
    command = bracket(
        OrderSide.buy, 2, "limit", limit_price=19995, take_profit=20005, stop=19985,
        strategy="orb", tag="gap-fill",
    )  # fmt: skip

    entry, take_profit, stop_loss = (e.order for e in of(broker.apply(command, NOW), OrderAccepted))

    assert [(o.strategy, o.tag) for o in (entry, take_profit, stop_loss)] == [
        ("orb", "gap-fill")
    ] * 3


def test_oco_when_labelled_then_both_legs_carry_the_labels() -> None:
    broker = make_broker()
    broker.on_tick(tick(20000))
    broker.apply(buy(2), NOW)
    command = sell(
        2, "limit", order_class=OrderClass.oco, take_profit=TakeProfit(d(20010)),
        stop_loss=StopLoss(stop_price=d(19990)), strategy="manual", tag="exit",
    )  # fmt: skip

    legs = [e.order for e in of(broker.apply(command, NOW), OrderAccepted)]

    assert [(o.strategy, o.tag) for o in legs] == [("manual", "exit")] * 2


# ---------------------------------------------------------------- idempotency


def test_submit_when_retried_with_the_same_labels_then_nothing_new_happens() -> None:
    broker = make_broker()
    broker.on_tick(tick(20000))
    broker.apply(buy(1, client_order_id="abc", strategy="orb", tag="a"), NOW)

    retry = broker.apply(buy(1, client_order_id="abc", strategy="orb", tag="a"), NOW + 1)

    assert retry == []
    assert len(broker.orders(ACCOUNT)) == 1


@pytest.mark.parametrize(
    ("strategy", "tag"),
    [("orb", "b"), ("other", "a"), (None, "a"), ("orb", None), (None, None)],
)
def test_submit_when_retried_with_other_labels_then_a_conflict(
    strategy: str | None, tag: str | None
) -> None:
    broker = make_broker()
    broker.on_tick(tick(20000))
    broker.apply(buy(1, client_order_id="abc", strategy="orb", tag="a"), NOW)

    events = broker.apply(buy(1, client_order_id="abc", strategy=strategy, tag=tag), NOW + 1)

    assert [e.reason for e in of(events, CommandRejected)] == [R.DUPLICATE_CLIENT_ORDER_ID]
    assert len(broker.orders(ACCOUNT)) == 1


def test_fingerprint_when_unlabelled_then_as_before_labels_existed() -> None:
    # Orders stored before labels keep matching their retries.
    assert fingerprint(buy(2), "MNQ") == "MNQ|buy|market|2|day|||||simple|-|-"


def test_fingerprint_when_a_label_holds_the_separator_then_no_two_label_pairs_collide() -> None:
    prints = {
        fingerprint(buy(1, strategy=strategy, tag=tag), "MNQ")
        for strategy, tag in [
            ("a|", "b"),
            ("a", "|b"),
            ("a|b", None),
            (None, "a|b"),
            ("a", "b"),
            ("-", None),
            (None, "-"),
            ("1:a|1:b", None),
            ("1:a", "1:b"),
        ]
    }

    assert len(prints) == 9


# ---------------------------------------------------------------- what cannot be stored


@pytest.mark.parametrize(
    "labels",
    [
        {"strategy": ""},
        {"tag": ""},
        {"strategy": "x" * 65},
        {"tag": "x" * 65},
        {"tag": "nul\x00"},
        {"strategy": "line\nbreak"},
        {"tag": "sep\u2028arator"},
    ],
)
def test_submit_when_a_label_could_not_be_stored_then_refused_without_a_record(
    labels: dict[str, str],
) -> None:
    broker = make_broker()
    broker.on_tick(tick(20000))

    events = broker.apply(buy(1, **labels), NOW)

    assert [(type(e), e.reason) for e in events] == [(CommandRejected, R.INVALID_LABEL)]  # type: ignore[union-attr]
    assert broker.orders(ACCOUNT) == []


def test_submit_when_labels_are_64_characters_then_accepted() -> None:
    broker = make_broker()
    broker.on_tick(tick(20000))

    order = placed(broker.apply(buy(1, strategy="s" * 64, tag="t" * 64), NOW))

    assert (order.strategy, order.tag) == ("s" * 64, "t" * 64)


# ---------------------------------------------------------------- the codec


def test_codec_when_labelled_then_the_round_trip_is_exact() -> None:
    broker = make_broker()
    broker.on_tick(tick(20000))
    command = buy(1, strategy="orb", tag="a")
    order = placed(broker.apply(command, NOW))

    assert from_plain(to_plain(order)) == order
    assert from_plain(to_plain(command)) == command


def test_codec_when_a_value_predates_labels_then_they_default_to_none() -> None:
    # Arrange: an order and a submission as they were stored or bused before labels
    broker = make_broker()
    broker.on_tick(tick(20000))
    order = placed(broker.apply(buy(1), NOW))
    old_order = {k: v for k, v in to_plain(order).items() if k not in ("strategy", "tag")}
    old_command = {k: v for k, v in to_plain(buy(1)).items() if k not in ("strategy", "tag")}
    # Act
    decoded_order = from_plain(old_order)
    decoded_command = from_plain(old_command)
    # Assert
    assert decoded_order == order
    assert (decoded_order.strategy, decoded_order.tag) == (None, None)
    assert isinstance(decoded_command, SubmitOrder)
    assert (decoded_command.strategy, decoded_command.tag) == (None, None)
