"""The `frontdoor` command. Each stage contributes its own commands; start-up (offline switches,
settings) happens here, once, when a command runs, never at import."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from assistant.offline import go_offline

app = typer.Typer(
    help="Front Door: draft records of children's social care consultation calls, locally.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _startup(
    config: Annotated[
        Path | None, typer.Option("--config", help="A TOML settings file (else FRONTDOOR_CONFIG, else defaults).")
    ] = None,
) -> None:
    go_offline()
    from assistant.clitools import remember_config

    remember_config(config)


from assistant.auth.cli import users_app  # noqa: E402
from assistant.extract.cli import draft_command, eval_command, train_command  # noqa: E402
from assistant.guidance.cli import guidance_app  # noqa: E402
from assistant.transcribe.cli import transcribe_command  # noqa: E402
from ui.cli import ui_command  # noqa: E402

app.command("draft")(draft_command)
app.command("train")(train_command)
app.command("eval")(eval_command)

# stage commands (one line each: app.command(...)(fn) or app.add_typer(sub_app, name=...))
app.add_typer(users_app, name="users")
app.command("ui")(ui_command)
app.add_typer(guidance_app, name="guidance")
app.command("transcribe")(transcribe_command)


@app.command("summary")
def summary_command(record: Path) -> None:
    """Print a draft record (JSON from `frontdoor draft`) as plain text."""
    from assistant.clitools import fail
    from assistant.records import DraftRecord
    from assistant.summary import summarise

    try:
        draft = DraftRecord.model_validate_json(record.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        fail(f"{record}: not a draft record ({str(exc).splitlines()[0]})")
    typer.echo(summarise(draft))


@app.command("settings")
def settings_command() -> None:
    """List every setting with its environment variable, default and meaning."""
    from assistant.settings import describe_settings

    for name, default, description in describe_settings():
        typer.echo(f"{name}\n    default: {default}\n    {description}")


def main() -> None:
    app()
