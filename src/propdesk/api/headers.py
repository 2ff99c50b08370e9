"""Security headers on every HTTP response (added by the request-context middleware).

The API's content security policy forbids everything: its responses are JSON, never pages.
The documentation pages are the exception: Swagger UI and ReDoc load their scripts and
styles from the jsDelivr CDN and start with an inline script, so under the docs paths the
policy allows exactly that and no more.
"""

from __future__ import annotations

from collections.abc import Iterable

API_POLICY = "default-src 'none'; frame-ancestors 'none'"
DOCS_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net",
        "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net https://fonts.googleapis.com",
        "font-src 'self' https://fonts.gstatic.com",
        "img-src 'self' data: https://fastapi.tiangolo.com https://cdn.redoc.ly",
        "worker-src 'self' blob:",
        "connect-src 'self'",
        "frame-ancestors 'none'",
    )
)
HSTS = "max-age=31536000; includeSubDomains"


class SecurityHeaders:
    """The headers a response to a path gets (the request-context middleware adds those the
    response does not set itself)."""

    def __init__(self, *, docs_paths: Iterable[str], hsts: bool = False) -> None:
        self.docs_paths = tuple(path for path in docs_paths if path)
        self.docs_prefixes = tuple(path + "/" for path in self.docs_paths)
        common = [
            (b"x-content-type-options", b"nosniff"),
            (b"x-frame-options", b"DENY"),
            (b"referrer-policy", b"no-referrer"),
        ]
        if hsts:
            common.append((b"strict-transport-security", HSTS.encode()))
        self.api_headers = (*common, (b"content-security-policy", API_POLICY.encode()))
        self.docs_headers = (*common, (b"content-security-policy", DOCS_POLICY.encode()))

    def for_path(self, path: str) -> tuple[tuple[bytes, bytes], ...]:
        docs = path in self.docs_paths or path.startswith(self.docs_prefixes)
        return self.docs_headers if docs else self.api_headers
