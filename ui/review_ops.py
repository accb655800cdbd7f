"""The review view's operations, free of Gradio: each takes the workspace, the signed-in user and plain values,
goes through the pipeline and the records store, and returns the new :class:`RecordView`.

Every write passes ``expected_version`` (the version the person was shown) and an idempotency key made by
:func:`ui.context.submit_key` from what was submitted, so a double click writes once and a stale page gets a
:class:`~assistant.store.ConflictError` instead of overwriting someone else's change.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.auth.models import User
from assistant.export import export_all
from assistant.records import DraftRecord
from assistant.settings import PROJECT_ROOT
from assistant.store import RecordSummary, RecordView, ReviewAction
from assistant.transcript_io import AUDIO_SUFFIXES, InputError, is_audio, parse_text
from ui.context import Workspace, file_digest, submit_key

Progress = Callable[[str, float], None]

DEMO_CALL = PROJECT_ROOT / "evals" / "data" / "demo" / "demo-call.json"
FALLBACK_DEMO_CALL = PROJECT_ROOT / "evals" / "data" / "dev" / "dev-001.json"
TRANSCRIPT_SUFFIXES = (".json", ".txt")


def demo_call_path() -> Path:
    """The bundled demo call (``evals/data/demo/demo-call.json``), or the first dev call until it exists."""
    return DEMO_CALL if DEMO_CALL.exists() else FALLBACK_DEMO_CALL


@dataclass(frozen=True)
class Opened:
    """The record a browser session shows and the version it was shown at (kept in ``gr.State`` as a dict)."""

    record_id: str
    version: int

    @classmethod
    def of(cls, view: RecordView) -> Opened:
        return cls(view.record_id, view.version)

    @classmethod
    def from_state(cls, state: dict[str, Any] | None) -> Opened:
        if not state or not state.get("record_id"):
            raise InputError("Open a record first: load a call, or choose one from the records list.")
        return cls(str(state["record_id"]), int(state["version"]))

    def to_state(self) -> dict[str, Any]:
        return {"record_id": self.record_id, "version": self.version}


def check_upload(ws: Workspace, path: Path) -> None:
    """Refuse, with a message, a file that is missing, too big or of a type Front Door cannot read."""
    if not path.is_file():
        raise InputError("The upload did not arrive; choose the file again.")
    size_mb = path.stat().st_size / 1024 / 1024
    limit = ws.settings.max_upload_mb
    if size_mb > limit:
        raise InputError(
            f"{path.name} is {size_mb:.3g} MB, over the {limit:g} MB upload limit (FRONTDOOR_MAX_UPLOAD_MB); "
            "split the recording or ask an admin to raise the limit."
        )
    suffix = path.suffix.lower()
    if suffix not in AUDIO_SUFFIXES and suffix not in TRANSCRIPT_SUFFIXES:
        kinds = ", ".join(sorted(AUDIO_SUFFIXES | set(TRANSCRIPT_SUFFIXES)))
        raise InputError(f"{path.name} is not a call recording or transcript Front Door can read (use {kinds}).")


def _keep_audio(ws: Workspace, record_id: str, source: Path, draft: DraftRecord) -> None:
    """Keep the call's recording beside the store so it plays again when the record is reopened."""
    audio: Path | None = source if is_audio(source) else None
    if audio is None and draft.transcript.audio:
        candidate = (source.parent / draft.transcript.audio).resolve()
        audio = candidate if candidate.is_file() and is_audio(candidate) else None
    if audio is None:
        return
    ws.audio_root.mkdir(parents=True, exist_ok=True)
    target = ws.audio_root / f"{record_id}{audio.suffix.lower()}"
    if not target.exists():
        shutil.copyfile(audio, target)


def audio_for(ws: Workspace, record_id: str) -> Path | None:
    if not ws.audio_root.is_dir():
        return None
    return next((p for p in sorted(ws.audio_root.glob(f"{record_id}.*")) if is_audio(p)), None)


def draft_file(ws: Workspace, user: User, path: Path, session: str, progress: Progress | None = None) -> RecordView:
    """Draft an uploaded call (audio, JSON or text) and store it as version 1 of a new record."""
    check_upload(ws, path)
    key = submit_key("create", user.username, session, file_digest(path))
    draft = ws.pipeline.draft_file(path, progress=progress)
    view = ws.store.create_record(draft, user=user, idempotency_key=key)
    _keep_audio(ws, view.record_id, path, draft)
    return view


def draft_text(ws: Workspace, user: User, text: str, session: str, progress: Progress | None = None) -> RecordView:
    """Draft a pasted transcript (one turn a line, ``Speaker: text``)."""
    if not text.strip():
        raise InputError("Paste a transcript first: one turn a line, like 'Worker: ...' or 'Caller: ...'.")
    size_mb = len(text.encode("utf-8")) / 1024 / 1024
    if size_mb > ws.settings.max_transcript_mb:
        raise InputError(
            f"The pasted text is {size_mb:.1f} MB, over the {ws.settings.max_transcript_mb:g} MB transcript limit."
        )
    key = submit_key("create-text", user.username, session, text)
    transcript = parse_text(text, "pasted transcript", f"pasted-{key[3:11]}")
    draft = ws.pipeline.draft(transcript, progress=progress)
    return ws.store.create_record(draft, user=user, idempotency_key=key)


def draft_demo(ws: Workspace, user: User, session: str, progress: Progress | None = None) -> RecordView:
    return draft_file(ws, user, demo_call_path(), session, progress)


def open_record(ws: Workspace, record_id: str) -> RecordView:
    if not record_id:
        raise InputError("Choose a record from the list first.")
    return ws.store.get(record_id)


def apply(ws: Workspace, user: User, opened: Opened, action: ReviewAction) -> RecordView:
    key = submit_key("apply", user.username, opened.record_id, opened.version, action.model_dump(mode="json"))
    return ws.store.apply(opened.record_id, action, user=user, expected_version=opened.version, idempotency_key=key)


def confirm(ws: Workspace, user: User, opened: Opened, worker_name: str) -> RecordView:
    name = worker_name.strip() or user.display_name
    key = submit_key("confirm", user.username, opened.record_id, opened.version, name)
    ws.store.confirm(opened.record_id, user=user, expected_version=opened.version, worker_name=name,
                     idempotency_key=key)  # fmt: skip
    return ws.store.get(opened.record_id)


def export(ws: Workspace, opened: Opened) -> list[Path]:
    """JSON, record (DOCX, PDF) and feedback letter (DOCX, PDF) of the latest confirmed version."""
    files = export_all(
        ws.store, opened.record_id, ws.export_root / opened.record_id, ws.settings, labels=ws.pipeline.guidance.labels()
    )
    return list(files.values())


def records(ws: Workspace) -> list[RecordSummary]:
    return ws.store.list_records()
