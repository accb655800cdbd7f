"""The people, ages, organisations, places and dates a draft lists, on short calls through the real
spaCy model and corpus/entities.yaml; and the validation of that file."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from assistant.extract.analysis import Analyser
from assistant.extract.entities import EntityFinder
from assistant.knowledge import KnowledgeError, load_knowledge
from assistant.records import Transcript, Turn, Word


def call(*turns: tuple[str, str]) -> Transcript:
    return Transcript(id="t", turns=[Turn(speaker=s, text=t) for s, t in turns])  # type: ignore[arg-type]


def named(analyser: Analyser, transcript: Transcript) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for entity in EntityFinder(analyser).find(analyser.analyse(transcript)):
        out.setdefault(entity.kind, []).append(entity.text)
    return out


def test_ages_are_read_from_how_people_say_them_and_durations_are_not(analyser: Analyser) -> None:
    found = named(analyser, call(("caller", "He's 7. His brother is aged 2, the baby is 6 months old and "
                                           "mum said she's 5 minutes away.")))
    assert found["age"] == ["He's 7", "aged 2", "6 months old"]
    assert not any("5" in a for a in found["age"])  # "she'd be there in 5 minutes" is no age


def test_people_places_and_organisations_come_with_the_words_that_name_them(analyser: Analyser) -> None:
    transcript = call(
        ("worker", "Children's Advice and Duty Service, how can I help?"),
        ("caller", "Hi, it's Sarah Jones, the safeguarding lead at Oakfield Primary in Thetford. "
                   "It's about Kayden Smith."),
        ("worker", "And is Kayden in school today?"),
    )
    entities = EntityFinder(analyser).find(analyser.analyse(transcript))
    by_text = {e.text: e for e in entities}
    assert by_text["Sarah Jones"].kind == "person"
    assert by_text["Thetford"].kind == "place"
    kayden = by_text["Kayden Smith"]
    # the first name later is the same person: one entry, quoted from both turns, each quote verbatim
    assert "Kayden" not in by_text and [e.turn for e in kayden.evidence] == [1, 2]
    for entity in entities:
        for evidence in entity.evidence:
            assert evidence.quote in transcript.turns[evidence.turn].text
            assert entity.text.lower() in evidence.quote.lower() or entity.kind == "person"


def test_ignored_words_are_never_listed_and_word_times_travel(analyser: Analyser) -> None:
    turn = Turn(speaker="caller", text="Mum rang CADS on Monday.", start=3.0, end=6.0,
                words=[Word(word=w, start=3.0 + i, end=3.5 + i) for i, w in enumerate(["Mum", "rang", "CADS", "on", "Monday."])])
    entities = EntityFinder(analyser).find(analyser.analyse(Transcript(id="t", turns=[turn])))
    texts = [e.text for e in entities]
    assert "Mum" not in texts and "CADS" not in texts
    monday = next(e for e in entities if e.text == "Monday")
    assert monday.kind == "date" and monday.evidence[0].start == 3.0 and monday.evidence[0].end == 7.5


def test_a_bad_label_or_age_pattern_names_the_file_and_the_entry(corpus: Path, nlp) -> None:  # type: ignore[no-untyped-def]
    path = corpus / "entities.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["labels"]["NORP"] = "nationality"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(KnowledgeError, match=r"entities.yaml: labels.NORP"):
        load_knowledge(corpus)
    del data["labels"]["NORP"]
    data["ages"]["patterns"].append([{"LOWER": "aged"}])
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(KnowledgeError, match=r"entities.yaml: ages.patterns: .*pattern 4 has no number"):
        load_knowledge(corpus)
    data["ages"]["patterns"][-1] = [{"NOT_AN_ATTR": 1}, {"LIKE_NUM": True}]
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(KnowledgeError, match=r"entities.yaml: ages.patterns.4: not a spaCy token pattern"):
        EntityFinder(Analyser(nlp, load_knowledge(corpus)))
