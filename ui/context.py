"""What every view shares: settings, the store, the pipeline, who is signed in and what they may see.

Every handler asks :meth:`Workspace.require` for the signed-in user of the request, so a role that cannot see a
view cannot call its handlers either (hiding a tab is only a convenience).
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from assistant.auth.models import Role, User
from assistant.store.errors import AuthError, PermissionDeniedError, StoreError

if TYPE_CHECKING:
    import gradio as gr

    from assistant.pipeline import Pipeline
    from assistant.settings import Settings
    from assistant.store import RecordStore

log = logging.getLogger(__name__)

View = Literal["review", "guidance", "evals", "admin"]

VIEW_ROLES: dict[View, frozenset[Role]] = {
    "review": frozenset({"social_worker", "practice_lead"}),
    "guidance": frozenset({"practice_lead"}),
    "evals": frozenset({"evaluator", "admin"}),
    "admin": frozenset({"admin"}),
}

VIEW_LABELS: dict[View, str] = {
    "review": "Review a call",
    "guidance": "Guidance and knowledge",
    "evals": "Evaluation",
    "admin": "Users",
}


def submit_key(*parts: Any) -> str:
    """An idempotency key for one submission: the same user submitting the same thing on the same version gets the
    same key (a double click writes once); anything different gets a fresh one."""
    blob = json.dumps(parts, sort_keys=True, default=str)
    return "ui-" + hashlib.sha256(blob.encode("utf-8")).hexdigest()[:32]


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass
class Workspace:
    """The running workspace: one per process, passed to every view."""

    settings: Settings
    store: RecordStore
    pipeline: Pipeline
    on_auth_error: Callable[[str], None] = field(default=log.warning)

    @property
    def export_root(self) -> Path:
        return self.settings.data_dir / "exports"

    @property
    def audio_root(self) -> Path:
        return self.settings.data_dir / "audio"

    def authenticate(self, username: str, password: str) -> bool:
        """Gradio's auth callback: True when the store accepts the password of an active account."""
        try:
            self.store.users.authenticate(username, password)
        except AuthError:
            return False
        except StoreError as exc:  # database locked or gone: say so in the log, refuse the sign-in
            self.on_auth_error(f"sign-in of {username!r} failed: {exc}")
            return False
        return True

    def user(self, request: gr.Request | None) -> User:
        """The signed-in user of ``request``, read fresh from the store (a disabled account stops at once)."""
        username = getattr(request, "username", None) if request is not None else None
        if not username:
            raise PermissionDeniedError("Sign in first: this workspace needs a user name and password.")
        user = self.store.users.get(username)
        if not user.active:
            raise PermissionDeniedError(f"The account {username} is disabled; ask an admin to enable it.")
        return user

    def require(self, request: gr.Request | None, view: View) -> User:
        """The signed-in user if their role may use ``view``; PermissionDeniedError otherwise."""
        user = self.user(request)
        if user.role not in VIEW_ROLES[view]:
            allowed = ", ".join(sorted(VIEW_ROLES[view]))
            raise PermissionDeniedError(
                f"{user.username} ({user.role}) may not use '{VIEW_LABELS[view]}'; it is for: {allowed}."
            )
        return user

    def views_for(self, user: User) -> list[View]:
        return [v for v, roles in VIEW_ROLES.items() if user.role in roles]


def allowed(views: Iterable[View], view: View) -> bool:
    return view in set(views)
