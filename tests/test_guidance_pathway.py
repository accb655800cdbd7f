"""The pathway decision: rules from corpus/pathway_rules.yaml, validated, transparent and cited."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from assistant.guidance.pathway import PathwayDecider, find_urgent_cues
from assistant.guidance.pathway_rules import PathwayRulesError, load_pathway_rules
from assistant.guidance.service import Guidance
from assistant.models import ModelLoader
from tests.guidance_fixtures import REAL_CORPUS, findings, make_corpus, transcript


@pytest.fixture(scope="module")
def decider() -> PathwayDecider:
    rules, _ = load_pathway_rules(REAL_CORPUS)
    return PathwayDecider(rules)


QUIET = transcript(("worker", "CADS, how can I help?"), ("caller", "I have a worry about a pupil."))


def test_no_risk_points_to_advice_only(decider: PathwayDecider) -> None:
    pathway, _ = decider.suggest(findings(("neglect", "risk", "ruled_out")), QUIET)
    assert pathway.suggested == "advice_only"
    assert "no risk" in pathway.reasons[0].text


def test_a_present_injury_points_to_child_protection_with_its_reason(decider: PathwayDecider) -> None:
    pathway, decision = decider.suggest(findings(("physical_abuse", "risk", "present")), QUIET)
    assert pathway.suggested == "child_protection"
    assert pathway.reasons[0].factor == "physical_abuse" and pathway.reasons[0].status == "present"
    assert decision.driving == ["physical_abuse"]
    assert "if physical abuse is ruled out: advice_only" in pathway.would_change
    assert "Because physical abuse (present) points to child protection" in pathway.rationale


def test_a_suspicion_says_what_confirmation_would_change(decider: PathwayDecider) -> None:
    pathway, _ = decider.suggest(findings(("physical_abuse", "risk", "possible")), QUIET)
    assert pathway.suggested == "child_in_need"
    assert "if physical abuse is confirmed: child_protection" in pathway.would_change


def test_combinations_escalate_unless_a_protective_carer(decider: PathwayDecider) -> None:
    both = [("domestic_abuse", "risk", "present"), ("parental_substance_misuse", "risk", "present")]
    pathway, _ = decider.suggest(findings(*both), QUIET)
    assert pathway.suggested == "child_protection"
    protected, _ = decider.suggest(findings(*both, ("protective_carer", "strength", "present")), QUIET)
    assert protected.suggested == "child_in_need"
    assert any("but not with protective carer" in r.text for r in protected.reasons)


def test_strengths_step_down_with_a_floor(decider: PathwayDecider) -> None:
    neglect = ("neglect", "risk", "present")
    alone, _ = decider.suggest(findings(neglect), QUIET)
    assert alone.suggested == "child_in_need"
    stepped, decision = decider.suggest(
        findings(neglect, ("parental_insight", "strength", "present"), ("accepts_support", "strength", "present")),
        QUIET,
    )
    assert stepped.suggested == "early_help" and decision.stepped_down
    assert any(w.startswith("if the strengths do not hold: child_in_need") for w in stepped.would_change)
    serious, _ = decider.suggest(
        findings(
            ("physical_abuse", "risk", "present"),
            ("parental_insight", "strength", "present"),
            ("accepts_support", "strength", "present"),
            ("stable_home", "strength", "present"),
        ),
        QUIET,
    )
    assert serious.suggested == "child_protection"


def test_urgent_words_make_it_emergency_protection_but_not_advice_for_later(decider: PathwayDecider) -> None:
    now = transcript(("caller", "There's two children in there. No adult at all. The baby is crying."))
    pathway, _ = decider.suggest(findings(("neglect", "risk", "present")), now)
    assert pathway.suggested == "emergency_protection"
    assert "No adult at all" in pathway.reasons[-1].text and "turn 0" in pathway.reasons[-1].text
    later = transcript(("worker", "If he comes back tonight, ring 999 straight away."))
    assert find_urgent_cues(later, decider.rules) == []
    assert decider.suggest(findings(("neglect", "risk", "present")), later)[0].suggested == "child_in_need"


def _write_rules(tmp_path: Path, change) -> Path:  # type: ignore[no-untyped-def]
    data = yaml.safe_load((REAL_CORPUS / "pathway_rules.yaml").read_text(encoding="utf-8"))
    change(data)
    (tmp_path / "pathway_rules.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["factors"]["neglect"].update(present="child_in_ned"), "factors.neglect.present"),
        (lambda d: d["factors"].update(bullying={"present": "early_help"}), "factors.bullying: not a risk factor"),
        (lambda d: d["combinations"][0].update(unless_strengths=["kind_nan"]), "combinations.0 (id domestic-abuse"),
        (lambda d: d.update(pathways=list(reversed(d["pathways"]))), "pathways: must list the contract's pathways"),
        (lambda d: d["urgent"].update(cues=[]), "urgent.cues"),
    ],
)
def test_a_wrong_rules_file_names_the_file_and_the_entry(tmp_path: Path, change, message: str) -> None:  # type: ignore[no-untyped-def]
    folder = _write_rules(tmp_path, change)
    with pytest.raises(PathwayRulesError) as info:
        load_pathway_rules(folder)
    assert str(folder / "pathway_rules.yaml") in str(info.value)
    assert message in str(info.value)


def test_missing_or_unparseable_rules_file(tmp_path: Path) -> None:
    with pytest.raises(PathwayRulesError, match="file is missing"):
        load_pathway_rules(tmp_path)
    (tmp_path / "pathway_rules.yaml").write_text("factors: [unclosed", encoding="utf-8")
    with pytest.raises(PathwayRulesError, match="not valid YAML"):
        load_pathway_rules(tmp_path)


def test_advise_cites_the_pathway_page_and_the_factor_pages(tmp_path: Path) -> None:
    settings = make_corpus(tmp_path)
    guidance = Guidance.open(settings, ModelLoader(settings, encoder="fake"))
    call = transcript(("caller", "He has a bruise on his cheek and said dad did it."))
    _, pathway = guidance.advise(call, findings(("physical_abuse", "risk", "present")))
    assert pathway.suggested == "child_protection"
    assert pathway.sources[0] == "pathway-child-protection#what-justifies-it"
    assert "factor-physical-abuse#thresholds-and-pathways" in pathway.sources
    assert "pathway-child-protection#what-would-change-the-decision" in pathway.sources
    for source in pathway.sources:
        page, slug = source.split("#")
        doc = guidance.doc(page)
        assert doc is not None and doc.section(slug) is not None


def test_a_low_confidence_finding_counts_as_possible(decider: PathwayDecider) -> None:
    unsure = findings(("physical_abuse", "risk", "present"))
    unsure.factors[0].confidence = 0.4
    pathway, _ = decider.suggest(unsure, QUIET)
    assert pathway.suggested == "child_in_need"
    assert "low confidence" in pathway.reasons[0].text
    assert "if physical abuse is confirmed: child_protection" in pathway.would_change
