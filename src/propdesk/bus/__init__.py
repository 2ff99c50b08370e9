"""The bus: publish/subscribe for events and market data (request/reply comes with the engine)."""
