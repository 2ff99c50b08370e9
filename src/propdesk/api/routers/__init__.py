"""Routers, one per domain, mounted under /api/v1."""
