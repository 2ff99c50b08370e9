"""REST gateway: validates, checks identity, sends commands, reads the store."""
