"""The review view's handlers with a store in tmp_path and the fake-encoder, rules-only pipeline: roles enforced on
the server, every action through the store, and faults (double submits, stale pages, bad uploads, a locked
database, a closed browser) shown as messages with nothing lost."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from ui_fixtures import make_workspace, request

from assistant.store import RecordStore
from ui import review_ops as ops
from ui.context import Workspace
from ui.review_view import ReviewHandlers

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")  # gr.Warning outside a browser session

OPENED, STATUS, HEADER, AUDIO, TRANSCRIPT, FACTOR = range(6)


def no_progress(fraction: float, desc: str | None = None) -> None:
    del fraction, desc


@pytest.fixture
def ws(tmp_path: Path) -> Any:
    workspace = make_workspace(tmp_path)
    yield workspace
    workspace.store.close()


@pytest.fixture
def h(ws: Workspace) -> ReviewHandlers:
    return ReviewHandlers(ws)


def demo(h: ReviewHandlers, user: str = "sam", session: str = "s1") -> dict[str, Any]:
    out = h.draft_demo(request(user, session), progress=no_progress)
    assert out[STATUS].startswith("**Done:**"), out[STATUS]
    return out[OPENED]


def test_each_view_is_for_its_roles_on_the_server(h: ReviewHandlers, ws: Workspace) -> None:
    for user in ("eva", "ada", None):
        out = h.draft_demo(request(user), progress=no_progress)
        assert out[STATUS].startswith("**Not done:**")
        assert "Not allowed" in out[STATUS] and ("Sign in" in out[STATUS] if user is None else user in out[STATUS])
        assert ws.store.list_records() == []
    state = demo(h, "alex")  # practice leads review too
    out = h.accept(state, ws.store.get(state["record_id"]).review.factors[0].factor, request("eva"))
    assert "Not allowed" in out[STATUS]
    assert ws.store.get(state["record_id"]).version == 1
    assert [v for v in ws.views_for(ws.store.users.get("eva"))] == ["evals"]
    assert ws.views_for(ws.store.users.get("alex")) == ["review", "guidance"]


def test_demo_call_draft_shows_transcript_and_factors(h: ReviewHandlers, ws: Workspace) -> None:
    out = h.draft_demo(request("sam"), progress=no_progress)
    view = ws.store.get(out[OPENED]["record_id"])
    assert view.version == 1 and view.draft.call_id == view.review.call_id
    assert "#0 · <b>worker</b>" in out[TRANSCRIPT]
    fid = view.review.factors[0].factor
    selected = h.select(out[OPENED], fid, request("sam"))
    assert "<mark>" in selected[TRANSCRIPT]
    assert f"evidence of {fid.replace('_', ' ')}" in selected[STATUS]


def test_double_submit_writes_once(h: ReviewHandlers, ws: Workspace) -> None:
    state = demo(h)
    again = h.draft_demo(request("sam", "s1"), progress=no_progress)  # the same click delivered twice
    assert again[OPENED]["record_id"] == state["record_id"] and len(ws.store.list_records()) == 1
    fid = ws.store.get(state["record_id"]).review.factors[0].factor
    first = h.reject(state, fid, "not said", request("sam"))
    second = h.reject(state, fid, "not said", request("sam"))  # same page, same version, same action
    assert first[OPENED] == second[OPENED] == {"record_id": state["record_id"], "version": 2}
    assert second[STATUS].startswith("**Done:**")
    assert len(ws.store.versions(state["record_id"])) == 2
    assert [e.action for e in ws.store.audit(state["record_id"])].count("reject") == 1


def test_two_people_confirming_get_a_clear_conflict(h: ReviewHandlers, ws: Workspace) -> None:
    state = demo(h)
    for f in ws.store.get(state["record_id"]).review.factors:
        state = h.accept(state, f.factor, request("sam"))[OPENED]
    state = h.set_pathway(state, "child_in_need", "Needs an assessment.", request("sam"))[OPENED]
    alex_page = dict(state)  # a practice lead opened the same version in another browser
    done = h.confirm(state, "Sam Patel", request("sam"))
    assert done[STATUS].startswith("**Done:** Confirmed")
    late = h.confirm(alex_page, "Alex Khan", request("alex"))
    assert late[STATUS].startswith("**Not done:** Someone else changed this record")
    assert "confirmed by Sam" in late[STATUS] and "Reload record" in late[STATUS]
    assert ws.store.get_confirmed(state["record_id"]).worker_name == "Sam Patel"
    reloaded = h.reload(alex_page, None, request("alex"))
    assert reloaded[OPENED]["version"] == done[OPENED]["version"]


def test_invalid_actions_are_messages(h: ReviewHandlers, ws: Workspace) -> None:
    state = demo(h)
    out = h.add_factor(state, "young_carer", "present", "words nobody said", 1, "", request("sam"))
    assert out[STATUS].startswith("**Not done:**") and "not verbatim" in out[STATUS]
    out = h.confirm(state, "Sam", request("sam"))
    assert "cannot be confirmed yet" in out[STATUS]
    out = h.add_action(state, "Sam", "Call back", "next week", request("sam"))
    assert "must be a date" in out[STATUS]
    out = h.accept(None, "neglect", request("sam"))
    assert "Open a record first" in out[STATUS]
    out = h.export(state, request("sam"))
    assert "not been confirmed" in out[1]
    assert ws.store.get(state["record_id"]).version == 1


def test_uploads_wrong_type_or_too_big_are_refused(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path, max_upload_mb=0.001)
    h = ReviewHandlers(ws)
    exe = tmp_path / "call.exe"
    exe.write_bytes(b"MZ" + b"\0" * 100)
    out = h.draft_upload(str(exe), request("sam"), progress=no_progress)
    assert "not a call recording or transcript" in out[STATUS]
    big = tmp_path / "call.wav"
    big.write_bytes(b"\0" * 4096)
    out = h.draft_upload(str(big), request("sam"), progress=no_progress)
    assert "0.00391 MB, over the 0.001 MB upload limit" in out[STATUS]
    out = h.draft_upload(None, request("sam"), progress=no_progress)
    assert "Choose a recording" in out[STATUS]
    assert ws.store.list_records() == []
    ws.store.close()


def test_transcript_upload_and_paste(h: ReviewHandlers, ws: Workspace, tmp_path: Path) -> None:
    text = "Worker: Children's advice and duty service.\nCaller: Mum hit him with a belt last night.\n"
    call = tmp_path / "call.txt"
    call.write_text(text, encoding="utf-8")
    out = h.draft_upload(str(call), request("sam"), progress=no_progress)
    assert out[STATUS].startswith("**Done:** Drafted call.txt")
    pasted = h.draft_paste(text, request("sam", "s2"), progress=no_progress)
    assert pasted[STATUS].startswith("**Done:** Drafted the pasted transcript")
    assert "Paste a transcript first" in h.draft_paste("  ", request("sam"), progress=no_progress)[STATUS]
    assert len(ws.store.list_records()) == 2


def test_closed_browser_loses_nothing(h: ReviewHandlers, ws: Workspace) -> None:
    state = demo(h)
    fid = ws.store.get(state["record_id"]).review.factors[0].factor
    h.reject(state, fid, "not said", request("sam"))
    # the browser closes; the server restarts with a new store object over the same database
    ws.store.close()
    reopened = Workspace(ws.settings, RecordStore(ws.settings.resolved_database_url()), ws.pipeline)
    h2 = ReviewHandlers(reopened)
    assert [r.record_id for r in ops.records(reopened)] == [state["record_id"]]
    out = h2.open(state["record_id"], request("sam", "new-session"))
    assert out[OPENED] == {"record_id": state["record_id"], "version": 2}
    assert "~~" in out[7] or "~~" in out[8]  # the rejected factor is shown struck through
    reopened.store.close()


def test_locked_database_is_a_message_and_nothing_is_lost(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path, busy_timeout_s=0.2)
    h = ReviewHandlers(ws)
    state = demo(h)
    fid = ws.store.get(state["record_id"]).review.factors[0].factor
    db = sqlite3.connect(ws.settings.data_dir / "frontdoor.db", timeout=0.1)
    db.execute("BEGIN IMMEDIATE")  # another program holds the write lock
    try:
        out = h.accept(state, fid, request("sam"))
        assert out[STATUS].startswith("**Not done:**") and "lock" in out[STATUS].lower()
        assert "record_id" not in out[OPENED]  # gr.skip(): the page keeps the version it showed
    finally:
        db.rollback()
        db.close()
    out = h.accept(state, fid, request("sam"))  # the same click again once the lock is gone
    assert out[STATUS].startswith("**Done:**") and out[OPENED]["version"] == 2
    ws.store.close()


def test_export_writes_every_format(h: ReviewHandlers, ws: Workspace) -> None:
    state = demo(h)
    for f in ws.store.get(state["record_id"]).review.factors:
        state = h.accept(state, f.factor, request("sam"))[OPENED]
    state = h.set_pathway(state, "child_protection", "Injury and the child's account.", request("sam"))[OPENED]
    state = h.confirm(state, "", request("sam"))[OPENED]
    files, message = h.export(state, request("sam"))
    assert message.startswith("**Done:** Exported 5 files")
    assert sorted(Path(f).suffix for f in files) == [".docx", ".docx", ".json", ".pdf", ".pdf"]
    assert ws.store.get_confirmed(state["record_id"]).worker_name == "Sam"  # the display name when left blank
