"""The contract's section 5 scores on hand-made labelled calls and draft records."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.evaluation.scoring import score
from assistant.labelled import Gold, GoldFactor, LabelledCall, load_labelled
from assistant.records import CallerInfo, DraftRecord, Evidence, Factor, Pathway, Transcript, Turn
from assistant.settings import PROJECT_ROOT

KINDS = {"trusted_adult": "strength"}


def transcript(call_id: str, *texts: str) -> Transcript:
    speakers = ["worker", "caller"]
    return Transcript(id=call_id, turns=[Turn(speaker=speakers[i % 2], text=t) for i, t in enumerate(texts)])  # type: ignore[misc]


def labelled(
    tr: Transcript, factors: dict[str, str], role: str = "school", pathway: str = "child_in_need", aware: str = "yes"
) -> LabelledCall:
    gold = Gold(role, {f: GoldFactor(f, s, ()) for f, s in factors.items()}, pathway, aware)
    return LabelledCall(path=Path(f"{tr.id}.json"), transcript=tr, gold=gold)


def draft(
    tr: Transcript,
    factors: list[tuple[str, str, str, int]],
    role: str = "school",
    pathway: str = "child_in_need",
    aware: str = "yes",
) -> DraftRecord:
    """factors: (factor, status, quote, turn)."""
    return DraftRecord(
        call_id=tr.id,
        caller=CallerInfo(role=role),
        factors=[
            Factor(
                factor=f,
                kind=KINDS.get(f, "risk"),  # type: ignore[arg-type]
                status=s,  # type: ignore[arg-type]
                confidence=0.8,
                evidence=[Evidence(quote=q, turn=t)],
            )
            for f, s, q, t in factors
        ],
        parents_aware=aware,  # type: ignore[arg-type]
        child_voice=[],
        pathway=Pathway(suggested=pathway, rationale="test"),
        questions=[],
        transcript=tr,
    )


CALL1 = transcript(
    "c1",
    "What's happened?",
    "He hit her on Saturday and the kids saw it. There's no food in the house.",
    "Any drugs or alcohol?",
    "No, nothing like that.",
)
CALL2 = transcript(
    "c2",
    "Go on.",
    "The children were hungry again. Dad hit him years ago but not since.",
    "Anyone they can talk to?",
    "She talks to her teacher. There's no domestic abuse.",
)


def pairs() -> tuple[list[LabelledCall], list[DraftRecord]]:
    calls = [
        labelled(CALL1, {"domestic_abuse": "present", "neglect": "possible", "parental_substance_misuse": "ruled_out"}),
        labelled(CALL2, {"neglect": "present", "physical_abuse": "historical", "domestic_abuse": "ruled_out"}),
    ]
    records = [
        draft(
            CALL1,
            [
                ("domestic_abuse", "present", "He hit her on Saturday", 1),  # TP
                ("parental_substance_misuse", "present", "Any drugs or alcohol?", 2),  # FP: gold ruled_out
            ],  # neglect missed (FN)
        ),
        draft(
            CALL2,
            [
                ("neglect", "present", "The children were hungry again.", 1),  # TP
                ("physical_abuse", "possible", "Dad hit him years ago but not since.", 1),  # FP: gold historical
                ("trusted_adult", "present", "She talks to her teacher.", 3),  # FP: not in gold
                ("domestic_abuse", "ruled_out", "There's no domestic abuse.", 3),  # agrees, not active
            ],
        ),
    ]
    return calls, records


def test_detection_micro_and_macro() -> None:
    scores = score(*pairs())
    assert scores.calls == 2
    # tp 2 (domestic_abuse, neglect), fp 3 (substance, physical, trusted_adult), fn 1 (neglect in c1)
    assert scores.micro == {"precision": 0.4, "recall": 0.6667, "f1": 0.5}
    per = scores.per_factor
    assert per["domestic_abuse"] == {
        "tp": 1, "fp": 0, "fn": 0, "precision": 1.0, "recall": 1.0, "f1": 1.0, "support": 1,
    }  # fmt: skip
    assert (per["neglect"]["tp"], per["neglect"]["fn"], per["neglect"]["f1"]) == (1, 1, 0.6667)
    assert per["trusted_adult"]["fp"] == 1 and per["trusted_adult"]["f1"] == 0.0
    # macro over the factors that had support or a false positive: (1 + 0.6667 + 0 + 0 + 0) / 5
    assert scores.macro_f1 == pytest.approx(0.3333, abs=1e-4)
    assert per["radicalisation"]["support"] == 0 and per["radicalisation"]["fp"] == 0


def test_active_prediction_of_a_ruled_out_or_historical_pair_is_a_negation_or_time_error() -> None:
    scores = score(*pairs())
    assert scores.negation_time_errors == 2
    assert scores.negation_time_errors_per_20_calls == 20.0
    kinds = {(e["call"], e["factor"]): e["error"] for e in scores.errors if "factor" in e and e["error"] != "status"}
    assert kinds == {
        ("c1", "parental_substance_misuse"): "negation_or_time",
        ("c2", "physical_abuse"): "negation_or_time",
        ("c2", "trusted_adult"): "false_positive",
        ("c1", "neglect"): "missed",
    }


def test_status_accuracy_counts_only_pairs_reported_at_all() -> None:
    scores = score(*pairs())
    # reported gold pairs: c1 domestic (hit), c1 substance (miss), c2 neglect (hit), c2 physical (miss),
    # c2 domestic ruled_out (hit); c1 neglect is not reported and trusted_adult is not in gold
    assert scores.status_pairs == 5
    assert scores.status_accuracy == 0.6
    assert scores.status_confusion == {
        "present": {"present": 2},
        "ruled_out": {"present": 1, "ruled_out": 1},
        "historical": {"possible": 1},
    }


def test_evidence_verbatim_share_drops_when_a_quote_is_not_in_its_turn() -> None:
    calls, records = pairs()
    assert score(calls, records).evidence_verbatim == 1.0
    paraphrased = records[1].model_copy(deep=True)
    paraphrased.factors[0].evidence[0] = Evidence(quote="The children were starving.", turn=1)
    assert score(calls, [records[0], paraphrased]).evidence_verbatim == pytest.approx(5 / 6, abs=1e-4)
    wrong_turn = records[1].model_copy(deep=True)
    wrong_turn.factors[2].evidence[0] = Evidence(quote="She talks to her teacher.", turn=1)  # it is in turn 3
    out_of_range = records[0].model_copy(deep=True)
    out_of_range.factors[0].evidence.append(Evidence(quote="He hit her on Saturday", turn=9))
    assert score(calls, [out_of_range, wrong_turn]).evidence_verbatim == pytest.approx(4 / 6, abs=1e-4)


def test_pathway_exact_and_within_one() -> None:
    trs = [transcript(f"p{i}", "Hello.", "Hi.") for i in range(4)]
    calls = [labelled(tr, {}, pathway="child_in_need") for tr in trs]
    suggested = ["child_in_need", "child_protection", "early_help", "emergency_protection"]
    records = [draft(tr, [], pathway=p) for tr, p in zip(trs, suggested, strict=True)]
    scores = score(calls, records)
    assert scores.pathway_exact == 0.25
    assert scores.pathway_within_one == 0.75  # emergency_protection is two levels above child_in_need
    assert scores.pathway_confusion == {"child_in_need": dict.fromkeys(suggested, 1)}
    assert [e["predicted"] for e in scores.errors if e["error"] == "pathway"] == suggested[1:]


def test_caller_role_and_parents_aware_accuracy() -> None:
    trs = [transcript(f"r{i}", "Hello.", "Hi.") for i in range(4)]
    calls = [
        labelled(trs[0], {}, role="school", aware="yes"),
        labelled(trs[1], {}, role="police", aware="no"),
        labelled(trs[2], {}, role="health", aware="unknown"),
        labelled(trs[3], {}, role="housing", aware="no"),
    ]
    records = [
        draft(trs[0], [], role="school", aware="yes"),
        draft(trs[1], [], role="police", aware="unknown"),
        draft(trs[2], [], role="other", aware="unknown"),
        draft(trs[3], [], role="housing", aware="yes"),
    ]
    scores = score(calls, records)
    assert scores.caller_role_accuracy == 0.75
    assert scores.parents_aware_accuracy == 0.5
    role_errors = [(e["call"], e["predicted"], e["gold"]) for e in scores.errors if e["error"] == "caller_role"]
    assert role_errors == [("r2", "other", "health")]


def test_no_factors_anywhere_scores_zero_not_a_crash() -> None:
    tr = transcript("e0", "Hello.", "Hi.")
    scores = score([labelled(tr, {})], [draft(tr, [])])
    assert scores.micro == {"precision": 0.0, "recall": 0.0, "f1": 0.0}
    assert scores.macro_f1 == 0.0 and scores.status_pairs == 0 and scores.evidence_verbatim == 1.0


def test_one_record_per_call_is_required() -> None:
    calls, records = pairs()
    with pytest.raises(ValueError, match="one record per labelled call"):
        score(calls, records[:1])


@pytest.mark.models
def test_demo_call_drafted_with_the_fake_pipeline_scores_against_its_gold(fake_pipeline) -> None:  # type: ignore[no-untyped-def]
    call = load_labelled(PROJECT_ROOT / "evals" / "data" / "demo" / "demo-call.json")
    record = fake_pipeline.draft(call.transcript)
    assert record.provenance["models"]["encoder"] == "fake:hashing"
    assert record.provenance["guidance"]["encoder"] == "fake:hashing"
    assert fake_pipeline.guidance.index.count() == 0  # drafting never embeds the guidance corpus
    scores = score([call], [record])
    assert scores.evidence_verbatim == 1.0
    assert scores.caller_role_accuracy == 1.0
    assert scores.per_factor["physical_abuse"]["tp"] == 1
    assert scores.status_confusion["ruled_out"] == {"ruled_out": 1}  # drugs or alcohol: "No, nothing like that"
    assert scores.negation_time_errors == 0
