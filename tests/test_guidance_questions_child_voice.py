"""The child's own words (child_voice, quoted by extraction) answer the key questions that
corpus/question_matching.yaml marks `answered_by: [child_voice]`; fakes only, no models."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.guidance.documents import read_corpus
from assistant.guidance.questions import (
    QuestionMatcher,
    QuestionMatchingError,
    collect_key_questions,
    load_question_matching,
)
from assistant.guidance.service import Guidance
from assistant.models import HashingEncoder, ModelLoader
from assistant.records import ChildVoice
from tests.guidance_fixtures import (
    EVERY_CALL,
    REAL_CORPUS,
    default_pages,
    findings,
    make_corpus,
    transcript,
    write_matching,
)

SAID = "What has the child said, in their own words?"
VOICE = [ChildVoice(quote="He said he doesn't want to go home.", turn=1)]
CALL = (("worker", "What's happened?"), ("caller", "He came in upset. He said he doesn't want to go home."))


def _matcher() -> QuestionMatcher:
    config, _ = load_question_matching(REAL_CORPUS)
    docs, _ = read_corpus(REAL_CORPUS / "guidance")
    questions, _ = collect_key_questions(docs, config)
    return QuestionMatcher(HashingEncoder(), questions, config)


def test_the_shipped_file_marks_the_questions_about_what_the_child_said() -> None:
    config, _ = load_question_matching(REAL_CORPUS)
    marked = {e.question for e in config.questions if "child_voice" in e.answered_by}
    assert "What has the child said, in their own words" in marked
    # a question about one subject is not answered by any words of the child
    assert not any("want to die" in q or "caring role" in q for q in marked)


def test_child_voice_answers_a_marked_question() -> None:
    matcher = _matcher()
    [match] = matcher.score(
        transcript(*CALL), [q for q in matcher.questions.every_call if q.text == SAID], child_voice=VOICE
    )
    assert (match.how, match.by_cue, match.turn, match.evidence) == ("child_voice", True, 1, VOICE[0].quote)
    assert SAID not in {q.text for q in matcher.unanswered(transcript(*CALL), {}, VOICE)}


def test_without_child_voice_the_question_stays() -> None:
    matcher = _matcher()
    quiet = (("worker", "What's happened?"), ("caller", "There's been a bruise on his arm twice this week."))
    assert SAID in {q.text for q in matcher.unanswered(transcript(*quiet), {})}
    assert SAID in {q.text for q in matcher.unanswered(transcript(*quiet), {}, [])}


def test_child_voice_answers_only_marked_questions() -> None:
    matcher = _matcher()
    quiet = (("worker", "What's happened?"), ("caller", "There's been a bruise on his arm twice this week."))
    statuses = {"child_mental_health": "present", "young_carer": "present"}
    without = {q.text for q in matcher.unanswered(transcript(*quiet), statuses)}
    with_voice = {q.text for q in matcher.unanswered(transcript(*quiet), statuses, VOICE)}
    hidden = without - with_voice
    config = matcher.config
    marked = [e.question.lower() for e in config.questions if "child_voice" in e.answered_by]
    assert SAID in hidden
    assert all(any(q.lower().startswith(m) for m in marked) for q in hidden), hidden
    assert any("want to die" in q for q in with_voice)  # on the child mental health page, not marked


def test_an_unknown_answered_by_names_the_file_and_the_entry(tmp_path: Path) -> None:
    corpus = write_matching(
        tmp_path, 'questions:\n  - question: "What has the child said"\n    answered_by: [parents_aware]\n'
    )
    with pytest.raises(QuestionMatchingError) as err:
        load_question_matching(corpus)
    message = str(err.value)
    assert "question_matching.yaml" in message and "questions[0]" in message and "answered_by" in message


def test_guidance_reads_the_drafts_child_voice(tmp_path: Path) -> None:
    pages = default_pages()
    pages["every-call.md"] = EVERY_CALL.rstrip() + f"\n- {SAID}\n"
    settings = make_corpus(tmp_path, pages)
    guidance = Guidance.open(settings, ModelLoader(settings, encoder="fake"))
    call = transcript(*CALL)
    plain = findings(("physical_abuse", "risk", "present"))
    voiced = plain.model_copy(update={"child_voice": VOICE})
    assert SAID in {q.text for q in guidance.advise(call, plain)[0]}
    assert SAID not in {q.text for q in guidance.advise(call, voiced)[0]}
