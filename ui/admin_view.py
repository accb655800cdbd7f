"""The admin's view: the accounts (read-only here; manage them with ``frontdoor users``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import gradio as gr

from assistant.auth.models import User
from ui.context import Workspace
from ui.messages import failure

USER_COLUMNS = ["username", "name", "role", "active"]


def user_rows(ws: Workspace, request: gr.Request | None) -> list[list[Any]]:
    ws.require(request, "admin")
    return [[u.username, u.display_name, u.role, u.active] for u in ws.store.users.list()]


def build_admin_tab(ws: Workspace) -> tuple[gr.Dataframe, Callable[[User], list[list[Any]]]]:
    gr.Markdown("Accounts of this workspace. Add, disable or reset them with `frontdoor users ...` on the server.")
    table = gr.Dataframe(headers=USER_COLUMNS, interactive=False, elem_id="fd-users")
    status = gr.Markdown()
    refresh = gr.Button("Refresh")

    def on_refresh(request: gr.Request) -> tuple[Any, str]:
        try:
            return user_rows(ws, request), ""
        except Exception as exc:
            return gr.skip(), failure(exc)

    refresh.click(on_refresh, None, [table, status])
    return table, lambda _user: [[u.username, u.display_name, u.role, u.active] for u in ws.store.users.list()]
