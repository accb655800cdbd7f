"""Fusion: a sure classifier guess does not override the caller's "no" to the worker's question said in
the same answer, but one said in a later turn still does."""

from __future__ import annotations

from assistant.extract.fusion import fuse
from assistant.extract.mentions import Mention
from assistant.records import Transcript, Turn

KINDS = {"parental_substance_misuse": "risk"}
CALL = Transcript(
    id="t",
    turns=[
        Turn(speaker="worker", text="Any sign dad drinks?"),  # type: ignore[arg-type]
        Turn(speaker="caller", text="No, dad doesn't drink at all. He never has."),  # type: ignore[arg-type]
        Turn(speaker="caller", text="Actually he was drunk at pick-up today."),  # type: ignore[arg-type]
    ],
)


def mention(status: str, turn: int, source: str, confidence: float) -> Mention:
    end = len(CALL.turns[turn].text)
    return Mention("parental_substance_misuse", status, confidence, turn, 0, end, source, turn, None)


def answered_no(*more: Mention) -> list[Mention]:
    return [mention("ruled_out", 0, "question", 0.7), mention("ruled_out", 1, "dialogue", 0.7), *more]


def test_a_sure_classifier_guess_does_not_override_a_no_in_the_same_answer() -> None:
    [factor] = fuse(answered_no(mention("present", 1, "classifier", 0.95)), KINDS, CALL, doubt=0.2)
    assert factor.status == "ruled_out"
    assert factor.evidence[0].turn == 1


def test_a_sure_classifier_guess_in_a_later_turn_still_overrides_the_no() -> None:
    [factor] = fuse(answered_no(mention("present", 2, "classifier", 0.95)), KINDS, CALL, doubt=0.2)
    assert factor.status == "present"
    assert factor.evidence[0].turn == 2


def test_without_a_denial_a_sure_classifier_guess_in_the_answer_overrides_as_before() -> None:
    mentions = [mention("historical", 1, "dialogue", 0.7), mention("present", 1, "classifier", 0.95)]
    [factor] = fuse(mentions, KINDS, CALL, doubt=0.2)
    assert factor.status == "present"
