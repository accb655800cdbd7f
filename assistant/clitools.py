"""Shared helpers for the command line: settings from the --config option, one-line errors,
atomic file writes."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import NoReturn

import typer

from assistant.settings import Settings, SettingsError, load_settings

_config: dict[str, Path | None] = {"path": None}


def remember_config(path: Path | None) -> None:
    _config["path"] = path


def cli_settings() -> Settings:
    try:
        return load_settings(_config["path"])
    except SettingsError as exc:
        fail(str(exc))


def fail(message: str, code: int = 2) -> NoReturn:
    typer.secho(f"error: {message}", err=True, fg=typer.colors.RED)
    raise typer.Exit(code)


def write_atomic(path: Path, text: str) -> None:
    """Write text so the file is either complete or absent: temp file in the same folder, then rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
