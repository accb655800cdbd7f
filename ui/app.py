"""The workspace as one ``gr.Blocks``: a tab per view, each shown only to the roles that may use it (and every
handler checks the role again on the server), sign-in through the records store's users."""

from __future__ import annotations

import logging
from typing import Any

import gradio as gr

from ui.context import VIEW_LABELS, View, Workspace
from ui.messages import failure
from ui.render import CSS

log = logging.getLogger(__name__)

TITLE = "Front Door"


def theme() -> gr.themes.Base:
    """A theme with local fonts only, so the browser fetches nothing from the internet."""
    return gr.themes.Default(
        font=["system-ui", "Segoe UI", "Roboto", "sans-serif"],
        font_mono=["ui-monospace", "SFMono-Regular", "monospace"],
    )


def build_app(ws: Workspace) -> gr.Blocks:
    from ui.admin_view import build_admin_tab
    from ui.evals_view import build_evals_tab
    from ui.guidance_view import build_guidance_tab
    from ui.review_view import build_review_tab

    with gr.Blocks(title=TITLE) as demo:
        with gr.Row():
            gr.Markdown(f"## {TITLE} · consultation call review", elem_id="fd-title")
            who = gr.Markdown(elem_id="fd-who-am-i")
            gr.Button("Sign out", link="/logout", size="sm", scale=0)
        tabs: dict[View, gr.Tab] = {}
        with gr.Tabs():
            with gr.Tab(VIEW_LABELS["review"], visible=False, id="review") as tabs["review"]:
                _, record_pick, records_table = build_review_tab(ws)
            with gr.Tab(VIEW_LABELS["guidance"], visible=False, id="guidance") as tabs["guidance"]:
                build_guidance_tab(ws, tabs["guidance"])
            with gr.Tab(VIEW_LABELS["evals"], visible=False, id="evals") as tabs["evals"]:
                build_evals_tab(ws, tabs["evals"])
            with gr.Tab(VIEW_LABELS["admin"], visible=False, id="admin") as tabs["admin"]:
                admin_outputs, admin_rows = build_admin_tab(ws)
        order: list[View] = list(tabs)

        def on_load(request: gr.Request) -> list[Any]:
            try:
                user = ws.user(request)
            except Exception as exc:
                return [failure(exc), *[gr.Tab(visible=False) for _ in order], gr.skip(), gr.skip(), gr.skip()]
            views = ws.views_for(user)
            picks: Any = gr.skip()
            rows: Any = gr.skip()
            if "review" in views:
                summaries = ws.store.list_records()
                picks = gr.Dropdown(choices=[r.record_id for r in summaries])
                rows = [[r.record_id, r.call_id, r.version, r.status, r.agreed_pathway or "", r.updated_by,
                         r.updated_at.strftime("%Y-%m-%d %H:%M")] for r in summaries]  # fmt: skip
            users: Any = admin_rows(user) if "admin" in views else gr.skip()
            return [
                f"Signed in as **{user.display_name}** ({user.username}, {user.role.replace('_', ' ')})",
                *[gr.Tab(visible=v in views) for v in order],
                picks,
                rows,
                users,
            ]

        demo.load(on_load, None, [who, *[tabs[v] for v in order], record_pick, records_table, admin_outputs])
    return demo


def launch(ws: Workspace, demo: gr.Blocks, *, block: bool = True, quiet: bool = False) -> tuple[Any, str, str]:
    """Serve ``demo`` on settings.host:port: sign-in required, nothing shared or fetched from the internet."""
    for folder in (ws.export_root, ws.audio_root):
        folder.mkdir(parents=True, exist_ok=True)
    return demo.queue(default_concurrency_limit=4).launch(
        server_name=ws.settings.host,
        server_port=ws.settings.port,
        share=False,
        auth=ws.authenticate,
        auth_message="Front Door: sign in with your account (a fresh install prints the demo account's details).",
        max_file_size=f"{ws.settings.max_upload_mb:g}mb",
        allowed_paths=[str(ws.export_root), str(ws.audio_root)],
        prevent_thread_lock=not block,
        show_error=False,
        quiet=quiet,
        footer_links=[],
        ssr_mode=False,
        mcp_server=False,
        pwa=False,
        enable_monitoring=False,
        theme=theme(),
        css=CSS,
    )
