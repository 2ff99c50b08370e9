"""Market data: the instrument catalogue, feed sources, bar aggregation and CSV import."""
