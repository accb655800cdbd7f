"""Rule-based extraction on small hand-written calls: dialogue, status, evidence, caller role,
whether the family knows, and the child's own words. Uses the real spaCy model and corpus."""

from __future__ import annotations

import pytest

from assistant.extract import ExtractOptions, Extractor
from assistant.records import Factor, Findings, Transcript, Turn, Word

pytestmark = pytest.mark.models


@pytest.fixture(scope="module")
def extractor(analyser) -> Extractor:  # type: ignore[no-untyped-def]
    return Extractor(analyser, options=ExtractOptions(use_classifier=False))


def call(*turns: tuple[str, str]) -> Transcript:
    return Transcript(id="t", turns=[Turn(speaker=speaker, text=text) for speaker, text in turns])  # type: ignore[arg-type]


def worker(text: str) -> tuple[str, str]:
    return ("worker", text)


def caller(text: str) -> tuple[str, str]:
    return ("caller", text)


def factors(findings: Findings) -> dict[str, Factor]:
    return {f.factor: f for f in findings.factors}


def assert_verbatim(transcript: Transcript, findings: Findings) -> None:
    for factor in findings.factors:
        assert factor.evidence, factor.factor
        for evidence in factor.evidence:
            assert evidence.quote and evidence.quote in transcript.turns[evidence.turn].text, (factor.factor, evidence)


# -- the worker's questions and the caller's answers -----------------------------------------------


def test_no_to_a_question_rules_the_factor_out_with_the_callers_words_first(extractor: Extractor) -> None:
    transcript = call(worker("Any drugs or alcohol in the home?"), caller("No, nothing like that."))
    findings = extractor.extract(transcript)
    substance = factors(findings)["parental_substance_misuse"]
    assert substance.status == "ruled_out"
    assert substance.kind == "risk"
    assert (substance.evidence[0].quote, substance.evidence[0].turn) == ("No, nothing like that.", 1)
    assert "dialogue" in substance.detected_by
    # the question is shown next to the answer, but never first
    assert [e.turn for e in substance.evidence[1:]] == [0]
    assert_verbatim(transcript, findings)


@pytest.mark.parametrize(
    ("question", "answer", "factor", "status"),
    [
        # a question whether things are fine: "yes" rules the risk out
        ("Is mum's mental health okay at the moment?", "Yes, she's fine.", "parental_mental_health", "ruled_out"),
        # "okay" only opens the turn: "no" rules it out
        ("okay any other worries at home arguments anything like that", "no nothing um she lives with mum and dad",
         "domestic_abuse", "ruled_out"),
        ("Right, well, any drinking or drugs at home?", "No, none.", "parental_substance_misuse", "ruled_out"),
        # an opener that is the question itself still asks whether things are fine
        ("Okay with mum's mental health now?", "Yes, she's fine.", "parental_mental_health", "ruled_out"),
    ],
)
def test_a_question_asks_whether_things_are_fine_only_after_its_opening_words(
    extractor: Extractor, question: str, answer: str, factor: str, status: str
) -> None:
    assert factors(extractor.extract(call(worker(question), caller(answer))))[factor].status == status


@pytest.mark.parametrize(
    ("question", "asked", "not_asked"),
    [
        ("Any mental health issues for mum?", "parental_mental_health", "child_mental_health"),
        # the question also names the child: it asks about both, as before
        ("Have the parents mentioned any mental health worries for him?", "child_mental_health", None),
    ],
)
def test_words_naming_two_factors_ask_about_the_one_whose_subject_the_question_names(
    extractor: Extractor, question: str, asked: str, not_asked: str | None
) -> None:
    found = factors(extractor.extract(call(worker(question), caller("No, nothing that I know of."))))
    assert found[asked].status == "ruled_out"
    if not_asked:
        assert not_asked not in found


@pytest.mark.parametrize(
    ("answer", "status"),
    [
        ("Yes, sadly.", "present"),
        ("I'm not sure, maybe.", "possible"),
        ("There used to be, years ago.", "historical"),
        ("I don't think so.", "ruled_out"),
        ("Not that I'm aware.", "ruled_out"),
    ],
)
def test_answer_polarity_gives_the_status(extractor: Extractor, answer: str, status: str) -> None:
    transcript = call(worker("Has dad got a drink problem?"), caller(answer))
    found = factors(extractor.extract(transcript))["parental_substance_misuse"]
    assert found.status == status
    assert found.evidence[0].turn == 1 and found.evidence[0].quote in answer


