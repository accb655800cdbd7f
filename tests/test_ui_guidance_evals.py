"""The practice lead's and the evaluator's views: guidance corpus and cue phrases on a copy of the corpus, and an
evaluation run on a few labelled calls."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from ui_fixtures import make_workspace, request, shared_pipeline

from assistant.knowledge import KnowledgeError, load_knowledge
from assistant.pipeline import Pipeline
from assistant.settings import PROJECT_ROOT
from assistant.store.errors import PermissionDeniedError
from assistant.transcript_io import InputError
from ui import evals_view, guidance_view
from ui.context import Workspace


@pytest.fixture
def lead_ws(tmp_path: Path) -> Any:
    """A workspace whose pipeline reads a copy of the corpus (the views write to it)."""
    corpus = tmp_path / "corpus"
    shutil.copytree(PROJECT_ROOT / "corpus", corpus)
    base = shared_pipeline()
    settings = base.settings.model_copy(update={"corpus_dir": corpus, "data_dir": tmp_path / "data"})
    pipeline = Pipeline(settings, base.loader)
    ws = make_workspace(tmp_path, pipeline=pipeline)
    yield ws
    ws.store.close()


def test_guidance_view_is_for_practice_leads(lead_ws: Workspace) -> None:
    assert lead_ws.require(request("alex"), "guidance").username == "alex"
    for user in ("sam", "eva", "ada"):
        with pytest.raises(PermissionDeniedError):
            lead_ws.require(request(user), "guidance")


def test_upload_search_and_remove_a_guidance_page(lead_ws: Workspace, tmp_path: Path) -> None:
    before = len(guidance_view.doc_rows(lead_ws))
    page = tmp_path / "Local Pet Neglect.md"
    page.write_text(
        "---\nid: local-pet-neglect\ntitle: Animals left unfed\n---\n\n## Key points\n\n"
        "When pets in the home are starving, ask how the children are fed.\n",
        encoding="utf-8",
    )
    seen: list[float] = []
    message = guidance_view.upload_doc(lead_ws, page, lambda f, desc=None: seen.append(f))
    assert "Added Local-Pet-Neglect.md" in message and seen
    rows = guidance_view.doc_rows(lead_ws)
    assert len(rows) == before + 1
    hits = guidance_view.search_rows(lead_ws, "pets in the home are starving", 3)
    assert hits and hits[0][0].startswith("local-pet-neglect#")
    assert lead_ws.pipeline.guidance is not None
    doc_id = next(r[0] for r in rows if r[2] == "Local-Pet-Neglect.md")
    assert "Removed" in guidance_view.remove_doc(lead_ws, doc_id)
    assert len(guidance_view.doc_rows(lead_ws)) == before
    with pytest.raises(InputError, match="guidance must be one of"):
        bad = tmp_path / "x.exe"
        bad.write_bytes(b"MZ")
        guidance_view.upload_doc(lead_ws, bad)


def test_cue_phrases_preview_then_save(lead_ws: Workspace) -> None:
    cues = guidance_view.cues_of(lead_ws, "young_carer").splitlines()
    sample = PROJECT_ROOT / "evals" / "data" / "dev" / "dev-001.json"
    rows = guidance_view.preview(lead_ws, "young_carer", "\n".join([*cues, "his drink on the sofa"]), sample)
    table = {r[0]: (r[1], r[2]) for r in rows}
    assert table["young_carer"][0] == "—" and table["young_carer"][1] != "—"  # the new cue finds it
    assert "his drink on the sofa" not in guidance_view.cues_of(lead_ws, "young_carer")  # preview saved nothing
    assert "Saved" in guidance_view.save_cues(lead_ws, "young_carer", "\n".join([*cues, "looks after mum"]))
    text = (lead_ws.settings.corpus_dir / "taxonomy.yaml").read_text(encoding="utf-8")
    assert "# Front Door factor taxonomy" in text  # comments kept
    assert "looks after mum" in load_knowledge(lead_ws.settings.corpus_dir).taxonomy.by_id()["young_carer"].cues
    assert "looks after mum" in guidance_view.cues_of(lead_ws, "young_carer")  # the live pipeline reloaded
    # a corpus that does not load is refused with the file named, and the saved taxonomy is untouched
    (lead_ws.settings.corpus_dir / "status_rules.yaml").write_text("version: [", encoding="utf-8")
    with pytest.raises(KnowledgeError, match="status_rules.yaml"):
        guidance_view.save_cues(lead_ws, "young_carer", "something else")
    assert (lead_ws.settings.corpus_dir / "taxonomy.yaml").read_text(encoding="utf-8") == text


def test_replace_cues_keeps_other_entries() -> None:
    text = (PROJECT_ROOT / "corpus" / "taxonomy.yaml").read_text(encoding="utf-8")
    new = guidance_view.replace_cues(text, "neglect", ["no food in the house", 'a "quoted" cue'])
    assert new.count("- id:") == text.count("- id:")
    assert new.splitlines()[:5] == text.splitlines()[:5]
    with pytest.raises(KnowledgeError, match="no entry with id nothing"):
        guidance_view.replace_cues(text, "nothing", ["x"])
    with pytest.raises(InputError):
        guidance_view.parse_cues(" \n ")


def test_evaluation_of_a_small_folder(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path)
    folder = tmp_path / "calls"
    folder.mkdir()
    for p in sorted((PROJECT_ROOT / "evals" / "data" / "dev").glob("*.json"))[:4]:
        shutil.copyfile(p, folder / p.name)
    done: list[float] = []
    t = evals_view.run_eval(ws, str(folder), 1, lambda f, desc=None: done.append(f))
    assert done[-1] == 1.0 and "**4 calls**" in t.summary
    assert set(t.headline["score"]) >= {"micro_f1", "macro_f1", "status_accuracy", "pathway_exact"}
    assert list(t.per_factor.columns) == evals_view.FACTOR_COLUMNS and len(t.per_factor) > 0
    assert t.status_long["count"].sum() > 0 and list(t.pathway_long.columns) == ["gold", "predicted", "count"]
    with pytest.raises(InputError, match="not a folder of labelled calls"):
        evals_view.run_eval(ws, str(tmp_path / "nowhere"), 1)
    with pytest.raises(PermissionDeniedError):
        ws.require(request("sam"), "evals")
    ws.store.close()
