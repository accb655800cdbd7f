"""The practice lead's view: the guidance corpus (list, upload, remove, re-index, try a search) and the cue phrases
of each factor (edit, preview the effect on a sample call, save)."""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

import gradio as gr

from assistant.clitools import write_atomic
from assistant.guidance import Guidance
from assistant.guidance.documents import SUPPORTED_SUFFIXES, read_document
from assistant.guidance.service import guidance_dir
from assistant.knowledge import FILES, Knowledge, KnowledgeError, load_knowledge
from assistant.pipeline import Pipeline
from assistant.records import DraftRecord
from assistant.transcript_io import InputError, read_transcript
from ui.context import Workspace
from ui.messages import failure, success
from ui.review_ops import demo_call_path

PROGRESS = gr.Progress()  # Gradio gives each event its own tracker in place of this default
DOC_COLUMNS = ["id", "title", "file", "factors", "pathways", "sections"]
HIT_COLUMNS = ["cite", "title", "heading", "score", "passage"]
PREVIEW_COLUMNS = ["factor", "before", "after"]


# -- corpus ----------
def doc_rows(ws: Workspace) -> list[list[Any]]:
    g = ws.pipeline.guidance
    return [[d.id, d.title, d.path.name, ", ".join(d.factors), ", ".join(d.pathways), len(d.sections)]
            for d in g.docs]  # fmt: skip


def reload_guidance(ws: Workspace, progress: Any = None) -> Guidance:
    """Read the corpus again and bring the index up to date, then draft with it from now on."""
    total = {"n": 0, "done": 0}

    def plan(n: int) -> None:
        total["n"] = n
        if progress is not None:
            progress(0.0, desc=f"indexing {n} passages")

    def step(k: int) -> None:
        total["done"] += k
        if progress is not None and total["n"]:
            progress(min(1.0, total["done"] / total["n"]), desc="indexing")

    fresh = Guidance.open(ws.settings, ws.pipeline.loader, sync=True, on_plan=plan, on_progress=step)
    ws.pipeline.__dict__["guidance"] = fresh  # Pipeline.guidance is a cached property: replace it whole
    return fresh


def upload_doc(ws: Workspace, path: Path, progress: Any = None) -> str:
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise InputError(f"{path.name}: guidance must be one of {', '.join(SUPPORTED_SUFFIXES)}.")
    target = guidance_dir(ws.settings) / re.sub(r"[^A-Za-z0-9._-]+", "-", path.name)
    with tempfile.TemporaryDirectory() as tmp:  # check it reads before it enters the corpus
        trial = Path(tmp) / target.name
        shutil.copyfile(path, trial)
        doc = read_document(trial)
    existed = target.exists()
    shutil.copyfile(path, target)
    fresh = reload_guidance(ws, progress)
    report = fresh.last_sync.summary() if fresh.last_sync else "index up to date"
    return f"{'Replaced' if existed else 'Added'} {target.name} ({doc.title}); {report}."


def remove_doc(ws: Workspace, doc_id: str, progress: Any = None) -> str:
    doc = next((d for d in ws.pipeline.guidance.docs if d.id == doc_id), None)
    if doc is None:
        raise InputError(f"No guidance document {doc_id!r}; refresh the list.")
    doc.path.unlink()
    fresh = reload_guidance(ws, progress)
    report = fresh.last_sync.summary() if fresh.last_sync else "index up to date"
    return f"Removed {doc.path.name}; {report}."


def search_rows(ws: Workspace, query: str, k: int) -> list[list[Any]]:
    if not query.strip():
        raise InputError("Type a question or some words to search the guidance for.")
    return [[h.cite, h.title, h.heading, round(h.score, 3), h.text] for h in ws.pipeline.guidance.search(query, k)]


# -- cue phrases ----------
def cues_of(ws: Workspace, factor: str) -> str:
    entry = ws.pipeline.knowledge.taxonomy.by_id().get(factor)
    if entry is None:
        raise InputError(f"No factor {factor!r} in the taxonomy.")
    return "\n".join(entry.cues)


