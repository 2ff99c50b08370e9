"""propdesk: a self-hosted trading backend for traders under prop-firm rules."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("propdesk")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0.0.0"
