"""The broker's orders and what derives from them: legs, client ids, open orders, expiries."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from heapq import heappop, heappush

from propdesk.domain.desk import Desk
from propdesk.domain.orders import Order, OrderId


class OrderIndex:
    """Every order by id, the single place that stores a new value of one (`put`), so that
    the indexes below, the symbol books and the accounts' exposure never disagree with it."""

    __slots__ = (
        "_accounts",
        "_book",
        "_books",
        "_client_ids",
        "_legs",
        "_open",
        "expiries",
        "orders",
    )

    def __init__(self, desk: Desk) -> None:
        self.orders: dict[OrderId, Order] = {}
        """Read directly on the tick path; written only through `put`."""
        self.expiries: list[tuple[float, int, OrderId]] = []
        """A heap of (expires_at, seq, id); an entry a later change made stale is skipped."""
        self._legs: dict[OrderId, list[OrderId]] = {}
        self._client_ids: dict[str, dict[str, OrderId]] = {}
        """Per account, every order by client order id, in creation order."""
        self._open: dict[str, dict[OrderId, None]] = {}
        """Per account, its open orders in creation order."""
        self._accounts = desk.accounts
        self._books = desk.books
        self._book = desk.book

    def put(self, order: Order) -> None:
        """Store a new value of an order and keep every index derived from orders in step."""
        orders = self.orders
        order_id = order.id
        old = orders.get(order_id)
        orders[order_id] = order
        account_id = order.account_id
        account = self._accounts[account_id]
        if old is None:
            client_ids = self._client_ids.get(account_id)
            if client_ids is None:
                client_ids = self._client_ids[account_id] = {}
                self._open[account_id] = {}
            client_ids[order.client_order_id] = order_id
            if order.parent_id is not None:
                self._legs.setdefault(order.parent_id, []).append(order_id)
        book = self._books.get(order.symbol)
        if book is None:
            book = self._book(order.symbol)
        if book is not None:
            if old is not None:
                book.withdraw(order_id)
            book.place(order)
        if (
            old is not None
            and old.status is order.status
            and old.qty == order.qty
            and old.filled_qty == order.filled_qty
            and old.expires_at == order.expires_at
        ):
            return  # only prices moved (a modify, a trailing stop): nothing else derives
        if order.is_open:
            self._open[account_id][order_id] = None
            if order.expires_at is not None and (old is None or old.expires_at != order.expires_at):
                heappush(self.expiries, (order.expires_at, order.seq, order_id))
        else:
            self._open[account_id].pop(order_id, None)
        sibling = orders.get(order.sibling_id) if order.sibling_id else None
        account.count(order, sibling)
        if sibling is not None:
            account.count(sibling, order)

    def legs(self, order_id: OrderId) -> list[Order]:
        """A bracket entry's legs, take profit first."""
        return [self.orders[i] for i in self._legs.get(order_id, ())]

    def owned(self, account_id: str, order_id: OrderId) -> Order | None:
        order = self.orders.get(order_id)
        if order is None or order.account_id != account_id:
            return None  # someone else's order does not exist for this account
        return order

    def by_client_id(self, account_id: str, client_order_id: str) -> Order | None:
        order_id = self._client_ids.get(account_id, {}).get(client_order_id)
        return None if order_id is None else self.orders[order_id]

    def of_account(self, account_id: str, *, open_only: bool = False) -> list[Order]:
        """The account's orders (or its open ones) in creation order."""
        if open_only:
            ids: Iterable[OrderId] = self._open.get(account_id, ())
        else:
            ids = self._client_ids.get(account_id, {}).values()
        return [self.orders[i] for i in ids]

    def open_ids(self, account_id: str) -> list[OrderId]:
        """A copy: ending one of them must not disturb the caller's iteration."""
        return list(self._open.get(account_id, ()))

    def expired(self, now: float) -> Iterator[Order]:
        """The open orders whose expiry has come, earliest first, each read as the caller
        reaches it (ending one may end others first: an entry takes its held legs along)."""
        heap = self.expiries
        orders = self.orders
        while heap and heap[0][0] <= now:
            expires_at, _, order_id = heappop(heap)
            order = orders.get(order_id)
            if order is not None and order.is_open and order.expires_at == expires_at:
                yield order