def replace_cues(taxonomy_text: str, factor: str, cues: list[str]) -> str:
    """The taxonomy file with ``factor``'s ``cues:`` list replaced, every other line (comments too) kept."""
    lines = taxonomy_text.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if re.match(rf"\s*-\s+id:\s*['\"]?{re.escape(factor)}['\"]?\s*$",
                                                                  line)), None)  # fmt: skip
    if start is None:
        raise KnowledgeError(f"taxonomy.yaml: no entry with id {factor}")
    indent = len(lines[start]) - len(lines[start].lstrip()) + 2
    i = start + 1
    while i < len(lines) and not re.match(rf"\s{{{indent}}}cues:\s*$", lines[i]):
        if re.match(r"\s*-\s+id:", lines[i]):
            raise KnowledgeError(f"taxonomy.yaml: the entry {factor} has no 'cues:' list to edit")
        i += 1
    if i == len(lines):
        raise KnowledgeError(f"taxonomy.yaml: the entry {factor} has no 'cues:' list to edit")
    j = i + 1
    while j < len(lines) and (re.match(rf"\s{{{indent + 2},}}-\s", lines[j]) or not lines[j].strip()):
        j += 1
    while j > i + 1 and not lines[j - 1].strip():  # keep blank lines after the list
        j -= 1
    pad = " " * (indent + 2)
    new = [f'{pad}- "{c.replace(chr(92), chr(92) * 2).replace(chr(34), chr(92) + chr(34))}"\n' for c in cues]
    return "".join(lines[: i + 1] + new + lines[j:])


def parse_cues(text: str) -> list[str]:
    cues = [" ".join(line.split()) for line in text.splitlines() if line.strip()]
    if not cues:
        raise InputError("A factor needs at least one cue phrase.")
    return cues


def trial_knowledge(ws: Workspace, factor: str, cues_text: str) -> tuple[Path, Knowledge]:
    """Copy the knowledge files to a temporary corpus with the new cues and load it (KnowledgeError if wrong)."""
    tmp = Path(tempfile.mkdtemp(prefix="frontdoor-cues-"))
    for name, _model in FILES.values():
        shutil.copyfile(ws.settings.corpus_dir / name, tmp / name)
    text = (tmp / "taxonomy.yaml").read_text(encoding="utf-8")
    (tmp / "taxonomy.yaml").write_text(replace_cues(text, factor, parse_cues(cues_text)), encoding="utf-8")
    return tmp, load_knowledge(tmp)


def _factors(record: DraftRecord) -> dict[str, str]:
    return {f.factor: f"{f.status} ({f.confidence:.2f})" for f in record.factors}


def preview(ws: Workspace, factor: str, cues_text: str, sample: Path) -> list[list[str]]:
    """Draft the sample call with the saved cues and with the edited ones; one row per factor either way."""
    tmp, knowledge = trial_knowledge(ws, factor, cues_text)
    try:
        trial = Pipeline(ws.settings.model_copy(update={"corpus_dir": tmp}), ws.pipeline.loader,
                         head=ws.pipeline.head, guidance=ws.pipeline.guidance)  # fmt: skip
        trial.__dict__["knowledge"] = knowledge
        transcript = read_transcript(sample, ws.settings.max_transcript_mb)
        before, after = _factors(ws.pipeline.draft(transcript)), _factors(trial.draft(transcript))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    ids = list(dict.fromkeys([*before, *after]))
    return [[fid, before.get(fid, "—"), after.get(fid, "—")] for fid in ids]


def save_cues(ws: Workspace, factor: str, cues_text: str) -> str:
    tmp, _ = trial_knowledge(ws, factor, cues_text)  # validate first: a broken file never reaches the corpus
    try:
        write_atomic(ws.settings.corpus_dir / "taxonomy.yaml", (tmp / "taxonomy.yaml").read_text(encoding="utf-8"))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    for cached in ("knowledge", "analyser", "extractor"):  # the pipeline reads the new cues from the next draft on
        ws.pipeline.__dict__.pop(cached, None)
    ws.pipeline.warm_up()
    return f"Saved {len(parse_cues(cues_text))} cue phrases for {factor}; drafts use them from now on."


def sample_calls() -> list[str]:
    demo = demo_call_path()
    dev = sorted((demo.parent.parent / "dev").glob("*.json"))[:10] if demo.parent.parent.is_dir() else []
    return [str(p) for p in dict.fromkeys([demo, *dev])]


