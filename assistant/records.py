"""The typed values that flow between the stages, each saveable as JSON.

    audio ──transcribe──▶ Transcript ──extract──▶ Findings ──guidance──▶ DraftRecord

``DraftRecord`` serialises to the contract of ``shared/spec/triage-record.md`` (schema
``triage-record/1``); fields beyond the contract are additions, never renames.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Speaker = Literal["worker", "caller", "unknown"]
Status = Literal["present", "possible", "historical", "ruled_out"]
Kind = Literal["risk", "strength"]
Awareness = Literal["yes", "no", "unknown"]
ACTIVE_STATUSES: tuple[Status, ...] = ("present", "possible")
PATHWAYS: tuple[str, ...] = (
    "advice_only",
    "early_help",
    "child_in_need",
    "child_protection",
    "emergency_protection",
)
CALLER_ROLES: tuple[str, ...] = (
    "school",
    "police",
    "health",
    "early_years",
    "voluntary_sector",
    "housing",
    "probation",
    "family_or_public",
    "other",
)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Word(_Model):
    word: str
    start: float
    end: float
    probability: float | None = None


class Turn(_Model):
    """One stretch of speech by one party."""

    speaker: Speaker
    text: str
    start: float | None = None
    end: float | None = None
    words: list[Word] = Field(default_factory=list)
    flags: list[str] = Field(
        default_factory=list,
        description="Marks for the reviewer, e.g. low_confidence, no_speech, speaker_uncertain.",
    )
    avg_logprob: float | None = None
    no_speech_prob: float | None = None


class Transcript(_Model):
    """A call as turns, plus what produced it (model, options, durations) when it came from audio."""

    id: str
    turns: list[Turn]
    source: str | None = Field(None, description="The file the transcript was read or transcribed from.")
    audio: str | None = None
    produced_by: dict[str, Any] = Field(default_factory=dict)


class Evidence(_Model):
    quote: str = Field(description="Copied verbatim from the text of turn `turn`.")
    turn: int = Field(ge=0, description="0-based index of the turn in the transcript.")
    start: float | None = None
    end: float | None = None


class Factor(_Model):
    factor: str
    kind: Kind
    status: Status
    confidence: float = Field(ge=0.0, le=1.0)
    evidence: list[Evidence] = Field(min_length=1)
    detected_by: list[str] = Field(default_factory=list, description="rules, classifier, dialogue or person.")


class CallerInfo(_Model):
    role: str
    evidence: list[Evidence] = Field(default_factory=list)


class ChildVoice(_Model):
    quote: str
    turn: int = Field(ge=0)
    start: float | None = None
    end: float | None = None


class Entity(_Model):
    """Someone or something the call names, for the worker's reference (not a finding, never scored)."""

    text: str = Field(description="As said in the call (verbatim from the first turn that names it).")
    kind: Literal["person", "age", "organisation", "place", "date"]
    evidence: list[Evidence] = Field(min_length=1, description="Where it was said (at most a few turns).")


class Findings(_Model):
    caller: CallerInfo
    factors: list[Factor]
    parents_aware: Awareness
    parents_aware_evidence: list[Evidence] = Field(default_factory=list)
    child_voice: list[ChildVoice]
    entities: list[Entity] = Field(default_factory=list)
    produced_by: dict[str, Any] = Field(default_factory=dict)


class PathwayReason(_Model):
    factor: str | None = None
    status: str | None = None
    text: str


class Pathway(_Model):
    suggested: str
    rationale: str
    sources: list[str] = Field(default_factory=list)
    reasons: list[PathwayReason] = Field(default_factory=list)
    would_change: list[str] = Field(default_factory=list, description="What, if learnt, would change the decision.")


class Question(_Model):
    text: str
    factor: str | None = None
    source: str


class DraftRecord(_Model):
    """The draft record of the contract, plus the provenance of everything that made it."""

    schema_: str = Field(default="triage-record/1", alias="schema")
    call_id: str
    caller: CallerInfo
    factors: list[Factor]
    parents_aware: Awareness
    parents_aware_evidence: list[Evidence] = Field(default_factory=list)
    child_voice: list[ChildVoice]
    entities: list[Entity] = Field(
        default_factory=list, description="People, ages, organisations, places and dates the call names."
    )
    pathway: Pathway
    questions: list[Question]
    transcript: Transcript
    provenance: dict[str, Any] = Field(default_factory=dict)

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    def to_json(self) -> str:
        return self.model_dump_json(by_alias=True, indent=2)
