"""The dashboard's tests: an app serving a small stand-in build from a temporary folder."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from propdesk.config import Settings


@pytest.fixture
def web_dir(tmp_path: Path) -> Path:
    root = tmp_path / "dist"
    (root / "assets").mkdir(parents=True)
    (root / "index.html").write_text("<!doctype html><title>propdesk</title>")
    (root / "assets" / "index-abc123.js").write_text("console.log('hi')")
    return root


@pytest.fixture
def settings(make_settings: Callable[..., Settings], web_dir: Path) -> Settings:
    return make_settings(web_dir=web_dir)
