"""Answer shapes that REST and the WebSocket share, built from domain values (neither owns them)."""
