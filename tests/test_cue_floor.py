"""A strength found on cue words alone is dropped where the classifier all but rules it out; a risk on
cue words never is (fake encoder; the head's probabilities are set by hand)."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.extract.analysis import Analyser
from assistant.extract.classifier import FactorHead
from assistant.extract.extractor import ExtractOptions, Extractor
from assistant.models import HashingEncoder
from assistant.records import Transcript, Turn

CALL = Transcript(
    id="floor",
    turns=[
        Turn(speaker="worker", text="How is she doing otherwise?"),
        Turn(speaker="caller", text="She has lots of friends and she goes to scouts."),
        Turn(speaker="caller", text="Dad hits mum when they argue, the police came out on Saturday."),
    ],
)


def head(p: float) -> FactorHead:
    """Gives every sentence probability p for both factors, whatever its words."""
    factors = ["child_resilience", "domestic_abuse"]
    logit = float(np.log(p / (1 - p)))
    return FactorHead(
        factors=factors,
        coef=np.zeros((2, HashingEncoder().dim)),
        intercept=np.full(2, logit),
        thresholds={},
        encoder=HashingEncoder.name,
        provenance={},
    )


def found(analyser: Analyser, p: float, floor: float | None) -> set[str]:
    options = ExtractOptions(strength_cue_floor=floor, classifier_only_threshold=0.99)
    findings = Extractor(analyser, HashingEncoder(), head(p), options).extract(CALL)
    return {f.factor for f in findings.factors if f.status in {"present", "possible"}}


def test_both_cues_are_found_without_a_floor(analyser: Analyser) -> None:
    assert found(analyser, 0.01, None) == {"child_resilience", "domestic_abuse"}


@pytest.mark.parametrize(("p", "expected"), [(0.01, {"domestic_abuse"}), (0.3, {"child_resilience", "domestic_abuse"})])
def test_a_doubted_strength_is_dropped_and_a_risk_is_kept(analyser: Analyser, p: float, expected: set[str]) -> None:
    assert found(analyser, p, 0.05) == expected


def test_the_floor_is_on_by_default_and_recorded(analyser: Analyser) -> None:
    extractor = Extractor(analyser, HashingEncoder(), head(0.01))
    assert extractor.options.strength_cue_floor is not None
    assert extractor.describe()["options"]["strength_cue_floor"] == extractor.options.strength_cue_floor  # type: ignore[index]