@pytest.mark.parametrize(
    "turns",
    [
        [worker("Any drugs or alcohol in the home?")],
        [worker("Has dad got a drink problem?"), worker("Hello, are you still there?")],
        [worker("Has dad got a drink problem?"), caller("Sorry, can you hold on a second?")],
        [worker("So dad has a drink problem."), caller("Mm.")],  # a worker's statement is not the caller's word
    ],
    ids=["question alone", "no caller turn", "no answer", "worker statement"],
)
def test_a_workers_words_alone_are_never_evidence(extractor: Extractor, turns: list[tuple[str, str]]) -> None:
    assert extractor.extract(call(*turns)).factors == []


# -- status of what the caller says -------------------------------------------------------------------


def test_past_use_is_historical(extractor: Extractor) -> None:
    text = "Dad used cocaine years ago but he's been clean for five years."
    found = factors(extractor.extract(call(caller(text))))
    assert found["parental_substance_misuse"].status == "historical"
    assert found["parental_substance_misuse"].evidence[0].quote == text


def test_uncertain_report_is_possible(extractor: Extractor) -> None:
    text = "I'm not sure but I think he might be drinking heavily again."
    found = factors(extractor.extract(call(caller(text))))
    assert found["parental_substance_misuse"].status == "possible"


@pytest.mark.parametrize(
    ("text", "factor", "status"),
    [
        # recovery said after a contrast word places what came before it in the past
        ("She had depression after Ruby was born, but she's been alright with that side since.",
         "parental_mental_health", "historical"),
        ("He was out of school most of last term, but he's been in every day this year.",
         "education_absence", "historical"),
        # the same recovery words do not reach what is said after the "but"
        ("He'd been doing well, but now dad is drinking heavily again.", "parental_substance_misuse", "present"),
        # a doubt said past a "but" still makes the report uncertain
        ("She mentioned dad is drinking heavily, but I haven't checked that with anyone.",
         "parental_substance_misuse", "possible"),
    ],
)
def test_status_reaches_across_a_contrast_only_where_the_rules_say(
    extractor: Extractor, text: str, factor: str, status: str
) -> None:
    found = factors(extractor.extract(call(caller(text))))
    assert found[factor].status == status


def test_someone_outside_the_household_is_not_reported(extractor: Extractor) -> None:
    assert extractor.extract(call(caller("My own brother has a drink problem."))).factors == []
    # the same words about a parent are a present concern
    found = factors(extractor.extract(call(caller("Dad has a drink problem."))))
    assert found["parental_substance_misuse"].status == "present"


def test_a_stated_hit_is_present(extractor: Extractor) -> None:
    found = factors(extractor.extract(call(caller("He hit her on Saturday."))))
    hurt = [found[f] for f in ("physical_abuse", "domestic_abuse") if f in found]
    assert hurt and all(f.status == "present" for f in hurt)
    assert hurt[0].evidence[0].quote == "He hit her on Saturday."
    assert "rules" in hurt[0].detected_by


def test_negated_statement_is_ruled_out(extractor: Extractor) -> None:
    found = factors(extractor.extract(call(caller("No, there's no domestic abuse that we know of."))))
    assert found["domestic_abuse"].status == "ruled_out"


def test_present_wins_over_ruled_out_and_evidence_points_at_its_turn(extractor: Extractor) -> None:
    transcript = call(
        worker("Children's advice and duty service, you're through to Sam."),
        caller("Hi, it's about a boy in Year 4. Things have been hard at home since the summer."),
        worker("Is there any domestic abuse?"),
        caller("Not that I know of."),
        worker("Okay. Anything else?"),
        caller("Well, actually, last night dad hit mum in the kitchen and the kids saw it."),
    )
    findings = extractor.extract(transcript)
    domestic = factors(findings)["domestic_abuse"]
    assert domestic.status == "present"
    assert domestic.evidence[0].turn == 5
    assert "dad hit mum" in domestic.evidence[0].quote
    assert_verbatim(transcript, findings)


def test_evidence_times_come_from_the_turn_or_its_words(extractor: Extractor) -> None:
    spoken = ["Sorry", "to", "call.", "Dad", "has", "a", "drink", "problem."]
    words = [Word(word=w, start=10.0 + i, end=10.5 + i) for i, w in enumerate(spoken)]
    transcript = Transcript(
        id="timed",
        turns=[
            Turn(speaker="worker", text="Is there any domestic abuse?", start=1.0, end=3.0),
            Turn(speaker="caller", text="Not that I know of.", start=3.5, end=5.0),
            Turn(speaker="caller", text="Sorry to call. Dad has a drink problem.", start=10.0, end=18.0, words=words),
        ],
    )
    found = factors(extractor.extract(transcript))
    answer = found["domestic_abuse"].evidence[0]
    assert (answer.turn, answer.start, answer.end) == (1, 3.5, 5.0)
    quote = found["parental_substance_misuse"].evidence[0]
    assert quote.quote == "Dad has a drink problem."
    assert (quote.start, quote.end) == (13.0, 17.5)  # "Dad" starts at 13.0, "problem." ends at 17.5


