"""The shared shape of a benchmark result and the table printed at the end of `make bench`."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Result:
    """One measured figure beside the ceiling it is compared with, measured in the same run."""

    name: str
    unit: str
    value: float
    ceiling_name: str | None = None
    ceiling: float | None = None
    higher_is_better: bool = True
    target: str | None = None
    met: bool | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        if self.ceiling in (None, 0) or self.value == 0:
            return None
        assert self.ceiling is not None
        return self.value / self.ceiling if self.higher_is_better else self.ceiling / self.value

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "ratio": self.ratio}


def median_seconds(action: Callable[[], object], *, repeat: int = 7, warmup: int = 1) -> float:
    """Median wall time of `action` over `repeat` runs (machines are shared and noisy)."""
    for _ in range(warmup):
        action()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]
