"""Whom a cue is about: harm to an adult is not physical abuse of the child, a cue whose subject is one
of a factor's not_subjects (the caller, mum) is no evidence of it, and a supporting cue never reports a
factor alone. Rules only, with the real spaCy model and corpus."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest

from assistant.extract import ExtractOptions, Extractor
from assistant.extract.analysis import Analyser
from assistant.extract.referents import AdultReferents
from assistant.knowledge import KnowledgeError, load_knowledge
from assistant.records import Transcript, Turn

pytestmark = pytest.mark.models


@pytest.fixture(scope="module")
def extractor(analyser) -> Extractor:  # type: ignore[no-untyped-def]
    return Extractor(analyser, options=ExtractOptions(use_classifier=False))


def found(extractor: Extractor, *texts: str) -> dict[str, str]:
    transcript = Transcript(id="t", turns=[Turn(speaker="caller", text=t) for t in texts])
    return {f.factor: f.status for f in extractor.extract(transcript).factors}


@pytest.mark.parametrize(
    "text",
    [
        "Mum, Sophie, she's twenty-two. She came in this morning with a split lip.",
        "Her partner Dean came back from the pub and had her by the throat. She's got red marks on her neck.",
        "He was convicted of assaulting his then partner, Claire, he punched her and broke her cheekbone.",
        "When her mum dropped her off this morning she had a black eye and had tried to cover it.",
        "Mum had a bruise on her face.",
        # a name beside the adult's word by a comma, first and last name: an adult's
        "Mum, Stacey Crane, rang us. Her partner, Ryan Holt, that's the kids' dad, he punched her in the face.",
        # the adult's word itself near the cue, with no pronoun (speech-recognition text)
        "when we got there mum had a split lip and there was a smashed mug by the door",
        # her partner named later in the sentence
        "She had bruises on her neck, like finger marks, and she said it's just her boyfriend messing about.",
    ],
)
def test_harm_to_an_adult_is_domestic_abuse_not_physical_abuse(extractor: Extractor, text: str) -> None:
    statuses = found(extractor, text)
    assert "physical_abuse" not in statuses
    assert statuses.get("domestic_abuse") in {"present", "possible"}


def test_without_a_redirect_harm_to_an_adult_is_dropped(analyser) -> None:  # type: ignore[no-untyped-def]
    rules = analyser.knowledge.status_rules.model_copy(deep=True)
    assert rules.adult_victims is not None
    rules.adult_victims.redirect_to = None
    knowledge = dataclasses.replace(analyser.knowledge, status_rules=rules)
    alone = Extractor(Analyser(analyser.nlp, knowledge), options=ExtractOptions(use_classifier=False))
    assert found(alone, "When her mum dropped her off this morning she had a black eye.") == {}


@pytest.mark.parametrize(
    "text",
    [
        "Mum slapped her across the face last night.",
        "Mum said she had a bruise on her arm when she got up.",
        "Yesterday she had a red mark on her cheek and a bruise on her wrist.",
        "Mum's partner hit him with a belt on Saturday.",
        "Her older brother slapped her across the face on Sunday.",
        "Mum, Stacey Crane, told us her partner hit Ella with a belt.",
        "Ellie had a bruise on her arm and her brother said dad grabbed her.",
    ],
)
def test_harm_to_the_child_is_still_physical_abuse(extractor: Extractor, text: str) -> None:
    assert found(extractor, text).get("physical_abuse") in {"present", "possible"}


def test_a_partner_of_her_marks_the_adult(analyser) -> None:  # type: ignore[no-untyped-def]
    rules = analyser.knowledge.status_rules.adult_victims
    referents = AdultReferents(rules)
    doc = analyser.analyse(
        Transcript(id="t", turns=[Turn(speaker="caller", text="She said her ex hit her on Saturday.")])
    ).docs[0]
    start = next(t.i for t in doc if t.lower_ == "hit")
    assert referents.hurt_adult(doc, start, start + 2, set())
    assert not AdultReferents(rules.model_copy(update={"partners": []})).hurt_adult(doc, start, start + 2, set())


@pytest.mark.parametrize(
    ("text", "factor"),
    [
        ("I'm fairly confident there's no one grooming her.", "child_resilience"),
        ("Mum's coping well with it all.", "child_resilience"),
        ("Mum got tearful when we talked about it.", "child_mental_health"),
        # "she" standing for mum, from a sentence before
        ("Mum's been struggling since the move. She was tearful when I saw her.", "child_mental_health"),
    ],
)
def test_a_cue_said_of_someone_the_factor_is_not_about(extractor: Extractor, text: str, factor: str) -> None:
    assert factor not in found(extractor, text)


@pytest.mark.parametrize(
    ("text", "factor"),
    [
        ("She's really confident and she's coping well.", "child_resilience"),
        ("Mum found her cutting her arms last night.", "child_mental_health"),
        ("He told mum he wants to die.", "child_mental_health"),
        ("We've had a CAMHS referral for her self-harm.", "child_mental_health"),
        # the one telling of it is not the "she" it is about
        ("Mum says she's been really tearful at bedtime.", "child_mental_health"),
        ("Mum told me she's been cutting her arms.", "child_mental_health"),
    ],
)
def test_a_cue_said_of_the_one_it_is_about_stays(extractor: Extractor, text: str, factor: str) -> None:
    assert found(extractor, text).get(factor) in {"present", "possible"}


@pytest.mark.parametrize(
    "texts",
    [
        # a name the call gives a child by an age, then the child's own drinking or smoking
        ("Her two kids, Jordan who's sixteen and Ruby who's ten.", "Jordan's been smoking weed, quite a lot."),
        ("Girl's called Jade Morris, fourteen.", "Mum rang us because Jade came home very drunk."),
        ("Tilly's six and Jake's nine.", "Jake's been drinking cans with the older lads."),
        # a name beside a word for a child
        ("I'm ringing about a lad, Kieran.", "Kieran's been smoking weed before school."),
        ("The lad's been smoking weed every day.",),
    ],
)
def test_a_parents_factor_said_of_the_child_is_no_evidence(extractor: Extractor, texts: tuple[str, ...]) -> None:
    assert "parental_substance_misuse" not in found(extractor, *texts)


@pytest.mark.parametrize(
    "texts",
    [
        ("Her two kids, Jordan who's sixteen and Ruby who's ten.", "Mum's been drinking every day."),
        # a grandparent's daughter is the child's mother
        ("It's my daughter Becky, she's got two kids.", "Becky's using again, I found foil in her bathroom."),
        # "two years" is no age; a name whose age is thirty-eight is an adult's
        ("Sharleen's been on a methadone script for two years.", "Sharleen tested positive for crack cocaine."),
        ("Mum is Rebecca Curtis, she's thirty-eight.", "Rebecca's been drinking heavily since the summer."),
        # a he or she is never taken for the child: whom it stands for is too often misread
        ("He's called Kieran, he's fifteen.", "His dad drinks, he's been drinking every night."),
    ],
)
def test_a_parents_factor_said_of_an_adult_stays(extractor: Extractor, texts: tuple[str, ...]) -> None:
    assert found(extractor, *texts).get("parental_substance_misuse") in {"present", "possible"}


def test_a_supporting_cue_never_reports_a_factor_alone(extractor: Extractor) -> None:
    assert "stable_home" not in found(extractor, "She's always clean and well fed.")
    both = found(extractor, "They've been in the same house for ten years.", "She's always clean and well fed.")
    assert both["stable_home"] == "present"


def test_a_supporting_cue_backs_up_a_factor_found_in_the_past(extractor: Extractor) -> None:
    # the home was found (in the past); how the child turns up now makes it current
    status = found(extractor, "They lived in the same house years ago.", "She's always clean and well fed.")
    assert status["stable_home"] == "present"


def test_so_much_as_does_not_end_a_denial(extractor: Extractor) -> None:
    assert found(extractor, "She's never had so much as a bruise.")["physical_abuse"] == "ruled_out"


@pytest.mark.parametrize(
    ("before", "after", "named"),
    [
        ("factors: [physical_abuse]", "factors: [physical_harm]", r"adult_victims\.factors.*physical_harm"),
        (
            "redirect_to: domestic_abuse",
            "redirect_to: domestic_violence",
            r"adult_victims\.redirect_to.*domestic_violence",
        ),
    ],
)
def test_adult_victims_must_name_known_factors(tmp_path: Path, before: str, after: str, named: str) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(Path(__file__).resolve().parents[1] / "corpus", corpus)
    rules = corpus / "status_rules.yaml"
    assert before in rules.read_text()
    rules.write_text(rules.read_text().replace(before, after))
    with pytest.raises(KnowledgeError, match=r"status_rules\.yaml.*" + named):
        load_knowledge(corpus)