# -- who is calling ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "role"),
    [
        ("Hi, I'm the DSL at Hillside Primary.", "school"),
        ("It's PC Daniels from the neighbourhood team.", "police"),
        ("Hello, I'm the health visitor for the family.", "health"),
    ],
)
def test_caller_role_from_how_they_introduce_themselves(extractor: Extractor, text: str, role: str) -> None:
    transcript = call(worker("Children's advice and duty service, how can I help?"), caller(text))
    found = extractor.extract(transcript).caller
    assert found.role == role
    assert found.evidence and found.evidence[0].turn == 1 and found.evidence[0].quote in text


def test_caller_role_falls_back_to_other_without_evidence(extractor: Extractor) -> None:
    found = extractor.extract(call(worker("How can I help?"), caller("Hi, it's about the little boy."))).caller
    assert (found.role, found.evidence) == ("other", [])


# -- does the family know -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("turns", "aware", "quote"),
    [
        ([worker("Do mum and dad know you're calling?"), caller("Yes, I spoke to mum this morning.")], "yes", "Yes"),
        ([worker("Does mum know you are calling?"), caller("No.")], "no", "No."),
        ([worker("Is the family aware of your concerns?"), caller("Yeah, they are.")], "yes", "Yeah"),
        ([caller("Mum doesn't know I'm calling.")], "no", "Mum doesn't know I'm calling."),
        ([caller("Mum knows I'm ringing.")], "yes", "Mum knows I'm ringing."),
        ([caller("It's about a boy in Year 4."), worker("Right.")], "unknown", None),
    ],
    ids=["answer yes", "answer no", "answer yeah", "statement no", "statement yes", "never said"],
)
def test_parents_aware(extractor: Extractor, turns: list, aware: str, quote: str | None) -> None:
    transcript = call(*turns)
    findings = extractor.extract(transcript)
    assert findings.parents_aware == aware
    if quote is None:
        assert findings.parents_aware_evidence == []
    else:
        evidence = findings.parents_aware_evidence[0]
        assert quote in evidence.quote and evidence.quote in transcript.turns[evidence.turn].text
        assert transcript.turns[evidence.turn].speaker == "caller"


# -- the child's own words ---------------------------------------------------------------------------


def test_child_voice(extractor: Extractor) -> None:
    transcript = call(
        caller("Mum said she is fine."),
        worker("What did he tell you?"),
        caller("He was upset this morning. He said he doesn't want to go home."),
    )
    voice = extractor.extract(transcript).child_voice
    assert [(v.quote, v.turn) for v in voice] == [("He said he doesn't want to go home.", 2)]


def test_worker_words_are_not_the_childs_voice(extractor: Extractor) -> None:
    assert extractor.extract(call(worker("He said he doesn't want to go home?"))).child_voice == []


def test_extraction_records_its_knowledge_versions(extractor: Extractor, knowledge) -> None:  # type: ignore[no-untyped-def]
    produced = extractor.extract(call(caller("Hello."))).produced_by
    assert produced["knowledge"] == knowledge.versions
    assert produced["options"]["use_classifier"] is False


def test_a_sign_alone_is_possible_and_a_statement_makes_it_present(extractor: Extractor) -> None:
    sign = factors(extractor.extract(call(caller("She's always hungry when she comes in."))))
    assert sign["neglect"].status == "possible"
    stated = factors(
        extractor.extract(call(caller("She's always hungry when she comes in."), caller("There's no food in the house.")))
    )
    assert stated["neglect"].status == "present"


def test_an_answer_phrase_is_read_whole_even_where_it_runs_past_the_first_words(extractor: Extractor) -> None:
    # "they do n't" starts inside the answer window and ends past it: it is a no, not "they do"
    transcript = call(
        worker("Any history with the parents? Drugs, alcohol?"),
        caller("We asked. They both say they don't drink or use anything."),
    )
    assert factors(extractor.extract(transcript))["parental_substance_misuse"].status == "ruled_out"


