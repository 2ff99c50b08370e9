"""Why the broker refuses a command (reason codes), and the one error that means a bug."""

from __future__ import annotations

from enum import StrEnum


class RejectReason(StrEnum):
    """Machine codes of business rejections: a result the caller records, never an exception.

    Risk rules (a later issue) return their own codes through the same `str` seam.
    """

    INVALID_CLIENT_ORDER_ID = "INVALID_CLIENT_ORDER_ID"
    """Not 1–64 characters."""
    UNKNOWN_SYMBOL = "UNKNOWN_SYMBOL"
    INVALID_LABEL = "INVALID_LABEL"
    """A `strategy` or `tag` that is not 1–64 printable characters."""
    INVALID_QUANTITY = "INVALID_QUANTITY"
    """Not positive, not a multiple of the lot step, more than the position, or a leg's."""
    INVALID_PRICE = "INVALID_PRICE"
    """A price missing, superfluous, not positive or not finite for the order's type."""
    INVALID_TICK = "INVALID_TICK"
    """A price off the instrument's tick grid."""
    INVALID_TIME_IN_FORCE = "INVALID_TIME_IN_FORCE"
    """IOC / FOK on anything but a simple market or limit order."""
    INVALID_BRACKET = "INVALID_BRACKET"
    """Bracket or OCO legs missing or on the wrong side of the entry / of each other."""
    MARKET_CLOSED = "MARKET_CLOSED"
    NO_QUOTE = "NO_QUOTE"
    """A market or trailing order before the first tick of its symbol."""
    INSUFFICIENT_BUYING_POWER = "INSUFFICIENT_BUYING_POWER"
    ACCOUNT_NOT_FOUND = "ACCOUNT_NOT_FOUND"
    ORDER_NOT_FOUND = "ORDER_NOT_FOUND"
    ORDER_NOT_CANCELABLE = "ORDER_NOT_CANCELABLE"
    ORDER_NOT_MODIFIABLE = "ORDER_NOT_MODIFIABLE"
    POSITION_NOT_FOUND = "POSITION_NOT_FOUND"
    DUPLICATE_CLIENT_ORDER_ID = "DUPLICATE_CLIENT_ORDER_ID"
    """The client order id is taken by an order with different parameters (a conflict)."""


class IllegalTransition(Exception):
    """An order was asked to move to a status its current one cannot reach: always a bug."""

    def __init__(self, order_id: str, current: str, target: str) -> None:
        super().__init__(f"order {order_id}: illegal transition {current} -> {target}")
        self.order_id = order_id
        self.current = current
        self.target = target
