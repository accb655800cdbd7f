"""A small, fictional draft record for tests and for building the workspace without running the models.

Nothing here is real: names, places and events are invented.
"""

from __future__ import annotations

from assistant.records import (
    CallerInfo,
    ChildVoice,
    DraftRecord,
    Evidence,
    Factor,
    Pathway,
    PathwayReason,
    Question,
    Speaker,
    Transcript,
    Turn,
)

SAMPLE_TURNS: tuple[tuple[Speaker, str], ...] = (
    ("worker", "Children's advice and duty service, you're through to Sam."),
    ("caller", "Hi, I'm the safeguarding lead at Riverside Primary, calling about a Year 4 pupil."),
    ("worker", "Thanks. What's worrying you today?"),
    ("caller", "She told her teacher that dad pushed mum against the wall on Saturday and she hid upstairs."),
    ("worker", "Is there any drug or alcohol use in the home that you know of?"),
    ("caller", "No, nothing like that that we know of. Mum has always been really protective of the children."),
    ("caller", "She said she doesn't want to go home tonight because of the shouting."),
    ("worker", "Are the parents aware you're calling us?"),
    ("caller", "Yes, mum knows and she's agreed to us making the call. She's been coming in late and hungry too."),
)


def sample_transcript(call_id: str = "cads-demo-0001") -> Transcript:
    turns = [Turn(speaker=s, text=t, start=i * 6.0, end=i * 6.0 + 5.5) for i, (s, t) in enumerate(SAMPLE_TURNS)]
    return Transcript(id=call_id, turns=turns, source="samples")


def sample_draft(call_id: str = "cads-demo-0001") -> DraftRecord:
    """A draft as the assistant would write it for :data:`SAMPLE_TURNS` (every quote is verbatim)."""
    transcript = sample_transcript(call_id)

    def ev(turn: int, quote: str) -> Evidence:
        assert quote in transcript.turns[turn].text, quote
        return Evidence(quote=quote, turn=turn, start=transcript.turns[turn].start, end=transcript.turns[turn].end)

    return DraftRecord(
        schema="triage-record/1",
        call_id=call_id,
        caller=CallerInfo(role="school", evidence=[ev(1, "safeguarding lead at Riverside Primary")]),
        factors=[
            Factor(
                factor="domestic_abuse",
                kind="risk",
                status="present",
                confidence=0.93,
                evidence=[ev(3, "dad pushed mum against the wall on Saturday")],
                detected_by=["rules", "classifier"],
            ),
            Factor(
                factor="parental_substance_misuse",
                kind="risk",
                status="ruled_out",
                confidence=0.81,
                evidence=[ev(5, "No, nothing like that that we know of")],
                detected_by=["dialogue"],
            ),
            Factor(
                factor="protective_carer",
                kind="strength",
                status="present",
                confidence=0.77,
                evidence=[ev(5, "Mum has always been really protective of the children")],
                detected_by=["classifier"],
            ),
        ],
        parents_aware="yes",
        parents_aware_evidence=[ev(8, "mum knows and she's agreed to us making the call")],
        child_voice=[ChildVoice(quote="she doesn't want to go home tonight because of the shouting", turn=6)],
        pathway=Pathway(
            suggested="child_in_need",
            rationale="Domestic abuse witnessed by the child, with a protective parent who consents to support.",
            sources=["factor-domestic-abuse.md"],
            reasons=[PathwayReason(factor="domestic_abuse", status="present", text="Current domestic abuse.")],
        ),
        questions=[
            Question(text="Has anyone been injured?", factor="domestic_abuse", source="factor-domestic-abuse.md")
        ],
        transcript=transcript,
        provenance={"pipeline": "samples", "note": "fictional example"},
    )