def test_asked_about_and_denied_is_ruled_out(extractor: Extractor) -> None:
    text = "I asked mum on her own about domestic abuse and she said no, never."
    assert factors(extractor.extract(call(caller(text))))["domestic_abuse"].status == "ruled_out"


def test_a_story_about_another_family_reaches_the_end_of_its_sentence(extractor: Extractor) -> None:
    other = "We had an awful one last month with a different family, the mum turned up at pick-up drunk."
    assert "parental_substance_misuse" not in factors(extractor.extract(call(caller(other))))
    # ...but not past a "but" that turns to this family
    ours = "There was another family last year where dad was using heroin, but here mum is drinking heavily every night."
    assert factors(extractor.extract(call(caller(ours))))["parental_substance_misuse"].status == "present"


@pytest.mark.parametrize(
    "line",
    ["He's missing a day or two most weeks.", "shes really upset about oliwia missing school", "he knows ollie is missing out"],
)
def test_a_cue_word_inside_a_not_cue_phrase_is_no_cue(extractor: Extractor, line: str) -> None:
    assert "missing_episodes" not in factors(extractor.extract(call(caller(line))))
    went = "She went missing on Friday night and the police found her on Sunday."
    assert factors(extractor.extract(call(caller(went))))["missing_episodes"].status == "present"


def test_an_adults_sexual_offences_record_is_a_risky_adult_not_harm_to_this_child(extractor: Extractor) -> None:
    record = "He's on the register and he's got a sexual harm prevention order."
    found = factors(extractor.extract(call(caller(record))))
    assert "sexual_abuse" not in found and found["risky_adult"].status == "present"
    shown = "He's been showing her indecent images on his phone."
    assert factors(extractor.extract(call(caller(shown))))["sexual_abuse"].status == "present"


@pytest.mark.parametrize(
    ("answer", "is_young_carer"),
    [
        ("Her partner Mark has been brilliant. He does the night feeds and the shopping.", False),
        ("My husband's retired too, he comes over and does the shopping.", False),
        ("Jayden's eleven and he does the shopping and cooks for his mum every night.", True),
        # a "she" does not stand for a man's name
        ("Mum's boyfriend Dean has moved in. She does all the cooking for her little brothers.", True),
    ],
)
def test_caring_done_by_an_adult_is_no_young_carer(extractor: Extractor, answer: str, is_young_carer: bool) -> None:
    found = factors(extractor.extract(call(worker("Who else is at home?"), caller(answer))))
    assert ("young_carer" in found and found["young_carer"].status == "present") == is_young_carer


def test_a_never_that_states_a_strength_is_no_denial_of_it(extractor: Extractor) -> None:
    # rules only (the fixture): "college, friends?" asks about the child's resilience; the answer's
    # "never" is part of what it states, so the strength is not ruled out
    got = factors(extractor.extract(call(worker("College, friends?"), caller("Oh, he's never missed a day, he loves it."))))
    assert got.get("child_resilience") is None or got["child_resilience"].status != "ruled_out"
    # a plain "no" still denies the strength, and the same opening still answers a question about a risk
    denied = factors(extractor.extract(call(worker("Any friends?"), caller("No, he's on his own mostly."))))
    assert denied["child_resilience"].status == "ruled_out"
    risk = factors(extractor.extract(call(worker("Any worries about his attendance?"), caller("He's never missed a day."))))
    assert risk["education_absence"].status == "ruled_out"


def test_a_no_that_agrees_with_a_negated_cue_does_not_deny_it(extractor: Extractor) -> None:
    # "No, he's never missed a day": the "no" answers the worry about attendance and agrees with the cue
    got = factors(extractor.extract(call(worker("Any worries about his attendance?"), caller("No, he's never missed a day."))))
    assert got["education_absence"].status == "ruled_out"
    assert got["school_engagement"].status == "present"
    # a risk's negated cue words in a list of denials stay denied: "no money" here is no poverty
    listed = factors(extractor.extract(call(worker("Any new phones, money?"), caller("no new phones no money shes with kids her own age"))))
    assert listed["housing_and_finances"].status == "ruled_out"


@pytest.mark.parametrize(
    "answer",
    [
        "She hasn't been to school since Monday because she didn't want to leave her sister.",
        "Since the last move he hasn't had a school place.",
        "He's been missing college to be home with her.",
        "He's NEET since the summer, he's not on any roll.",
    ],
)
def test_everyday_words_for_missing_education(extractor: Extractor, answer: str) -> None:
    got = factors(extractor.extract(call(worker("How's school going?"), caller(answer))))
    assert got["education_absence"].status == "present"
    assert "missing_episodes" not in got  # "missing college" is no missing episode
