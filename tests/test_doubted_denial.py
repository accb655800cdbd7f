"""A "not" that the rules read as a denial, in a sentence the classifier reads as the factor being there
("she's not missed a single day"), is read again by the status head (fake encoder; the heads'
probabilities are set by hand)."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.extract.analysis import Analyser
from assistant.extract.classifier import FactorHead
from assistant.extract.extractor import ExtractOptions, Extractor
from assistant.extract.status_head import STATUSES, TRIGGER_KINDS, StatusHead
from assistant.models import HashingEncoder
from assistant.records import Transcript, Turn

CALL = Transcript(
    id="denial",
    turns=[
        Turn(speaker="worker", text="Anything at home?"),
        Turn(speaker="caller", text="There's no drinking or drugs in the house."),
    ],
)
FACTOR = "parental_substance_misuse"


def head(p: float, says: str) -> FactorHead:
    """Every sentence gets probability p for the factor; the status head always says `says`."""
    dim = HashingEncoder().dim
    intercept = np.full(len(STATUSES), -5.0)
    intercept[STATUSES.index(says)] = 5.0
    status = StatusHead(np.zeros((len(STATUSES), dim + len(TRIGGER_KINDS))), intercept, {})
    return FactorHead(
        factors=[FACTOR],
        coef=np.zeros((1, dim)),
        intercept=np.full(1, float(np.log(p / (1 - p)))),
        thresholds={},
        encoder=HashingEncoder.name,
        provenance={},
        status=status,
    )


def status(analyser: Analyser, p: float, doubted: float | None) -> str | None:
    options = ExtractOptions(doubted_denial=doubted, classifier_only_threshold=0.99)
    findings = Extractor(analyser, HashingEncoder(), head(p, "present"), options).extract(CALL)
    return next((f.status for f in findings.factors if f.factor == FACTOR), None)


@pytest.mark.parametrize(("p", "expected"), [(0.95, "present"), (0.5, "ruled_out")])
def test_a_denial_the_classifier_doubts_is_read_by_the_status_head(analyser: Analyser, p: float, expected: str) -> None:
    assert status(analyser, p, 0.8) == expected


def test_without_the_option_the_rules_decide(analyser: Analyser) -> None:
    assert status(analyser, 0.95, None) == "ruled_out"
