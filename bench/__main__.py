"""`python -m bench [name …]`: run benchmarks, print a table, write bench/results/latest.json."""

from __future__ import annotations

import importlib
import json
import pkgutil
import sys
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from bench.harness import Result

HERE = Path(__file__).parent


def discover(selected: list[str]) -> list[str]:
    names = sorted(m.name for m in pkgutil.iter_modules([str(HERE)]) if m.name.startswith("bench_"))
    if selected:
        names = [n for n in names if any(s in n for s in selected)]
    return names


def main(argv: list[str]) -> int:
    console = Console()
    results: list[Result] = []
    for name in discover(argv):
        console.print(f"[bold]{name}[/bold] …")
        module = importlib.import_module(f"bench.{name}")
        started = time.perf_counter()
        results.extend(module.run())
        console.print(f"  done in {time.perf_counter() - started:.1f}s")

    table = Table(title="propdesk benchmarks (medians; ceiling measured in the same run)")
    for column in ("benchmark", "value", "ceiling", "ratio", "target", "met"):
        table.add_column(column)
    for r in results:
        ratio = r.ratio
        table.add_row(
            r.name,
            f"{r.value:,.2f} {r.unit}",
            f"{r.ceiling:,.2f} {r.unit} ({r.ceiling_name})" if r.ceiling is not None else "—",
            f"{ratio:.2f}" if ratio is not None else "—",
            r.target or "—",
            {True: "yes", False: "NO", None: "—"}[r.met],
        )
    console.print(table)
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    latest = out / "latest.json"
    # A partial run (`python -m bench history`) replaces its own figures and keeps the rest.
    fresh = {r.name for r in results}
    kept = [
        entry
        for entry in (json.loads(latest.read_text()) if latest.exists() else [])
        if entry.get("name") not in fresh
    ]
    merged = kept + [r.as_dict() for r in results]
    latest.write_text(json.dumps(merged, indent=2, default=str) + "\n")
    console.print(f"written {latest}")
    return 0 if all(r.met is not False for r in results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
