"""The documentation of the journal's figures names every figure the analytics give."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import pytest

from propdesk.analytics import CalendarDay, EquityPoint, Metrics

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("figures", [Metrics, EquityPoint, CalendarDay])
def test_metrics_doc_when_read_then_it_defines_every_figure(figures: type) -> None:
    text = (ROOT / "docs" / "metrics.md").read_text()

    missing = [f.name for f in fields(figures) if f"| `{f.name}` |" not in text]

    assert missing == []


def test_readme_when_read_then_it_links_the_metrics_doc() -> None:
    assert "docs/metrics.md" in (ROOT / "README.md").read_text()
