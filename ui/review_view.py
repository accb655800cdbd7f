"""The social worker's view: draft a call, review each factor, agree the pathway and actions, confirm, export."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import gradio as gr

from assistant.knowledge import SPEC_FACTORS
from assistant.records import PATHWAYS, Evidence
from assistant.store import (
    AcceptFactor,
    AddAction,
    AddFactor,
    EditEvidence,
    RecordView,
    RejectFactor,
    ReviewAction,
    SetFactorStatus,
    SetPathway,
)
from assistant.transcript_io import InputError
from ui import render
from ui import review_ops as ops
from ui.context import Workspace
from ui.messages import failure, success

STATUSES = ["present", "possible", "historical", "ruled_out"]
PROGRESS = gr.Progress()  # Gradio gives each event its own tracker in place of this default
RECORD_COLUMNS = ["record", "call", "version", "status", "agreed pathway", "updated by", "updated at"]


def _session(request: gr.Request | None) -> str:
    return str(getattr(request, "session_hash", None) or "no-session")


def _bar(progress: Any) -> ops.Progress:
    def report(stage: str, fraction: float) -> None:
        progress(fraction, desc=stage)

    return report


def _parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError as exc:
        raise InputError(f"'By when' must be a date like 2025-01-31, not {text!r}.") from exc


class ReviewHandlers:
    """The review view's event handlers. Each checks the signed-in user's role first (server side) and returns
    the values of :attr:`outputs`; a failure only changes the status line (and shows a warning)."""

    #: names of the outputs every record-changing handler returns, in order
    OUTPUTS = (
        "opened", "status", "header", "audio", "transcript", "factor", "evidence",
        "risks", "strengths", "pathway", "questions", "actions", "records",
    )  # fmt: skip

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws

    # -- rendering ---------------------------------------------------------------------------------------------------
    def records_rows(self) -> list[list[Any]]:
        return [
            [r.record_id, r.call_id, r.version, r.status, r.agreed_pathway or "", r.updated_by,
             r.updated_at.strftime("%Y-%m-%d %H:%M")]
            for r in ops.records(self.ws)
        ]  # fmt: skip

    def show(self, view: RecordView, message: str, selected: str | None = None) -> list[Any]:
        ids = [f.factor for f in view.review.factors]
        chosen = selected if selected in ids else None
        factor = next((f for f in view.review.factors if f.factor == chosen), None)
        audio = ops.audio_for(self.ws, view.record_id)
        return [
            ops.Opened.of(view).to_state(),
            message,
            render.header_md(view),
            gr.Audio(value=str(audio) if audio else None, visible=audio is not None),
            render.transcript_html(view.transcript, factor),
            gr.Dropdown(choices=ids, value=chosen),
            render.evidence_md(factor),
            render.factors_md(view, "risk"),
            render.factors_md(view, "strength"),
            render.pathway_md(view),
            render.questions_md(view),
            render.actions_md(view),
            self.records_rows(),
        ]

    def failed(self, exc: BaseException) -> list[Any]:
        message = failure(exc)
        gr.Warning(message)
        skip = [gr.skip() for _ in self.OUTPUTS]
        skip[1] = message
        return skip

    def _guard(self, request: gr.Request | None, work: Callable[[], tuple[RecordView, str]],
               selected: str | None = None) -> list[Any]:  # fmt: skip
        try:
            self.ws.require(request, "review")
            view, message = work()
            return self.show(view, success(message), selected)
        except Exception as exc:  # every failure becomes a message; explain() logs the unexpected ones
            return self.failed(exc)

    def _act(self, state: dict[str, Any] | None, request: gr.Request | None, action: Callable[[], ReviewAction],
             done: str, selected: str | None = None) -> list[Any]:  # fmt: skip
        def work() -> tuple[RecordView, str]:
            user = self.ws.require(request, "review")
            opened = ops.Opened.from_state(state)
            view = ops.apply(self.ws, user, opened, action())
            return view, f"{done} (version {view.version})."

        return self._guard(request, work, selected)

    # -- loading -----------------------------------------------------------------------------------------------------
    def draft_upload(self, upload: str | None, request: gr.Request, progress: Any = PROGRESS) -> list[Any]:
        def work() -> tuple[RecordView, str]:
            user = self.ws.require(request, "review")
            if not upload:
                raise InputError("Choose a recording or transcript file first.")
            view = ops.draft_file(self.ws, user, Path(upload), _session(request), _bar(progress))
            return view, f"Drafted {Path(upload).name} as record {view.record_id}; review each factor."

        return self._guard(request, work)

    def draft_paste(self, text: str, request: gr.Request, progress: Any = PROGRESS) -> list[Any]:
        def work() -> tuple[RecordView, str]:
            user = self.ws.require(request, "review")
            view = ops.draft_text(self.ws, user, text or "", _session(request), _bar(progress))
            return view, f"Drafted the pasted transcript as record {view.record_id}."

        return self._guard(request, work)

    def draft_demo(self, request: gr.Request, progress: Any = PROGRESS) -> list[Any]:
        def work() -> tuple[RecordView, str]:
            user = self.ws.require(request, "review")
            view = ops.draft_demo(self.ws, user, _session(request), _bar(progress))
            return view, f"Drafted the demo call as record {view.record_id}; review each factor."

        return self._guard(request, work)

    def open(self, record_id: str | None, request: gr.Request) -> list[Any]:
        return self._guard(request, lambda: (v := ops.open_record(self.ws, record_id or ""), f"Opened {v.record_id}."))

    def reload(self, state: dict[str, Any] | None, selected: str | None, request: gr.Request) -> list[Any]:
        def work() -> tuple[RecordView, str]:
            view = ops.open_record(self.ws, ops.Opened.from_state(state).record_id)
            return view, f"Reloaded: version {view.version} by {view.updated_by}."

        return self._guard(request, work, selected)

    def select(self, state: dict[str, Any] | None, selected: str | None, request: gr.Request) -> list[Any]:
        def work() -> tuple[RecordView, str]:
            opened = ops.Opened.from_state(state)
            view = ops.open_record(self.ws, opened.record_id)
            if view.version != opened.version:  # show what this page was shown, never silently move it on
                raise InputError("The record has changed since you opened it; use Reload record.")
            return view, f"Showing the evidence of {render.words(selected)}." if selected else "Ready."

        return self._guard(request, work, selected)

    # -- review actions -----------------------------------------------------------------------------------------------
    def accept(self, state: dict[str, Any] | None, factor: str | None, request: gr.Request) -> list[Any]:
        return self._act(state, request, lambda: AcceptFactor(factor=_need(factor)), f"Accepted {factor}", factor)

    def set_status(self, state: dict[str, Any] | None, factor: str | None, status: str | None, reason: str,
                   request: gr.Request) -> list[Any]:  # fmt: skip
        return self._act(
            state, request,
            lambda: SetFactorStatus(factor=_need(factor), status=_need(status, "a status"), reason=reason or None),  # type: ignore[arg-type]
            f"Changed {factor} to {status}", factor,
        )  # fmt: skip

    def reject(self, state: dict[str, Any] | None, factor: str | None, reason: str,
               request: gr.Request) -> list[Any]:  # fmt: skip
        return self._act(
            state,
            request,
            lambda: RejectFactor(factor=_need(factor), reason=reason or None),
            f"Rejected {factor}",
            factor,
        )

    def edit_evidence(self, state: dict[str, Any] | None, factor: str | None, quote: str, turn: float | None,
                      request: gr.Request) -> list[Any]:  # fmt: skip
        return self._act(
            state, request,
            lambda: EditEvidence(factor=_need(factor), evidence=[Evidence(quote=quote.strip(), turn=_turn(turn))]),
            f"Replaced the evidence of {factor}", factor,
        )  # fmt: skip

    def add_factor(self, state: dict[str, Any] | None, factor: str | None, status: str | None, quote: str,
                   turn: float | None, note: str, request: gr.Request) -> list[Any]:  # fmt: skip
        def action() -> ReviewAction:
            fid, chosen = _need(factor), _need(status, "a status")
            text = quote.strip() or _need(None, "a quote")
            kind = SPEC_FACTORS[fid]
            return AddFactor(factor=fid, kind=kind, status=chosen, quote=text, turn=_turn(turn), note=note or None)  # type: ignore[arg-type]

        return self._act(state, request, action, f"Added {factor}", factor)

    def set_pathway(self, state: dict[str, Any] | None, pathway: str | None, reason: str,
                    request: gr.Request) -> list[Any]:  # fmt: skip
        return self._act(
            state, request,
            lambda: SetPathway(pathway=_need(pathway, "a pathway"), reason=reason.strip() or _need(None, "a reason")),
            f"Agreed pathway {pathway}",
        )  # fmt: skip

    def add_action(self, state: dict[str, Any] | None, who: str, what: str, by_when: str,
                   request: gr.Request) -> list[Any]:  # fmt: skip
        return self._act(
            state, request,
            lambda: AddAction(who=who.strip() or _need(None, "who"), what=what.strip() or _need(None, "what"),
                              by_when=_parse_date(by_when)),
            "Added the action",
        )  # fmt: skip

    def confirm(self, state: dict[str, Any] | None, worker: str, request: gr.Request) -> list[Any]:
        def work() -> tuple[RecordView, str]:
            user = self.ws.require(request, "review")
            view = ops.confirm(self.ws, user, ops.Opened.from_state(state), worker or "")
            return view, f"Confirmed by {user.display_name}: version {view.version}. You can export it now."

        return self._guard(request, work)

    def export(self, state: dict[str, Any] | None, request: gr.Request) -> tuple[Any, str]:
        try:
            self.ws.require(request, "review")
            files = ops.export(self.ws, ops.Opened.from_state(state))
            return [str(p) for p in files], success(f"Exported {len(files)} files: JSON, record and letter.")
        except Exception as exc:
            message = failure(exc)
            gr.Warning(message)
            return gr.skip(), message

    def refresh_records(self, request: gr.Request) -> Any:
        try:
            self.ws.require(request, "review")
            return gr.Dropdown(choices=[r[0] for r in self.records_rows()]), self.records_rows()
        except Exception as exc:
            gr.Warning(failure(exc))
            return gr.skip(), gr.skip()


def _need(value: str | None, what: str = "a factor") -> str:
    if not value:
        raise InputError(f"Choose {what} first.")
    return value


def _turn(value: float | None) -> int:
    if value is None or value < 0:
        raise InputError("Give the turn number (the # shown before each turn of the transcript).")
    return int(value)


def build_review_tab(ws: Workspace) -> tuple[ReviewHandlers, gr.Dropdown, gr.Dataframe]:
    """Lay out the review view inside the current ``gr.Tab`` and wire its events; returns the handlers and the
    records picker and table (refreshed when the page loads)."""
    h = ReviewHandlers(ws)
    opened = gr.State(None)
    with gr.Row():
        with gr.Column(scale=3), gr.Accordion("New call", open=True):
            with gr.Row():
                upload = gr.File(
                    label=f"Recording or transcript (audio, .json, .txt; up to {ws.settings.max_upload_mb:g} MB)",
                    type="filepath", elem_id="fd-upload",
                )  # fmt: skip
                paste = gr.Textbox(label="…or paste a transcript (Speaker: text, one turn a line)", lines=5)
            with gr.Row():
                draft_upload = gr.Button("Draft from file", variant="primary")
                draft_paste = gr.Button("Draft from pasted text")
                draft_demo = gr.Button("Load the demo call", elem_id="fd-demo")
        with gr.Column(scale=2), gr.Accordion("Records (reopen a draft)", open=True):
            records_table = gr.Dataframe(headers=RECORD_COLUMNS, interactive=False, wrap=True, max_height=220)
            with gr.Row():
                record_pick = gr.Dropdown(label="Record", choices=[], allow_custom_value=True, scale=3)
                open_btn = gr.Button("Open", scale=1)
                refresh_btn = gr.Button("Refresh list", scale=1)
    status = gr.Markdown(elem_id="fd-status")
    header = gr.Markdown("Load a call or open a record to start.", elem_id="fd-header")
    reload_btn = gr.Button("Reload record", size="sm")
    with gr.Row():
        with gr.Column(scale=3):
            audio = gr.Audio(label="Call recording", type="filepath", visible=False, interactive=False)
            transcript = gr.HTML(label="Transcript", elem_id="fd-transcript")
        with gr.Column(scale=2):
            factor = gr.Dropdown(label="Factor", choices=[], elem_id="fd-factor")
            evidence = gr.Markdown()
            accept_btn = gr.Button("Accept", variant="primary", elem_id="fd-accept")
            with gr.Row():
                new_status = gr.Dropdown(label="Change status to", choices=STATUSES, scale=2)
                status_btn = gr.Button("Change status", scale=1)
            reason = gr.Textbox(label="Reason (for a change or rejection)", elem_id="fd-reason")
            reject_btn = gr.Button("Reject", variant="stop", elem_id="fd-reject")
            with gr.Accordion("Edit evidence", open=False):
                ev_quote = gr.Textbox(label="Quote (verbatim from the transcript)")
                ev_turn = gr.Number(label="Turn #", precision=0)
                ev_btn = gr.Button("Replace evidence")
    with gr.Row():
        risks = gr.Markdown(elem_id="fd-risks")
        strengths = gr.Markdown(elem_id="fd-strengths")
    with gr.Accordion("Add a factor the assistant missed", open=False, elem_id="fd-add-accordion"):
        with gr.Row():
            add_factor = gr.Dropdown(label="Factor", choices=list(SPEC_FACTORS), elem_id="fd-add-factor")
            add_status = gr.Dropdown(label="Status", choices=STATUSES, value="present", elem_id="fd-add-status")
            add_turn = gr.Number(label="Turn #", precision=0, elem_id="fd-add-turn")
        add_quote = gr.Textbox(label="Quote (copied verbatim from that turn)", elem_id="fd-add-quote")
        add_note = gr.Textbox(label="Note (why)", elem_id="fd-add-note")
        add_btn = gr.Button("Add factor", elem_id="fd-add-btn")
    with gr.Row():
        pathway = gr.Markdown(elem_id="fd-pathway")
        questions = gr.Markdown()
    with gr.Row():
        agreed = gr.Dropdown(label="Agreed pathway", choices=list(PATHWAYS), elem_id="fd-agreed")
        agreed_reason = gr.Textbox(label="Reason for the agreed pathway", scale=2, elem_id="fd-agreed-reason")
        pathway_btn = gr.Button("Set pathway", elem_id="fd-set-pathway")
    with gr.Row():
        who = gr.Textbox(label="Who", elem_id="fd-who")
        what = gr.Textbox(label="What", scale=2, elem_id="fd-what")
        by_when = gr.Textbox(label="By when (YYYY-MM-DD)", elem_id="fd-by-when")
        action_btn = gr.Button("Add action", elem_id="fd-add-action")
    actions = gr.Markdown()
    with gr.Row():
        worker = gr.Textbox(label="Worker name (as it appears on the record)", elem_id="fd-worker")
        confirm_btn = gr.Button("Confirm record", variant="primary", elem_id="fd-confirm")
        export_btn = gr.Button("Export (JSON, DOCX, PDF, letter)", elem_id="fd-export")
    downloads = gr.File(label="Downloads", file_count="multiple", interactive=False, elem_id="fd-downloads")

    outs = [opened, status, header, audio, transcript, factor, evidence, risks, strengths, pathway, questions,
            actions, records_table]  # fmt: skip
    draft_upload.click(h.draft_upload, [upload], outs, concurrency_limit=1, concurrency_id="drafting")
    draft_paste.click(h.draft_paste, [paste], outs, concurrency_limit=1, concurrency_id="drafting")
    draft_demo.click(h.draft_demo, None, outs, concurrency_limit=1, concurrency_id="drafting")
    open_btn.click(h.open, [record_pick], outs)
    refresh_btn.click(h.refresh_records, None, [record_pick, records_table])
    reload_btn.click(h.reload, [opened, factor], outs)
    factor.input(h.select, [opened, factor], outs)
    accept_btn.click(h.accept, [opened, factor], outs)
    status_btn.click(h.set_status, [opened, factor, new_status, reason], outs)
    reject_btn.click(h.reject, [opened, factor, reason], outs)
    ev_btn.click(h.edit_evidence, [opened, factor, ev_quote, ev_turn], outs)
    add_btn.click(h.add_factor, [opened, add_factor, add_status, add_quote, add_turn, add_note], outs)
    pathway_btn.click(h.set_pathway, [opened, agreed, agreed_reason], outs)
    action_btn.click(h.add_action, [opened, who, what, by_when], outs)
    confirm_btn.click(h.confirm, [opened, worker], outs)
    export_btn.click(h.export, [opened], [downloads, status])
    return h, record_pick, records_table