# -- layout ----------
def build_guidance_tab(ws: Workspace, tab: gr.Tab) -> None:
    status = gr.Markdown(elem_id="fd-guidance-status")
    with gr.Accordion("Guidance documents", open=True):
        docs = gr.Dataframe(headers=DOC_COLUMNS, interactive=False, max_height=300, elem_id="fd-docs")
        with gr.Row():
            refresh = gr.Button("Refresh list")
            reindex = gr.Button("Re-index")
        with gr.Row():
            new_doc = gr.File(label=f"Upload guidance ({', '.join(SUPPORTED_SUFFIXES)})", type="filepath")
            with gr.Column():
                upload = gr.Button("Add to the corpus", variant="primary")
                doc_pick = gr.Dropdown(label="Document to remove", choices=[], allow_custom_value=True)
                remove = gr.Button("Remove document", variant="stop")
    with gr.Accordion("Try a search", open=True):
        with gr.Row():
            query = gr.Textbox(label="Search the guidance", scale=4, elem_id="fd-query")
            k = gr.Slider(1, 10, value=5, step=1, label="Results")
            search = gr.Button("Search", elem_id="fd-search")
        hits = gr.Dataframe(headers=HIT_COLUMNS, interactive=False, wrap=True, elem_id="fd-hits")
    with gr.Accordion("Cue phrases of a factor", open=False):
        with gr.Row():
            factor = gr.Dropdown(label="Factor", choices=[], allow_custom_value=True)
            sample = gr.Dropdown(label="Sample call for the preview", choices=sample_calls(),
                                 value=str(demo_call_path()), allow_custom_value=True, scale=2)  # fmt: skip
        cues = gr.Textbox(label="Cue phrases (one a line)", lines=10)
        with gr.Row():
            preview_btn = gr.Button("Preview on the sample call")
            save_btn = gr.Button("Save cue phrases", variant="primary")
        effect = gr.Dataframe(headers=PREVIEW_COLUMNS, interactive=False, label="Draft before / after")

    def guarded(work: Any, n: int) -> Any:
        try:
            return work()
        except Exception as exc:
            message = failure(exc)
            gr.Warning(message)
            return [message, *[gr.skip() for _ in range(n)]]

    def listing(request: gr.Request) -> Any:
        def work() -> list[Any]:
            ws.require(request, "guidance")
            rows = doc_rows(ws)
            ids = [f.id for f in ws.pipeline.knowledge.taxonomy.factors]
            return ["", rows, gr.Dropdown(choices=[r[0] for r in rows]), gr.Dropdown(choices=ids)]

        return guarded(work, 3)

    def do_upload(path: str | None, request: gr.Request, progress: Any = PROGRESS) -> Any:
        def work() -> list[Any]:
            ws.require(request, "guidance")
            if not path:
                raise InputError("Choose a guidance file first.")
            message = upload_doc(ws, Path(path), progress)
            rows = doc_rows(ws)
            return [success(message), rows, gr.Dropdown(choices=[r[0] for r in rows])]

        return guarded(work, 2)

    def do_remove(doc_id: str | None, request: gr.Request, progress: Any = PROGRESS) -> Any:
        def work() -> list[Any]:
            ws.require(request, "guidance")
            message = remove_doc(ws, doc_id or "", progress)
            rows = doc_rows(ws)
            return [success(message), rows, gr.Dropdown(choices=[r[0] for r in rows], value=None)]

        return guarded(work, 2)

    def do_reindex(request: gr.Request, progress: Any = PROGRESS) -> Any:
        def work() -> list[Any]:
            ws.require(request, "guidance")
            fresh = reload_guidance(ws, progress)
            report = fresh.last_sync.summary() if fresh.last_sync else "index up to date"
            return [success(f"Re-indexed {len(fresh.docs)} documents: {report}."), doc_rows(ws)]

        return guarded(work, 1)

    def do_search(text: str, n: float, request: gr.Request) -> Any:
        def work() -> list[Any]:
            ws.require(request, "guidance")
            rows = search_rows(ws, text or "", int(n))
            return [success(f"{len(rows)} passages found."), rows]

        return guarded(work, 1)

    def do_cues(fid: str | None, request: gr.Request) -> Any:
        def work() -> list[Any]:
            ws.require(request, "guidance")
            return ["", cues_of(ws, fid or "")]

        return guarded(work, 1)

    def do_preview(fid: str | None, text: str, sample_path: str | None, request: gr.Request) -> Any:
        def work() -> list[Any]:
            ws.require(request, "guidance")
            if not fid or not sample_path:
                raise InputError("Choose a factor and a sample call first.")
            rows = preview(ws, fid, text or "", Path(sample_path))
            return [success("Preview: the sample call drafted with the saved and the edited cue phrases."), rows]

        return guarded(work, 1)

    def do_save(fid: str | None, text: str, request: gr.Request) -> Any:
        def work() -> list[Any]:
            ws.require(request, "guidance")
            if not fid:
                raise InputError("Choose a factor first.")
            return [success(save_cues(ws, fid, text or ""))]

        return guarded(work, 0)

    refresh.click(listing, None, [status, docs, doc_pick, factor])
    tab.select(listing, None, [status, docs, doc_pick, factor])
    upload.click(do_upload, [new_doc], [status, docs, doc_pick], concurrency_id="corpus", concurrency_limit=1)
    remove.click(do_remove, [doc_pick], [status, docs, doc_pick], concurrency_id="corpus", concurrency_limit=1)
    reindex.click(do_reindex, None, [status, docs], concurrency_id="corpus", concurrency_limit=1)
    search.click(do_search, [query, k], [status, hits])
    query.submit(do_search, [query, k], [status, hits])
    factor.input(do_cues, [factor], [status, cues])
    preview_btn.click(do_preview, [factor, cues, sample], [status, effect])
    save_btn.click(do_save, [factor, cues], [status], concurrency_id="corpus", concurrency_limit=1)
