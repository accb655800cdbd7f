"""Assertion status of what the caller says: a past time said after the event, an arrangement that ended,
a past time that reaches across "because", a time said after "but" (not "and she") that reaches
back, and a hedge said after the words it doubts. Extraction runs
through the real spaCy model and corpus, without the classifier."""

from __future__ import annotations

import pytest
import yaml

from assistant.extract import ExtractOptions, Extractor
from assistant.knowledge import KnowledgeError, StatusRule, load_knowledge
from assistant.records import Factor, Transcript, Turn

pytestmark = pytest.mark.models


@pytest.fixture(scope="module")
def extractor(analyser) -> Extractor:  # type: ignore[no-untyped-def]
    return Extractor(analyser, options=ExtractOptions(use_classifier=False))


def said(*lines: str) -> Transcript:
    return Transcript(id="t", turns=[Turn(speaker="caller", text=line) for line in lines])  # type: ignore[arg-type]


def found(extractor: Extractor, *lines: str) -> dict[str, Factor]:
    return {f.factor: f for f in extractor.extract(said(*lines)).factors}


@pytest.mark.parametrize(
    "tail",
    ["that was back in 2019", "that was years ago", "that was a long time ago", "that was before they met"],
)
def test_a_past_time_said_after_the_event_reaches_back_over_the_clause(extractor: Extractor, tail: str) -> None:
    current = "He served a sentence for a serious assault on a man in the town centre"
    assert found(extractor, f"{current}.")["risky_adult"].status == "present"
    assert found(extractor, f"{current}, {tail}.")["risky_adult"].status == "historical"


def test_a_past_time_said_after_the_event_does_not_reach_the_next_sentence(extractor: Extractor) -> None:
    text = "That was back in 2019. He served a sentence for a serious assault on a man in the town centre."
    assert found(extractor, text)["risky_adult"].status == "present"


def test_a_home_that_ended_when_the_family_moved_is_historical(extractor: Extractor) -> None:
    lived = "The children were in the same house for six years"
    assert found(extractor, f"{lived}.")["stable_home"].status == "present"
    assert found(extractor, f"{lived} until they moved down here.")["stable_home"].status == "historical"


@pytest.mark.parametrize("hedge", ["I think", "I believe", "or something"])
def test_a_hedge_at_the_end_of_the_sentence_reaches_back(extractor: Extractor, hedge: str) -> None:
    assert found(extractor, "Dad has a drink problem.")["parental_substance_misuse"].status == "present"
    assert found(extractor, f"Dad has a drink problem, {hedge}.")["parental_substance_misuse"].status == "possible"


def test_a_hedge_at_the_end_of_one_sentence_does_not_reach_the_next(extractor: Extractor) -> None:
    text = "Dad has a drink problem. She's moving house next month, I think."
    assert found(extractor, text)["parental_substance_misuse"].status == "present"


def test_not_being_able_to_say_for_sure_makes_the_report_possible(extractor: Extractor) -> None:
    text = "Dad has a drink problem, but I couldn't say for sure."
    assert found(extractor, text)["parental_substance_misuse"].status == "possible"


def test_a_past_time_reaches_across_because_but_a_denial_does_not(extractor: Extractor) -> None:
    past = "The family had a social worker as a baby because mum had a drink problem."
    assert found(extractor, past)["parental_substance_misuse"].status == "historical"
    denied = "She's not in school because mum has a drink problem."
    assert found(extractor, denied)["parental_substance_misuse"].status == "present"


def test_a_time_after_but_reaches_back_and_one_after_and_she_does_not(extractor: Extractor) -> None:
    recovered = "He was out of school most of Year 8, but he's in every day this year."
    assert found(extractor, recovered)["education_absence"].status == "historical"
    current = "She self-harms and she's been really low this year."
    assert found(extractor, current)["child_mental_health"].status == "present"


