"""The `propdesk` command line."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Annotated

import typer
import uvicorn

from propdesk.config import Settings
from propdesk.logging import configure_logging

app = typer.Typer(help="propdesk: a self-hosted trading backend.", no_args_is_help=True)


def _settings() -> Settings:
    settings = Settings()
    configure_logging(settings.log_level, json=settings.log_json)
    return settings


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
) -> None:
    """Serve the API (and, in the embedded mode, the feed) until interrupted."""
    from propdesk.app import create_app

    settings = _settings()
    uvicorn.run(
        create_app(settings),
        host=host,
        port=port,
        log_config=None,
        access_log=False,
        ws_per_message_deflate=False,
    )


@app.command()
def migrate() -> None:
    """Bring the database schema up to date."""
    from propdesk.store.db import Database

    settings = _settings()

    async def run() -> None:
        database = Database(settings.database_url)
        try:
            await database.migrate()
        finally:
            await database.dispose()

    asyncio.run(run())
    typer.echo(f"database is up to date ({settings.database_url.split('://')[0]})")


@app.command()
def openapi(
    output: Annotated[Path | None, typer.Option(help="Write here instead of stdout.")] = None,
) -> None:
    """Print (or write) the OpenAPI document."""
    from propdesk.app import create_app

    text = render_openapi(create_app(Settings()))
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text)


def render_openapi(fastapi_app: object) -> str:
    document = fastapi_app.openapi()  # type: ignore[attr-defined]
    return json.dumps(document, indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":  # pragma: no cover
    app()
