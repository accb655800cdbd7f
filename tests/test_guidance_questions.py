"""Key questions the call has not answered: from the pages, minus what the call already covered."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.guidance.documents import read_corpus
from assistant.guidance.questions import QuestionMatcher, collect_key_questions, load_question_matching
from assistant.guidance.service import Guidance
from assistant.knowledge import SPEC_FACTORS
from assistant.models import HashingEncoder, ModelLoader
from tests.guidance_fixtures import REAL_CORPUS, findings, make_corpus, transcript


def test_every_risk_factor_page_and_the_every_call_page_give_questions() -> None:
    config, _ = load_question_matching(REAL_CORPUS)
    docs, _ = read_corpus(REAL_CORPUS / "guidance")
    questions, warnings = collect_key_questions(docs, config)
    assert warnings == []
    assert len(questions.every_call) >= 5
    assert all(q.source == "front-door-every-call#key-questions" and q.factor is None for q in questions.every_call)
    risks = {f for f, kind in SPEC_FACTORS.items() if kind == "risk"}
    assert risks <= set(questions.by_factor)
    matcher = QuestionMatcher(HashingEncoder(), questions, config)
    assert matcher.unmatched_hints == []


@pytest.fixture
def guidance(tmp_path: Path) -> Guidance:
    settings = make_corpus(tmp_path)
    return Guidance.open(settings, ModelLoader(settings, encoder="fake"))


def test_unanswered_questions_are_suggested_with_factor_and_source(guidance: Guidance) -> None:
    call = transcript(("caller", "He came in with a bruise and the teacher is worried."))
    questions, _ = guidance.advise(call, findings(("physical_abuse", "risk", "present")))
    by_text = {q.text: q for q in questions}
    doctor = by_text["Has the child been seen by a doctor about the injury?"]
    assert doctor.factor == "physical_abuse" and doctor.source == "factor-physical-abuse#key-questions"
    family = by_text["Does the family know about this call, and have they agreed to it?"]
    assert family.factor is None and family.source == "front-door-every-call#key-questions"


def test_questions_the_call_answered_are_not_suggested(guidance: Guidance) -> None:
    call = transcript(
        ("worker", "Does mum know you're ringing us?"),
        ("caller", "Yes, she knows, I told her I'd ring."),
        ("worker", "Has the child been seen by a doctor about the injury?"),
        ("caller", "Yes, he was checked over at A&E last night."),
        ("caller", "There's a bruise on his cheek, about the size of a fifty pence, purple."),
    )
    questions, _ = guidance.advise(call, findings(("physical_abuse", "risk", "present")))
    texts = {q.text for q in questions}
    assert "Does the family know about this call, and have they agreed to it?" not in texts
    assert "Has the child been seen by a doctor about the injury?" not in texts
    assert "Where exactly is the injury, and what does it look like in size, shape and colour?" not in texts
    assert "Where is the child right now, and will they be safe tonight?" in texts


def test_only_raised_risks_bring_their_questions(guidance: Guidance) -> None:
    call = transcript(("caller", "Nothing much to report."))
    questions, _ = guidance.advise(
        call,
        findings(
            ("physical_abuse", "risk", "ruled_out"),
            ("neglect", "risk", "possible"),
            ("protective_carer", "strength", "present"),
        ),
    )
    factors = {q.factor for q in questions}
    assert factors == {None, "neglect"}
