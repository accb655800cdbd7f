"""The local demo account, so `make run` on a fresh machine needs no manual step."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.settings import Settings
from assistant.store.errors import StoreError

if TYPE_CHECKING:
    from assistant.store.store import RecordStore

DEMO_USERNAME = "demo"
CREDENTIALS_FILE = "demo_credentials.txt"


@dataclass(frozen=True)
class DemoAccount:
    username: str
    credentials_file: Path
    created: bool
    password: str | None = None  # only when created now; afterwards it is in credentials_file


def _write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` readable by the owner only (0600), replacing it atomically."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def ensure_demo_account(
    settings: Settings,
    store: RecordStore | None = None,
    *,
    echo: Callable[[str], None] = print,
) -> DemoAccount | None:
    """Make sure someone can sign in on a fresh machine.

    - No users at all: create ``demo`` (role social_worker) with a random password, write it to
      ``data_dir/demo_credentials.txt`` (mode 0600) and ``echo`` how to sign in.
    - ``demo`` exists: ``echo`` where its credentials are; nothing changes.
    - Other accounts exist but no ``demo``: do nothing and return None (a real deployment gets no demo account).
    """
    from assistant.store.store import RecordStore  # the store package imports this one's models

    own = store is None
    active = store or RecordStore.open(settings)
    try:
        path = settings.data_dir / CREDENTIALS_FILE
        directory = active.users
        if directory.count() == 0:
            password = secrets.token_urlsafe(15)
            settings.data_dir.mkdir(parents=True, exist_ok=True)
            _write_private(path, f"username: {DEMO_USERNAME}\npassword: {password}\n")
            try:
                directory.create(
                    DEMO_USERNAME, password, role="social_worker", display_name="Demo social worker", created_by="setup"
                )
            except StoreError:
                path.unlink(missing_ok=True)
                raise
            echo(f"Created the local demo account: username {DEMO_USERNAME}, password {password} (saved in {path}).")
            return DemoAccount(DEMO_USERNAME, path, created=True, password=password)
        if any(u.username == DEMO_USERNAME for u in directory.list()):
            where = f"its password is in {path}" if path.exists() else f"{path} is missing; reset it with an admin"
            echo(f"Sign in as {DEMO_USERNAME}: {where}.")
            return DemoAccount(DEMO_USERNAME, path, created=False)
        return None
    finally:
        if own:
            active.close()
