"""Fusion of mentions into factors: a conflict between cue words read as current and an explicit
denial or past is settled by the classifier's support for the cue words."""

from __future__ import annotations

from assistant.extract.fusion import fuse
from assistant.extract.mentions import Mention
from assistant.records import Transcript, Turn

KINDS = {"domestic_abuse": "risk", "support_network": "strength"}
CALL = Transcript(
    id="t",
    turns=[
        Turn(speaker="caller", text="They were screaming and banging last night."),  # type: ignore[arg-type]
        Turn(speaker="caller", text="She said no, he has never hurt her."),  # type: ignore[arg-type]
    ],
)


def mention(status: str, turn: int, source: str, support: float | None) -> Mention:
    return Mention("domestic_abuse", status, 0.7, turn, 0, len(CALL.turns[turn].text), source, turn, support)


def test_a_denial_beats_cue_words_the_classifier_doubts() -> None:
    mentions = [mention("present", 0, "rules", 0.05), mention("ruled_out", 1, "dialogue", None)]
    [factor] = fuse(mentions, KINDS, CALL, doubt=0.2)
    assert factor.status == "ruled_out"
    assert factor.evidence[0].turn == 1


def test_cue_words_the_classifier_supports_stay_current() -> None:
    mentions = [mention("present", 0, "rules", 0.6), mention("ruled_out", 1, "dialogue", None)]
    [factor] = fuse(mentions, KINDS, CALL, doubt=0.2)
    assert factor.status == "present"


def test_without_a_classifier_present_wins_as_before() -> None:
    mentions = [mention("present", 0, "rules", None), mention("ruled_out", 1, "dialogue", None)]
    assert fuse(mentions, KINDS, CALL, doubt=0.2)[0].status == "present"
    doubted = [mention("present", 0, "rules", 0.05), mention("ruled_out", 1, "dialogue", None)]
    assert fuse(doubted, KINDS, CALL, doubt=None)[0].status == "present"


def test_doubt_alone_does_not_remove_a_factor() -> None:
    [factor] = fuse([mention("present", 0, "rules", 0.05)], KINDS, CALL, doubt=0.2)
    assert factor.status == "present"


def test_a_sure_classifier_finding_does_not_override_a_denial_in_its_own_turn() -> None:
    denial = mention("ruled_out", 1, "rules", 0.99)
    same_turn = Mention("domestic_abuse", "present", 0.99, 1, 0, 5, "classifier", 1, 0.99)
    [factor] = fuse([denial, same_turn], KINDS, CALL)
    assert factor.status == "ruled_out"
    other_turn = Mention("domestic_abuse", "present", 0.99, 0, 0, 5, "classifier", 0, 0.99)
    [factor] = fuse([denial, other_turn], KINDS, CALL)
    assert factor.status == "present"
