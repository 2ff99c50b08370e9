"""The runtime of regimes and strategies: discovery, the runner over the feed's bars, and what
the API asks of them."""
