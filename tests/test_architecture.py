"""The layers of DESIGN.md, checked: what import-linter cannot say as an allowlist."""

from __future__ import annotations

import ast
from pathlib import Path

import propdesk.domain

DOMAIN = Path(propdesk.domain.__file__).parent
STANDARD_LIBRARY_ALLOWED = frozenset(
    {
        "__future__",
        "abc",
        "bisect",
        "collections",
        "dataclasses",
        "datetime",
        "decimal",
        "enum",
        "functools",
        "heapq",
        "itertools",
        "math",
        "operator",
        "os",
        "re",
        "statistics",
        "types",
        "typing",
        "zoneinfo",
    }
)
"""Pure, synchronous, deterministic modules: no I/O, no asyncio, no threads."""


def _imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def test_domain_imports_when_read_then_only_itself_and_the_allowed_standard_library() -> None:
    offending = {
        f"{path.relative_to(DOMAIN)}: {name}"
        for path in DOMAIN.rglob("*.py")
        for name in _imported(path)
        if name.split(".")[0] not in STANDARD_LIBRARY_ALLOWED
        and name != "propdesk.domain"
        and not name.startswith("propdesk.domain.")
    }

    assert offending == set()


def test_imported_when_a_module_imports_asyncio_then_it_is_seen(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("import asyncio\nfrom propdesk.store import db\nfrom . import x\n")

    assert _imported(module) == {"asyncio", "propdesk.store"}
