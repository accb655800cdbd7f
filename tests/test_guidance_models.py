"""The guidance stage with the real MiniLM encoder on the shipped corpus (marked: needs the model)."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.guidance.service import Guidance
from assistant.models import ModelLoader
from assistant.settings import load_settings
from tests.guidance_fixtures import REAL_CORPUS, findings, transcript

pytestmark = pytest.mark.models


@pytest.fixture(scope="module")
def guidance(tmp_path_factory: pytest.TempPathFactory) -> Guidance:
    data: Path = tmp_path_factory.mktemp("guidance-minilm")
    settings = load_settings(data_dir=data, corpus_dir=REAL_CORPUS, use_classifier=False)
    return Guidance.open(settings, ModelLoader(settings, encoder="minilm"))


def test_minilm_search_finds_the_right_pages(guidance: Guidance) -> None:
    top = [h.doc_id for h in guidance.search("bruise on a 3 month old baby who can't roll yet", k=3)]
    assert "front-door-bruising-non-mobile-babies" in top
    top = [h.cite for h in guidance.search("what should I ask when a pupil is caught with drugs far from home", k=5)]
    assert any(c.startswith("factor-exploitation#") for c in top)


def test_minilm_advice_drops_answered_questions_and_cites(guidance: Guidance) -> None:
    call = transcript(
        ("worker", "Is the child in danger right now?"),
        ("caller", "He's at school with me, he says dad hit him with a belt, there are red marks on his legs."),
        ("worker", "Does dad know you're calling us?"),
        ("caller", "No, nobody at home knows."),
    )
    questions, pathway = guidance.advise(call, findings(("physical_abuse", "risk", "present"), quote_turn=1))
    texts = {q.text for q in questions}
    assert "Does the family know about this call, and have they agreed to it?" not in texts
    assert "Has the child been seen by a doctor about the injury?" in texts
    assert pathway.suggested == "child_protection"
    assert all("#" in s for s in pathway.sources)
