"""The shipped instrument catalogue."""

from __future__ import annotations

from propdesk.marketdata.catalogue import Catalogue


def test_load_when_shipped_catalogue_then_the_micro_futures_and_only_they_are_micro() -> None:
    # Arrange
    catalogue = Catalogue.load()

    # Act
    micros = {symbol for symbol, instrument in catalogue.items() if instrument.micro}

    # Assert: prop-firm caps weigh these at a tenth of a contract
    assert micros == {"MES", "MNQ", "MYM", "M2K", "MCL", "MGC"}
