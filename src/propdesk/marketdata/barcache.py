"""Columnar one-minute bars per symbol, cached in memory and kept current with the store."""

from __future__ import annotations

from propdesk.marketdata.catalogue import Catalogue
from propdesk.store.db import Database


class BarCache:
    def __init__(self, database: Database, catalogue: Catalogue) -> None:
        self.database = database
        self.catalogue = catalogue
