"""The status head: trained on gold quotes' sentences, saved inside the factor head, and used for the
status of a factor the classifier finds without a cue word ("he's never missed a day" is no denial)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from assistant.extract.classifier import ClassifierError, FactorHead
from assistant.extract.extractor import ExtractOptions, Extractor
from assistant.extract.status_head import STATUSES, TRIGGER_KINDS, StatusExample, StatusHead, fit_status_head
from assistant.extract.training import call_examples, status_examples
from assistant.labelled import load_labelled
from assistant.models import HashingEncoder
from assistant.records import Transcript

SENTENCES = {
    "present": ["he is hitting her every night", "she is drinking every day now", "he hits the kids all the time"],
    "possible": ["a neighbour reckons he might hit her", "maybe she drinks, I can't be sure", "she might be hitting them"],
    "historical": ["years ago he used to hit her", "she drank back in 2019 before the baby", "there was hitting years ago"],
    "ruled_out": ["no, he has never hit anyone", "no, she does not drink at all", "no hitting, nothing like that"],
}
TRIGGERS = {"present": frozenset(), "possible": frozenset({"possible"}), "historical": frozenset({"historical"}),
            "ruled_out": frozenset({"negated"})}


def _examples() -> list[StatusExample]:
    return [StatusExample(t, s, TRIGGERS[s]) for s, texts in SENTENCES.items() for t in texts]


def _fit() -> StatusHead:
    examples = _examples()
    head = fit_status_head(examples, HashingEncoder().encode([ex.text for ex in examples]))
    assert head is not None
    return head


def test_the_head_learns_each_status_from_its_sentences() -> None:
    head = _fit()
    encoder = HashingEncoder()
    for status, texts in SENTENCES.items():
        for text in texts:
            assert head.predict(encoder.encode([text])[0], TRIGGERS[status])[0] == status
    assert head.provenance["per_status"] == {s: 3 for s in STATUSES}
    assert len(head.provenance["data_hash"]) == 64


def test_too_few_examples_of_a_status_give_no_head() -> None:
    examples = [ex for ex in _examples() if ex.status != "historical" or "2019" in ex.text]
    assert fit_status_head(examples, HashingEncoder().encode([ex.text for ex in examples])) is None


def _factor_head(status: StatusHead | None, fires: str = "school_engagement") -> FactorHead:
    """A factor head that finds `fires` in every caller sentence and nothing else."""
    return _head_with_logits({fires: 6.0, "neglect": -6.0}, status)


def _head_with_logits(logits: dict[str, float], status: StatusHead | None) -> FactorHead:
    """A factor head that gives every caller sentence these logits, whatever its words."""
    factors = list(logits)
    return FactorHead(
        factors=factors,
        coef=np.zeros((len(factors), HashingEncoder().dim), dtype=np.float32),
        intercept=np.array(list(logits.values()), dtype=np.float32),
        thresholds=dict.fromkeys(factors, 0.5),
        encoder=HashingEncoder().name,
        provenance={"data_hash": "unit"},
        status=status,
    )


def test_it_travels_in_the_factor_heads_json_and_a_damaged_one_is_named(tmp_path: Path) -> None:
    head = _factor_head(_fit())
    path = tmp_path / "head.json"
    path.write_text(head.to_json(), encoding="utf-8")
    loaded = FactorHead.load(path)
    assert loaded.status is not None and head.status is not None
    assert loaded.version == "unit+status-" + head.status.provenance["data_hash"][:8]  # in every record
    vector = HashingEncoder().encode(["maybe she drinks"])[0]
    assert loaded.status.predict(vector, frozenset({"possible"})) == pytest.approx(
        head.status.predict(vector, frozenset({"possible"})), abs=1e-4
    )
    data = json.loads(head.to_json())
    data["status"]["coef"] = [[0.0] * 3] * len(STATUSES)
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ClassifierError, match=r"head\.json is damaged .*status head"):
        FactorHead.load(path)
    del data["status"]
    path.write_text(json.dumps(data), encoding="utf-8")
    assert FactorHead.load(path).status is None  # a head saved before the status head still loads


def _present_head() -> StatusHead:
    """A status head that says present whatever the sentence."""
    coef = np.zeros((len(STATUSES), HashingEncoder().dim + len(TRIGGER_KINDS)), dtype=np.float32)
    return StatusHead(coef, np.array([4.0, 0.0, 0.0, 0.0], dtype=np.float32), {})


def test_a_classifier_only_finding_takes_its_status_from_the_head(analyser) -> None:  # type: ignore[no-untyped-def]
    call = Transcript.model_validate(
        {"id": "t", "turns": [{"speaker": "worker", "text": "How is he getting on at school?"},
                              {"speaker": "caller", "text": "He's never been off once, he's doing his mocks."}]}
    )
    by_triggers = Extractor(analyser, HashingEncoder(), _factor_head(None)).extract(call)
    by_head = Extractor(analyser, HashingEncoder(), _factor_head(_present_head())).extract(call)
    before = {f.factor: f.status for f in by_triggers.factors}
    after = {f.factor: f.status for f in by_head.factors}
    assert before["school_engagement"] == "ruled_out"  # the "never" read as a denial
    assert after["school_engagement"] == "present"
    assert by_head.factors[0].detected_by == ["classifier"]


def test_a_strengths_cue_words_rule_out_the_risk_it_opposes_found_by_the_classifier_alone(analyser) -> None:  # type: ignore[no-untyped-def]
    # the classifier finds education_absence in every caller sentence; school_engagement opposes it
    head = _factor_head(_present_head(), fires="education_absence")
    extractor = Extractor(analyser, HashingEncoder(), head)

    def status(answer: str) -> str:
        call = Transcript.model_validate(
            {"id": "t", "turns": [{"speaker": "worker", "text": "How is his attendance?"},
                                  {"speaker": "caller", "text": answer}]}
        )
        return {f.factor: f.status for f in extractor.extract(call).factors}["education_absence"]

    assert status("He attends every day, ninety-six percent.") == "ruled_out"  # school_engagement's cue words
    assert status("He was off for three weeks in March.") == "present"


def _labelled(tmp_path: Path, worker: str, caller: str, factors: list[tuple[str, str, str]]):  # type: ignore[no-untyped-def]
    """One labelled call of a question and an answer, with gold (factor, status, quote)s."""
    path = tmp_path / "c.json"
    gold = {"caller_role": "school", "pathway": "advice_only", "parents_aware": "yes",
            "factors": [{"factor": f, "status": s, "evidence": [q]} for f, s, q in factors]}
    turns = [{"speaker": "worker", "text": worker}, {"speaker": "caller", "text": caller}]
    path.write_text(json.dumps({"id": "c", "turns": turns, "gold": gold}), encoding="utf-8")
    return load_labelled(path)


def test_status_examples_are_the_sentences_that_hold_gold_quotes(tmp_path: Path, analyser) -> None:  # type: ignore[no-untyped-def]
    call = _labelled(
        tmp_path,
        "Does dad drink?",
        "No, he doesn't drink at all. Mum used to drink years ago.",
        [("parental_substance_misuse", "ruled_out", "he doesn't drink at all"),
         ("neglect", "historical", "Mum used to drink years ago")],
    )
    examples = status_examples(analyser, [call])
    got = {(ex.text, ex.status): ex.triggers for ex in examples}
    assert set(got) == {
        ("No, he doesn't drink at all.", "ruled_out"),
        ("Mum used to drink years ago.", "historical"),
    }
    assert "negated" in got[("No, he doesn't drink at all.", "ruled_out")]
    assert "historical" in got[("Mum used to drink years ago.", "historical")]


def test_a_factor_ruled_out_in_a_call_is_a_counter_example_in_its_other_sentences(tmp_path: Path, analyser) -> None:  # type: ignore[no-untyped-def]
    call = _labelled(
        tmp_path,
        "Does mum drink?",
        "No, mum doesn't drink at all. Jade's been coming home drunk. Dad shouts at her.",
        [("parental_substance_misuse", "ruled_out", "mum doesn't drink at all"),
         ("emotional_abuse", "present", "Dad shouts at her")],
    )
    got = {ex.text: ex for ex in call_examples(analyser, [call])}
    denial, drunk, shouts = got["No, mum doesn't drink at all."], got["Jade's been coming home drunk."], got["Dad shouts at her."]
    # the denial says nothing reliable of the factor; the teenager's drinking is no parent's
    assert "parental_substance_misuse" in denial.unknown
    assert "parental_substance_misuse" not in drunk.unknown | drunk.positives
    assert shouts.positives == {"emotional_abuse"} and "parental_substance_misuse" not in shouts.unknown
    # a factor the call has is left out of its other sentences' training, as before
    assert "emotional_abuse" in drunk.unknown


def test_the_head_reads_whether_the_factor_is_a_strength(tmp_path: Path) -> None:
    # "no, she's always clean and fed" rules neglect out and shows a stable home: the same sentence
    answers = ["no, she's always clean and fed", "no, the house is spotless", "no, he's in school every day"]
    examples = _examples() + [StatusExample(t, "ruled_out", frozenset({"negated"})) for t in answers]
    examples += [StatusExample(t, "present", frozenset({"negated"}), strength=True) for t in answers]
    encoder = HashingEncoder()
    head = fit_status_head(examples, encoder.encode([ex.text for ex in examples]))
    assert head is not None and head.reads_kind
    vector = encoder.encode(["no, she's always clean and fed"])[0]
    assert head.predict(vector, frozenset({"negated"}), strength=False)[0] == "ruled_out"
    assert head.predict(vector, frozenset({"negated"}), strength=True)[0] == "present"
    # the flag travels in the JSON; a head saved before it reads no kind
    path = tmp_path / "head.json"
    path.write_text(_factor_head(head).to_json(), encoding="utf-8")
    loaded = FactorHead.load(path)
    assert loaded.status is not None and loaded.status.reads_kind
    assert loaded.status.predict(vector, frozenset({"negated"}), strength=True)[0] == "present"
    blind = fit_status_head(examples, encoder.encode([ex.text for ex in examples]), reads_kind=False)
    assert blind is not None and not blind.reads_kind
    assert blind.coef.shape[1] == head.coef.shape[1] - 1
    data = json.loads(_factor_head(blind).to_json())
    del data["status"]["reads_kind"]  # as saved before heads read the kind
    path.write_text(json.dumps(data), encoding="utf-8")
    old = FactorHead.load(path).status
    assert old is not None and not old.reads_kind
    for strength in (False, True):
        assert old.predict(vector, frozenset({"negated"}), strength=strength) == pytest.approx(
            blind.predict(vector, frozenset({"negated"})), abs=1e-4
        )
    assert head.provenance["reads_kind"] and not blind.provenance["reads_kind"]


def test_status_examples_say_which_are_about_a_strength(tmp_path: Path, analyser) -> None:  # type: ignore[no-untyped-def]
    sentence = "No, she's always clean and fed, the house is spotless."
    call = _labelled(
        tmp_path,
        "Any neglect?",
        sentence,
        [("neglect", "ruled_out", "No, she's always clean and fed"), ("stable_home", "present", "the house is spotless")],
    )
    got = {(ex.text, ex.status, ex.strength) for ex in status_examples(analyser, [call])}
    assert got == {(sentence, "ruled_out", False), (sentence, "present", True)}


def test_a_strength_found_by_the_classifier_alone_may_have_its_own_threshold(analyser) -> None:  # type: ignore[no-untyped-def]
    head = _factor_head(_present_head(), fires="stable_home")
    head.intercept = np.array([np.log(0.6 / 0.4), -6.0], dtype=np.float32)  # p = 0.6 in every caller sentence
    call = Transcript.model_validate(
        {"id": "t", "turns": [{"speaker": "worker", "text": "How are things at home?"},
                              {"speaker": "caller", "text": "Tea on the table at five, bath and bed by seven."}]}
    )

    def found(options: ExtractOptions) -> set[str]:
        return {f.factor for f in Extractor(analyser, HashingEncoder(), head, options).extract(call).factors}

    assert "stable_home" in found(ExtractOptions())  # a strength needs 0.5 by default
    assert "stable_home" not in found(ExtractOptions(strength_only_threshold=None))  # then 0.7, as a risk
    assert "stable_home" not in found(ExtractOptions(strength_only_threshold=0.65))


def _two_factor_head(p_physical: float, p_domestic: float) -> FactorHead:
    """A head that gives every caller sentence these probabilities of physical and domestic abuse."""
    logit = {f: float(np.log(p / (1 - p))) for f, p in (("physical_abuse", p_physical), ("domestic_abuse", p_domestic))}
    return _head_with_logits(logit, _present_head())


def test_an_injury_said_with_domestic_abuse_yields_to_it_unless_the_classifier_reads_the_child(analyser) -> None:  # type: ignore[no-untyped-def]
    call = Transcript.model_validate(
        {"id": "t", "turns": [{"speaker": "worker", "text": "What happened?"},
                              {"speaker": "caller", "text": "When we got there she had a split lip and her cheek was swelling up, she said Lee had backhanded her."}]}
    )

    def found(head: FactorHead) -> dict[str, str]:
        return {f.factor: f.status for f in Extractor(analyser, HashingEncoder(), head).extract(call).factors}

    adult = found(_two_factor_head(0.3, 0.95))  # taxonomy: physical_abuse yields_to domestic_abuse below 0.9
    assert adult.get("domestic_abuse") == "present" and "physical_abuse" not in adult
    child = found(_two_factor_head(0.95, 0.95))
    assert child.get("physical_abuse") == "present"
    rules_only = {f.factor for f in Extractor(analyser).extract(call).factors}
    assert {"physical_abuse", "domestic_abuse"} <= rules_only  # the cue words of both; without a classifier nothing yields


def test_an_unbalanced_fit_keeps_the_rare_statuses_rare() -> None:
    # strengths are nearly always present: weighted to balance, a rare denial pulls the sentences it
    # shares words with towards ruled out; unweighted, the common status keeps them
    present = [f"she is always clean and fed and the house is spotless {i}" for i in range(12)]
    examples = [StatusExample(t, "present", frozenset()) for t in present]
    examples += [StatusExample("no, there is nobody, she is on her own", "ruled_out", frozenset({"negated"})),
                 StatusExample("nobody at all, no family", "ruled_out", frozenset({"negated"})),
                 StatusExample("maybe a nan somewhere", "possible", frozenset({"possible"})),
                 StatusExample("perhaps a friend helps", "possible", frozenset({"possible"})),
                 StatusExample("her nan used to help years ago", "historical", frozenset({"historical"})),
                 StatusExample("back then the neighbours helped", "historical", frozenset({"historical"}))]
    encoder = HashingEncoder()
    x = encoder.encode([ex.text for ex in examples])
    balanced = fit_status_head(examples, x, reads_kind=False)
    plain = fit_status_head(examples, x, reads_kind=False, balance=False)
    assert balanced is not None and plain is not None
    assert balanced.provenance["balanced"] and not plain.provenance["balanced"]
    vector = encoder.encode(["no problems, she is always clean and fed"])[0]
    p_balanced = balanced.predict_proba(vector[None, :], [frozenset({"negated"})])[0]
    p_plain = plain.predict_proba(vector[None, :], [frozenset({"negated"})])[0]
    ruled_out = STATUSES.index("ruled_out")
    assert p_plain[ruled_out] < p_balanced[ruled_out]
    assert STATUSES[int(np.argmax(p_plain))] == "present"


def _ruled_out_head() -> StatusHead:
    """A status head that says ruled out whatever the sentence."""
    coef = np.zeros((len(STATUSES), HashingEncoder().dim + len(TRIGGER_KINDS)), dtype=np.float32)
    return StatusHead(coef, np.array([0.0, 0.0, 0.0, 4.0], dtype=np.float32), {"data_hash": "r" * 64})


def test_a_strength_takes_its_status_from_the_strength_head_where_there_is_one(tmp_path: Path, analyser) -> None:  # type: ignore[no-untyped-def]
    head = _head_with_logits({"stable_home": 6.0, "neglect": 6.0}, _ruled_out_head())
    call = Transcript.model_validate(
        {"id": "t", "turns": [{"speaker": "worker", "text": "How are things at home?"},
                              {"speaker": "caller", "text": "Tea on the table at five, bath and bed by seven."}]}
    )

    def statuses(h: FactorHead) -> dict[str, str]:
        return {f.factor: f.status for f in Extractor(analyser, HashingEncoder(), h).extract(call).factors}

    assert statuses(head) == {"stable_home": "ruled_out", "neglect": "ruled_out"}
    head.strength_status = StatusHead(_present_head().coef, _present_head().intercept, {"data_hash": "s" * 64})
    assert statuses(head) == {"stable_home": "present", "neglect": "ruled_out"}  # risks keep the shared head
    # it travels in the head's JSON and names itself in every record's version
    path = tmp_path / "head.json"
    path.write_text(head.to_json(), encoding="utf-8")
    loaded = FactorHead.load(path)
    assert loaded.version == "unit+status-rrrrrrrr+strengths-ssssssss"
    assert statuses(loaded) == {"stable_home": "present", "neglect": "ruled_out"}
    data = json.loads(head.to_json())
    data["strength_status"]["coef"] = [[0.0]] * len(STATUSES)
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ClassifierError, match="damaged"):
        FactorHead.load(path)