def test_before_that_puts_what_follows_in_the_past(extractor: Extractor) -> None:
    said_after = "He's been off since October. Before that he was in every day."
    assert found(extractor, said_after)["school_engagement"].status == "historical"
    current = "She's been drinking since Christmas, before that she was fine."
    assert found(extractor, current)["parental_substance_misuse"].status == "present"


def test_contrast_is_only_for_terminate_rules() -> None:
    assert StatusRule(phrase="but", category="terminate", contrast=True).contrast
    with pytest.raises(ValueError, match="terminate rules only"):
        StatusRule(phrase="years ago", category="historical", contrast=True)


def test_passes_is_only_for_terminate_rules() -> None:
    assert StatusRule(phrase="because", category="terminate", passes=["historical"]).passes == ["historical"]
    with pytest.raises(ValueError, match="terminate rules only"):
        StatusRule(phrase="years ago", category="historical", passes=["negated"])
    with pytest.raises(ValueError, match="not terminate or pseudo"):
        StatusRule(phrase="because", category="terminate", passes=["pseudo"])


def test_passes_on_a_rule_that_is_not_a_terminator_names_the_file_and_rule(corpus) -> None:  # type: ignore[no-untyped-def]
    path = corpus / "status_rules.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    index = next(i for i, r in enumerate(data["rules"]) if r["phrase"] == "years ago")
    data["rules"][index]["passes"] = ["negated"]
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    with pytest.raises(KnowledgeError) as raised:
        load_knowledge(corpus)
    message = str(raised.value)
    assert message.startswith(str(path))
    assert f"rules.{index}.passes" in message and "terminate rules only" in message



def test_a_cue_told_in_the_simple_past_shares_the_past_of_its_sentence(extractor: Extractor) -> None:
    alone = "Mum told me he was off work for six months with depression."
    assert found(extractor, alone)["parental_mental_health"].status == "present"
    with_past = "Mum told me dad had a breakdown a couple of years ago, he was off work for six months with depression."
    assert found(extractor, with_past)["parental_mental_health"].status == "historical"


def test_a_recent_past_tense_clause_stays_current(extractor: Extractor) -> None:
    undated = "Dad used to hit mum years ago, and he punched mum in front of the kids."
    assert found(extractor, undated)["domestic_abuse"].status == "historical"
    recent = "Dad used to hit mum years ago, and he punched mum on Saturday in front of the kids."
    assert found(extractor, recent)["domestic_abuse"].status == "present"
    ongoing = "He used to drink years ago, and he has been drinking every night since Christmas."
    assert found(extractor, ongoing)["parental_substance_misuse"].status == "present"
    relapse = "Mum has a long history of heroin use, but she tested positive for crack cocaine."
    assert found(extractor, relapse)["parental_substance_misuse"].status == "present"


def test_a_sentence_opening_with_but_reaches_back_to_the_one_before(extractor: Extractor) -> None:
    before = "She had postnatal depression after Tyler, she was on antidepressants for about a year."
    assert found(extractor, before)["parental_mental_health"].status == "present"
    recovered = f"{before} But she's been well for a few years now."
    assert found(extractor, recovered)["parental_mental_health"].status == "historical"
    added = f"{before} And she's been struggling again for a few weeks now."
    assert found(extractor, added)["parental_mental_health"].status == "present"


def test_an_age_in_the_past_and_a_flight_put_a_concern_in_the_past(extractor: Extractor) -> None:
    aged = "Her older cousin sexually abused her when she was eight, nine, ten."
    assert found(extractor, aged)["sexual_abuse"].status == "historical"
    fled = "They'd fled domestic abuse from her husband in Downham Market."
    assert found(extractor, fled)["domestic_abuse"].status == "historical"
    sober = "Her dad went to rehab after, and he's been sober two years now."
    assert found(extractor, sober)["parental_substance_misuse"].status == "historical"


def test_a_status_rule_with_unbalanced_brackets_is_refused() -> None:
    assert len(StatusRule(phrase="when (she|he) was (five|six)", category="historical").phrases) == 4
    with pytest.raises(ValueError, match="brackets"):
        StatusRule(phrase="when (she|he was", category="historical")
