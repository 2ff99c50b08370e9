"""The page's WebSocket message types (web/src/ws/messages.ts) against the AsyncAPI document
the server generates: every message the page handles or sends exists, with the fields it
reads (web/scripts/check-ws-messages.mjs, which reads the TypeScript with its compiler)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from propdesk.ws.asyncapi import document_bytes

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "web"
CHECKER = WEB / "scripts" / "check-ws-messages.mjs"
MESSAGES = WEB / "src" / "ws" / "messages.ts"


def _check(tmp_path: Path, messages: Path = MESSAGES) -> subprocess.CompletedProcess[str]:
    node = shutil.which("node")
    if node is None or not (WEB / "node_modules" / "typescript").is_dir():
        pytest.fail("needs node and web/node_modules: run `make web` (make test does)")
    asyncapi = tmp_path / "asyncapi.json"
    asyncapi.write_bytes(document_bytes())
    return subprocess.run(  # noqa: S603 - node on our own script
        [node, str(CHECKER), str(asyncapi), str(ROOT / "openapi.json"), str(messages)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def test_page_messages_when_checked_then_all_in_the_asyncapi_document(tmp_path: Path) -> None:
    result = _check(tmp_path)

    assert result.returncode == 0, result.stderr
    assert "match the AsyncAPI document" in result.stdout


def test_page_messages_when_a_field_is_made_up_then_the_check_fails(tmp_path: Path) -> None:
    wrong = tmp_path / "messages.ts"
    text = MESSAGES.read_text()
    wrong.write_text(text.replace("  close: number;\n", "  close: number;\n  vwap: number;\n", 1))

    result = _check(tmp_path, wrong)

    assert result.returncode == 1
    assert "bar.vwap: not in the AsyncAPI schema" in result.stderr
