"""Backtests: a built-in strategy over stored bars, through the paper broker in memory."""
