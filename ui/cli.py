"""``frontdoor ui``: start the workspace on this machine."""

from __future__ import annotations

import logging
from typing import Annotated

import typer

HostOption = Annotated[str | None, typer.Option("--host", help="Address to listen on (default: 127.0.0.1).")]
PortOption = Annotated[int | None, typer.Option("--port", min=1, max=65535, help="Port (default from settings: 7860).")]


def ui_command(host: HostOption = None, port: PortOption = None) -> None:
    """Start the review workspace in the browser: sign in, draft calls, review, confirm and export."""
    from assistant.auth import ensure_demo_account
    from assistant.clitools import cli_settings, fail
    from assistant.pipeline import Pipeline
    from assistant.store import RecordStore, StoreError

    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    settings = cli_settings()
    updates = {k: v for k, v in {"host": host, "port": port}.items() if v is not None}
    if updates:
        settings = settings.model_copy(update=updates)
    if settings.host not in ("127.0.0.1", "localhost", "::1"):
        typer.secho(
            f"warning: listening on {settings.host}, not loopback: anyone who can reach this machine sees the sign-in.",
            err=True, fg=typer.colors.YELLOW,
        )  # fmt: skip
    try:
        store = RecordStore.open(settings)
        ensure_demo_account(settings, store, echo=typer.echo)
    except StoreError as exc:
        fail(str(exc))
    typer.echo("Loading the models and the guidance index (once)...")
    pipeline = Pipeline.start(settings)
    pipeline.warm_up()
    pipeline.guidance.sync()  # practice leads search the guidance from the first page

    from ui.app import build_app, launch
    from ui.context import Workspace

    ws = Workspace(settings, store, pipeline)
    typer.echo(f"Front Door workspace: http://{settings.host}:{settings.port} (Ctrl+C to stop)")
    try:
        launch(ws, build_app(ws))
    finally:
        store.close()
