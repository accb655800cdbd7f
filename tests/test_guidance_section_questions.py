"""The questions a guidance section answers (``section_questions`` in a page's front matter): read and
checked with the page, stored in the index beside its passages (re-embedded with their page only),
and lifting their section in search."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.guidance.chunking import QUESTION, chunk_document, index_entries
from assistant.guidance.documents import DocumentError, read_corpus, read_document
from assistant.guidance.search import HybridSearcher
from assistant.guidance.service import Guidance
from assistant.models import ModelLoader
from tests.guidance_fixtures import NEGLECT, PHYSICAL, REAL_CORPUS, CountingEncoder, default_pages, make_corpus

QUESTIONS = """section_questions:
  thresholds-and-pathways:
    - does a slap mark need a strat?
    - is a smack with a mark a child protection matter?
  key-questions:
    - what do I ask the nursery about a mark?
"""


def _with_questions(page: str, questions: str = QUESTIONS) -> str:
    """The page with ``questions`` added at the end of its front matter."""
    head, sep, body = page.partition("\n---\n")
    return f"{head}\n{questions.rstrip()}{sep}{body}"


def test_questions_are_read_per_section_and_the_page_text_is_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "physical.md"
    path.write_text(_with_questions(PHYSICAL), encoding="utf-8")
    plain = tmp_path / "plain.md"
    plain.write_text(PHYSICAL, encoding="utf-8")
    doc, before = read_document(path), read_document(plain)
    assert doc.markdown == before.markdown and doc.sections == before.sections
    assert doc.questions_for("thresholds-and-pathways") == (
        "does a slap mark need a strat?",
        "is a smack with a mark a child protection matter?",
    )
    assert doc.questions_for("what-it-looks-like") == () and before.section_questions == ()
    entries = index_entries(doc)
    passages = chunk_document(doc)
    assert entries[: len(passages)] == passages
    questions = entries[len(passages) :]
    assert [q.kind for q in questions] == [QUESTION] * 3
    assert questions[0].text == "does a slap mark need a strat?"  # embedded alone, no title prefix
    assert questions[0].cite == "factor-physical-abuse#thresholds-and-pathways"
    assert len({e.id for e in entries}) == len(entries)


@pytest.mark.parametrize(
    ("questions", "error"),
    [
        ("section_questions:\n  what-to-do:\n    - is it cp?\n", r"physical.md: .*'section_questions.what-to-do': no section"),
        ("section_questions: [is it cp]\n", r"physical.md: .*'section_questions' must map section anchors"),
        ("section_questions:\n  key-questions: []\n", r"physical.md: .*'section_questions.key-questions' must be a list"),
        ("section_questions:\n  key-questions:\n    - ''\n", r"physical.md: .*'section_questions.key-questions.0'"),
        ("section_questions:\n  key-questions:\n    - {a: b}\n", r"'section_questions.key-questions.0' must be a question"),
    ],
)
def test_a_bad_question_entry_is_named_with_its_file(tmp_path: Path, questions: str, error: str) -> None:
    path = tmp_path / "physical.md"
    path.write_text(_with_questions(PHYSICAL, questions), encoding="utf-8")
    with pytest.raises(DocumentError, match=error):
        read_document(path)
    docs, problems = read_corpus(tmp_path)
    assert docs == [] and len(problems) == 1 and problems[0].path == path


def test_every_real_guidance_page_has_questions_for_each_section() -> None:
    docs, problems = read_corpus(REAL_CORPUS / "guidance")
    assert problems == [] and len(docs) >= 40
    for doc in docs:
        asked = {slug for slug, _ in doc.section_questions}
        assert asked == {s.slug for s in doc.sections}, doc.id
        assert all(2 <= len(qs) <= 8 for _, qs in doc.section_questions), doc.id


def _guidance(tmp_path: Path, pages: dict[str, str]) -> tuple[Guidance, CountingEncoder]:
    settings = make_corpus(tmp_path, pages)
    loader = ModelLoader(settings, encoder="fake")
    encoder = CountingEncoder()
    loader.__dict__["encoder"] = encoder
    return Guidance.open(settings, loader), encoder


def test_questions_are_stored_with_their_page_and_re_embedded_only_with_it(tmp_path: Path) -> None:
    pages = {**default_pages(), "physical.md": _with_questions(PHYSICAL)}
    guidance, _ = _guidance(tmp_path, pages)
    stored = guidance.index.store.get(where={"kind": QUESTION}, include=["metadatas", "documents"])
    assert sorted(stored["documents"]) == sorted(q for _, qs in guidance.doc("factor-physical-abuse").section_questions for q in qs)  # type: ignore[union-attr]
    assert {m["slug"] for m in stored["metadatas"]} == {"thresholds-and-pathways", "key-questions"}
    # the plain dense search returns passages only, never a question
    assert all("::q" not in h.chunk_id for h in guidance.index.search("does a slap mark need a strat?", k=5))

    settings = guidance.settings
    path = settings.corpus_dir / "guidance" / "physical.md"
    path.write_text(path.read_text(encoding="utf-8").replace("what do I ask the nursery", "what to ask the nursery"), "utf-8")
    loader = ModelLoader(settings, encoder="fake")
    counting = CountingEncoder()
    loader.__dict__["encoder"] = counting
    again = Guidance.open(settings, loader)
    report = again.last_sync
    assert report is not None and report.updated == ["factor-physical-abuse"]
    assert "factor-neglect" in report.unchanged
    physical = again.doc("factor-physical-abuse")
    assert physical is not None
    assert report.chunks_embedded == len(index_entries(physical)) == len(chunk_document(physical)) + 3
    assert again.index.indexed()["factor-physical-abuse"] == physical.content_hash


def _searcher(guidance: Guidance, **ranking: float) -> HybridSearcher:
    vocabulary = guidance.vocabulary.model_copy(
        update={"ranking": guidance.vocabulary.ranking.model_copy(update={"intent": 0.0, "factor": 0.0, **ranking})}
    )
    return HybridSearcher(guidance.index, vocabulary)


def test_a_query_like_a_sections_question_lifts_that_section(tmp_path: Path) -> None:
    pages = {"physical.md": _with_questions(PHYSICAL), "neglect.md": NEGLECT}
    guidance, _ = _guidance(tmp_path, pages)
    query = "is a smack with a mark a child protection matter?"
    want = "factor-physical-abuse#thresholds-and-pathways"
    off = _searcher(guidance, questions=0.0).search(query, k=10)
    on = _searcher(guidance, questions=1.0).search(query, k=10)
    half = _searcher(guidance, questions=0.5).search(query, k=10)
    rank = {name: next(i for i, h in enumerate(hits) if h.cite == want) for name, hits in [("off", off), ("on", on)]}
    assert rank["on"] == 0 and rank["on"] <= rank["off"]
    score = {name: next(h.score for h in hits if h.cite == want) for name, hits in [("off", off), ("half", half), ("on", on)]}
    assert score["off"] < score["half"] < score["on"]
    assert all("::q" not in h.chunk_id for h in on)  # the hit is the section's passage, not the question


def test_the_closest_questions_bring_their_sections_into_the_candidates(tmp_path: Path) -> None:
    pages = {"physical.md": _with_questions(PHYSICAL), "neglect.md": NEGLECT}
    guidance, _ = _guidance(tmp_path, pages)
    narrow = {"candidates": 1, "lexical_candidates": 0, "page_candidates": 0, "page": 0.0, "questions": 1.0}
    # the nearest entry is a question: it brings its section's passage
    asked = _searcher(guidance, **narrow, question_candidates=0).search("what do I ask the nursery about a mark?", k=10)
    assert [h.cite for h in asked] == ["factor-physical-abuse#key-questions"]
    # the nearest entry is a neglect passage; the section with the closest question joins it
    query = "always hungry, the same clothes all week, head lice for months"
    without = _searcher(guidance, **narrow, question_candidates=0).search(query, k=10)
    assert {h.doc_id for h in without} == {"factor-neglect"}
    found = _searcher(guidance, **narrow, question_candidates=1).search(query, k=10)
    assert len(found) == 2 and "factor-physical-abuse" in {h.doc_id for h in found}
