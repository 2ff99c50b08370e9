"""Columnar one-minute bars per symbol, cached in memory and kept current with the store.

Every read first asks the store for the symbol's series (revision, last_ts): another process
may have imported history (a new revision: reload everything) or appended live bars (a larger
last_ts: fetch only the tail). The check is one small query, cheap next to encoding a chart.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from propdesk.marketdata.aggregate import BarColumns
from propdesk.marketdata.catalogue import Catalogue
from propdesk.store.db import Database
from propdesk.store.repositories.bars import SeriesState, read_bar_columns, series_state


@dataclass(frozen=True, slots=True)
class _Entry:
    revision: int
    bars: BarColumns

    def is_current(self, state: SeriesState) -> bool:
        return (
            self.revision == state.revision
            and len(self.bars) > 0
            and int(self.bars.ts[-1]) >= state.last_ts
        )


@dataclass(slots=True)
class CacheStats:
    full_loads: int = 0
    tail_fetches: int = 0
    rows_read: int = 0


class BarCache:
    """Entries are replaced, never written in place, so a reader's columns stay valid."""

    def __init__(self, database: Database, catalogue: Catalogue) -> None:
        self.database = database
        self.catalogue = catalogue
        self.stats = CacheStats()
        self._entries: dict[str, _Entry] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def bars(self, symbol: str) -> BarColumns:
        """The stored one-minute bars of `symbol` (its catalogue spelling), ascending."""
        async with self.database.engine.connect() as connection:
            state = await series_state(connection, symbol)
        if state is None:
            self._entries.pop(symbol, None)
            return BarColumns.empty()
        entry = self._entries.get(symbol)
        if entry is not None and entry.is_current(state):
            return entry.bars
        lock = self._locks.setdefault(symbol, asyncio.Lock())
        async with lock:
            # Whoever held the lock before may have loaded what this request needs.
            entry = self._entries.get(symbol)
            if entry is not None and entry.is_current(state):
                return entry.bars
            entry = await self._refresh(symbol, state, entry)
            self._entries[symbol] = entry
            return entry.bars

    async def _refresh(self, symbol: str, state: SeriesState, entry: _Entry | None) -> _Entry:
        async with self.database.engine.connect() as connection:
            if entry is not None and entry.revision == state.revision and len(entry.bars):
                last = int(entry.bars.ts[-1])
                # From the last cached bar on, not after it: a live bar may be rewritten as it
                # closes, and appends never touch anything older.
                tail = BarColumns(*await read_bar_columns(connection, symbol, last))
                if len(tail):
                    self.stats.tail_fetches += 1
                    self.stats.rows_read += len(tail)
                    kept = entry.bars.slice(0, len(entry.bars) - 1)
                    return _Entry(state.revision, kept.concat(tail))
            bars = BarColumns(*await read_bar_columns(connection, symbol))
        self.stats.full_loads += 1
        self.stats.rows_read += len(bars)
        # The revision read before the bars: a rewrite in between shows up on the next read.
        return _Entry(state.revision, bars)
