"""The engine: the single writer of trading state (see engine.py)."""
