"""The prices at which a guarded account must be looked at again, per symbol: so that a tick
costs something only for the accounts it brings near a limit.

After an account is checked, its slack (how much it may still lose before its nearest loss
limit) is shared among its open positions; each position's share becomes a price distance
(share ÷ (|qty| × point value)) from its mark. As long as no mark has crossed its trigger,
the account's total loss since the check is below the slack, so no limit can have been
reached: checking it again would find nothing. A fill, a position change or the day roll
checks the account (and re-arms it) whatever the prices. An account whose floor trails its
intraday high is checked on every tick of what it holds, as the high moves with profit too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import Decimal
from heapq import heappop, heappush

INFINITY = Decimal("Infinity")

Position = tuple[str, Decimal, Decimal, Decimal | None]
"""(symbol, signed qty, point value, the mark it is valued at now, None without a quote)."""


class Triggers:
    __slots__ = ("_always", "_falling", "_live", "_rising", "_version")

    def __init__(self) -> None:
        self._falling: dict[str, list[tuple[Decimal, int, str]]] = {}
        """Longs: a max-heap (negated prices) of the marks at or below which to look again."""
        self._rising: dict[str, list[tuple[Decimal, int, str]]] = {}
        """Shorts: a min-heap of the marks at or above which to look again."""
        self._always: dict[str, set[str]] = {}
        self._version: dict[str, int] = {}
        """Each account's current arming; older heap entries are skipped when met."""
        self._live: dict[str, set[str]] = {}
        """Per symbol, the accounts armed on it (to keep its heaps from filling with stale
        entries)."""

    def watches(self, symbol: str) -> bool:
        return bool(
            self._falling.get(symbol) or self._rising.get(symbol) or self._always.get(symbol)
        )

    def disarm(self, account_id: str) -> None:
        self._version[account_id] = self._version.get(account_id, 0) + 1
        for accounts in self._always.values():
            accounts.discard(account_id)
        for accounts in self._live.values():
            accounts.discard(account_id)

    def arm(
        self, account_id: str, slack: Decimal | None, positions: Iterable[Position], always: bool
    ) -> None:
        """Watch the account's open positions: every tick (`always`), or until a mark crosses
        its share of `slack` (None: no loss limit to watch)."""
        self.disarm(account_id)
        held = [p for p in positions if p[1]]
        if not held:
            return
        if always:
            for symbol, *_ in held:
                self._always.setdefault(symbol, set()).add(account_id)
            return
        if slack is None:
            return
        version = self._version[account_id]
        share = max(slack, Decimal(0)) / len(held)
        for symbol, qty, point_value, mark in held:
            self._live.setdefault(symbol, set()).add(account_id)
            if qty > 0:
                trigger = INFINITY if mark is None else mark - share / (qty * point_value)
                heap = self._falling.setdefault(symbol, [])
                heappush(heap, (-trigger, version, account_id))
            else:
                trigger = -INFINITY if mark is None else mark + share / (-qty * point_value)
                heap = self._rising.setdefault(symbol, [])
                heappush(heap, (trigger, version, account_id))
            if len(heap) > 4 * len(self._live[symbol]) + 64:
                self._compact(heap)

    def crossed(self, symbol: str, long_mark: Decimal, short_mark: Decimal) -> set[str] | None:
        """The accounts this symbol's marks bring to a trigger, None when none (the tick
        path's common case: two comparisons). Each is disarmed here: whoever checks it arms
        it again."""
        found: set[str] | None = None
        always = self._always.get(symbol)
        if always:
            found = set(always)
        falling = self._falling.get(symbol)
        if falling and -falling[0][0] >= long_mark:
            found = self._pop(falling, lambda top: -top >= long_mark, found)
        rising = self._rising.get(symbol)
        if rising and rising[0][0] <= short_mark:
            found = self._pop(rising, lambda top: top <= short_mark, found)
        return found

    def _pop(
        self,
        heap: list[tuple[Decimal, int, str]],
        reached: Callable[[Decimal], bool],
        found: set[str] | None,
    ) -> set[str]:
        found = set() if found is None else found
        version = self._version
        while heap and reached(heap[0][0]):
            _, armed, account_id = heappop(heap)
            if version.get(account_id) == armed:
                found.add(account_id)
        return found

    def _compact(self, heap: list[tuple[Decimal, int, str]]) -> None:
        version = self._version
        heap[:] = [entry for entry in heap if version.get(entry[2]) == entry[1]]
        heap.sort()
