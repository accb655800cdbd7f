"""Key questions the call has not answered: from the pages, minus what the call already covered."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from assistant.guidance.documents import read_corpus
from assistant.guidance.questions import (
    QuestionMatcher,
    QuestionMatchingError,
    collect_key_questions,
    compile_cue,
    load_question_matching,
)
from assistant.guidance.service import Guidance
from assistant.knowledge import SPEC_FACTORS
from assistant.models import HashingEncoder, ModelLoader
from assistant.settings import load_settings
from tests.guidance_fixtures import REAL_CORPUS, findings, make_corpus, transcript, write_matching


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


# -- how "answered" is read: cues, worker questions, similarity -------------------------------------


class RecordingEncoder(HashingEncoder):
    """The hashing fake, remembering every text it was asked to embed."""

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self.texts.extend(texts)
        return super().encode(texts)


def _matcher(encoder: HashingEncoder | None = None) -> QuestionMatcher:
    config, _ = load_question_matching(REAL_CORPUS)
    docs, _ = read_corpus(REAL_CORPUS / "guidance")
    questions, _ = collect_key_questions(docs, config)
    return QuestionMatcher(encoder or HashingEncoder(), questions, config)


EVERY = {
    "family": "Does the family know about this call, and have they agreed to it?",
    "where": "Where is the child right now, and will they be safe tonight?",
    "agencies": "Which other agencies or professionals are involved with the family?",
    "home": "Who else lives in the home with the child?",
}


def _open(matcher: QuestionMatcher, *turns: tuple[str, str], statuses: dict[str, str] | None = None) -> set[str]:
    return {q.text for q in matcher.unanswered(transcript(*turns), statuses or {})}


def test_cue_syntax_alternatives_groups_gaps_and_prefixes() -> None:
    assert compile_cue("health visitor|gp").search("she sees the gp weekly")
    assert compile_cue("health visitor|gp").search("the health visitor came")
    assert not compile_cue("health visitor|gp").search("a gpx file")  # whole words only
    group = compile_cue("(he|she) (said|told)")
    assert group.search("and she told me") and not group.search("he asked")
    gap = compile_cue("mum ... know")
    assert gap.search("mum doesnt really know") and not gap.search("mum went to the shop and does not know")
    assert compile_cue("drink*").search("she was drinking") and compile_cue("step-dad").search("his step dad")
    assert compile_cue("She's").search("shes at school")  # apostrophes dropped on both sides


@pytest.mark.parametrize("bad", ["", "... know", "know ...", "(mum|dad", "mum)", "a | | b", "* ...", "mum, dad", "(a ... b)"])
def test_unreadable_cues_are_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        compile_cue(bad)


def test_a_bad_cue_names_the_file_and_the_entry(tmp_path: Path) -> None:
    corpus = write_matching(
        tmp_path,
        'questions:\n  - question: "Where is the child"\n    answered: ["at school", "in (class"]\n',
    )
    with pytest.raises(QuestionMatchingError) as err:
        load_question_matching(corpus)
    message = str(err.value)
    assert "question_matching.yaml" in message and "questions[0]" in message and "Where is the child" in message
    assert "answered[1]" in message or "in (class" in message


def test_unknown_fields_and_repeated_entries_are_refused(tmp_path: Path) -> None:
    corpus = write_matching(tmp_path, 'questions:\n  - question: "Where is the child"\n    phrases: ["x"]\n')
    with pytest.raises(QuestionMatchingError, match="phrases"):
        load_question_matching(corpus)
    corpus = write_matching(
        tmp_path,
        'questions:\n  - question: "Where is the child"\n    answered: [a]\n  - question: "where is the child"\n    asked: [b]\n',
    )
    with pytest.raises(QuestionMatchingError, match=r"questions\[1\].*repeats questions\[0\]"):
        load_question_matching(corpus)


def test_the_caller_volunteering_the_answer_settles_a_question() -> None:
    matcher = _matcher()
    open_ = _open(
        matcher,
        ("caller", "Mum doesn't know I'm ringing you."),
        ("caller", "He's in class at the moment, sat with his teacher."),
    )
    assert EVERY["family"] not in open_
    assert EVERY["where"] not in open_
    assert EVERY["agencies"] in open_


def test_the_workers_own_words_are_not_an_answer() -> None:
    matcher = _matcher()
    open_ = _open(matcher, ("worker", "I'll speak to the health visitor and the GP after this."), ("caller", "Okay."))
    assert EVERY["agencies"] in open_


def test_a_worker_asking_in_other_words_counts_once_the_caller_replies() -> None:
    matcher = _matcher()
    asked = ("worker", "Does her mum know you're phoning us today?")
    assert EVERY["family"] not in _open(matcher, asked, ("caller", "I'm not sure, to be honest."))
    # asked but never replied to: still a question to put to the caller
    assert EVERY["family"] in _open(matcher, ("caller", "Hello."), asked)


def test_no_sentence_is_encoded_when_the_cues_settle_every_question() -> None:
    encoder = RecordingEncoder()
    matcher = _matcher(encoder)
    encoder.texts.clear()
    call = (
        ("worker", "Does mum know you're calling?"),
        ("caller", "Yes, she knows and agreed to it. She's at school now. She lives with mum and her stepdad."),
        ("worker", "What has she said?"),
        ("caller", "In her own words, that she's scared. We've referred to early help and the family has a social worker."),
    )
    matches = matcher.score(transcript(*call), matcher.candidates({}))
    assert all(m.by_cue for m in matches), [m.question.text for m in matches if not m.by_cue]
    assert encoder.texts == []


def test_only_worker_question_sentences_the_cues_do_not_explain_are_encoded() -> None:
    encoder = RecordingEncoder()
    matcher = _matcher(encoder)
    encoder.texts.clear()
    matcher.unanswered(
        transcript(
            ("worker", "Right. Does mum know you're calling? Is the tenancy at risk?"),
            ("caller", "No to both, as far as I know. He told me his dad hit him and there's a long story behind it all."),
            ("worker", "Okay, thank you."),
        ),
        {},
    )
    assert encoder.texts == ["Is the tenancy at risk?"]


def test_the_question_vectors_are_computed_once() -> None:
    encoder = RecordingEncoder()
    matcher = _matcher(encoder)
    first = len(encoder.texts)
    assert first >= len(matcher.questions.all())  # the questions and their other wordings
    encoder.texts.clear()
    for _ in range(3):
        matcher.unanswered(transcript(("worker", "Is the tenancy at risk?"), ("caller", "Yes.")), {"neglect": "present"})
    assert encoder.texts == ["Is the tenancy at risk?"] * 3


@pytest.mark.models
def test_minilm_hides_a_question_the_worker_asked_in_other_words(tmp_path: Path) -> None:
    corpus = write_matching(
        tmp_path,
        'questions:\n  - question: "Where is the child right now"\n    asked_as: ["Where is he now?"]\n',
    )
    config, _ = load_question_matching(corpus)
    docs, _ = read_corpus(REAL_CORPUS / "guidance")
    questions, _ = collect_key_questions(docs, config)
    settings = load_settings(corpus_dir=REAL_CORPUS, use_classifier=False)
    matcher = QuestionMatcher(ModelLoader(settings, "minilm").encoder, questions, config)
    assert matcher.threshold == load_question_matching(REAL_CORPUS)[0].threshold_for(matcher.encoder.name)
    asked = _open(matcher, ("worker", "And where is he at the moment?"), ("caller", "With his nan."))
    other = _open(matcher, ("worker", "Is the tenancy at risk?"), ("caller", "Yes."))
    assert EVERY["where"] not in asked
    assert EVERY["where"] in other
    assert asked | {EVERY["where"]} == other  # nothing else was hidden by that worker question
