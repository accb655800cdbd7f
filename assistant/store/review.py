"""The review of a draft as values: review actions, the working review state, and the confirmed record.

:func:`apply_action` is pure: it takes a :class:`ReviewState`, an action and the transcript and returns
the new state (or raises :class:`InvalidActionError`). The store persists states and audit entries.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from assistant.records import (
    CALLER_ROLES,
    PATHWAYS,
    Awareness,
    CallerInfo,
    ChildVoice,
    DraftRecord,
    Evidence,
    Kind,
    Question,
    Speaker,
    Status,
    Transcript,
)
from assistant.store.errors import InvalidActionError

ActorType = Literal["assistant", "person"]
Decision = Literal["pending", "accepted", "changed", "rejected", "added"]
FACTOR_ID = re.compile(r"^[a-z][a-z0-9_]*$")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


# ---------------------------------------------------------------------------------------------------------------------
# Review state


class ReviewedFactor(_Model):
    """A factor as the reviewer sees it: the assistant's finding (or a person's addition) and their decision."""

    factor: str
    kind: Kind
    status: Status
    confidence: float | None = Field(
        default=None, description="The assistant's confidence; None for a factor a person added."
    )
    evidence: list[Evidence] = Field(min_length=1)
    detected_by: list[str] = Field(default_factory=list)
    decision: Decision = Field(
        default="pending", description="pending until the reviewer accepts, changes or rejects it."
    )
    draft_status: Status | None = Field(
        default=None, description="The status the assistant suggested; None when added."
    )
    note: str | None = Field(default=None, description="The reviewer's reason (why rejected, changed or added).")


class AgreedAction(_Model):
    """Who does what by when."""

    id: str = Field(description="Stable within the record (a1, a2, ...); use it to remove the action.")
    who: str = Field(min_length=1)
    what: str = Field(min_length=1)
    by_when: date


class Referrer(_Model):
    """The professional who called (the feedback letter is addressed to them)."""

    name: str | None = None
    organisation: str | None = None


class ReviewState(_Model):
    """The reviewable content of a record at one version (the transcript is kept once, with speaker edits here)."""

    call_id: str
    caller_role: str
    referrer: Referrer = Field(default_factory=Referrer)
    factors: list[ReviewedFactor]
    parents_aware: Awareness
    suggested_pathway: str
    agreed_pathway: str | None = None
    pathway_reason: str | None = None
    actions: list[AgreedAction] = Field(default_factory=list)
    note: str | None = None
    speaker_overrides: dict[int, Speaker] = Field(default_factory=dict)

    @classmethod
    def from_draft(cls, draft: DraftRecord) -> ReviewState:
        """The initial state of a new record: every assistant factor pending, no pathway agreed yet."""
        seen: set[str] = set()
        factors = []
        for f in draft.factors:
            if f.factor in seen:
                raise InvalidActionError(
                    f"Draft {draft.call_id} lists factor {f.factor!r} twice; "
                    "the assistant must report each factor once."
                )
            seen.add(f.factor)
            factors.append(
                ReviewedFactor(
                    factor=f.factor,
                    kind=f.kind,
                    status=f.status,
                    confidence=f.confidence,
                    evidence=list(f.evidence),
                    detected_by=list(f.detected_by),
                    draft_status=f.status,
                )
            )
        return cls(
            call_id=draft.call_id,
            caller_role=draft.caller.role,
            factors=factors,
            parents_aware=draft.parents_aware,
            suggested_pathway=draft.pathway.suggested,
        )

    def factor(self, factor_id: str) -> ReviewedFactor:
        for f in self.factors:
            if f.factor == factor_id:
                return f
        raise InvalidActionError(
            f"Factor {factor_id!r} is not in this record "
            f"(it has: {', '.join(f.factor for f in self.factors) or 'none'})."
        )

    def pending_factors(self) -> list[str]:
        return [f.factor for f in self.factors if f.decision == "pending"]


# ---------------------------------------------------------------------------------------------------------------------
# Review actions (a discriminated union on ``action``)


class _Action(_Model):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AcceptFactor(_Action):
    """Accept the assistant's factor as it stands."""

    action: Literal["accept"] = "accept"
    factor: str


class RejectFactor(_Action):
    """Reject the assistant's factor (wrong or not supported); it stays visible in the audit and export.

    Rejecting a factor a person added removes it (the audit trail keeps it)."""

    action: Literal["reject"] = "reject"
    factor: str
    reason: str | None = None


class SetFactorStatus(_Action):
    """Change a factor's status (present, possible, historical, ruled_out)."""

    action: Literal["set_status"] = "set_status"
    factor: str
    status: Status
    reason: str | None = None


class EditEvidence(_Action):
    """Replace a factor's evidence; every quote must be verbatim in its turn of the transcript."""

    action: Literal["edit_evidence"] = "edit_evidence"
    factor: str
    evidence: list[Evidence] = Field(min_length=1)


class AddFactor(_Action):
    """Add a factor the assistant missed, with a quote copied verbatim from turn ``turn`` (0-based)."""

    action: Literal["add_factor"] = "add_factor"
    factor: str
    kind: Kind
    status: Status
    quote: str = Field(min_length=1)
    turn: int = Field(ge=0)
    note: str | None = None

    @field_validator("factor")
    @classmethod
    def _factor_id(cls, value: str) -> str:
        if not FACTOR_ID.match(value):
            raise ValueError(f"factor id {value!r} must be lower_snake_case, e.g. domestic_abuse")
        return value


class SetPathway(_Action):
    """Choose the agreed pathway (one of the contract's five) and say why."""

    action: Literal["set_pathway"] = "set_pathway"
    pathway: str
    reason: str = Field(min_length=1)


class AddAction(_Action):
    """Add an agreed action: who does what by when."""

    action: Literal["add_action"] = "add_action"
    who: str = Field(min_length=1)
    what: str = Field(min_length=1)
    by_when: date


class RemoveAction(_Action):
    """Remove an agreed action by its id (a1, a2, ...)."""

    action: Literal["remove_action"] = "remove_action"
    action_id: str


class SetSpeaker(_Action):
    """Correct the speaker label of one transcript turn."""

    action: Literal["set_speaker"] = "set_speaker"
    turn: int = Field(ge=0)
    speaker: Speaker


class SetParentsAware(_Action):
    action: Literal["set_parents_aware"] = "set_parents_aware"
    value: Awareness


class SetCallerRole(_Action):
    action: Literal["set_caller_role"] = "set_caller_role"
    role: str


class SetReferrer(_Action):
    """Name the referrer (the letter's addressee)."""

    action: Literal["set_referrer"] = "set_referrer"
    name: str | None = None
    organisation: str | None = None


class SetNote(_Action):
    """The reviewer's free-text note on the consultation."""

    action: Literal["set_note"] = "set_note"
    text: str


ReviewAction = Annotated[
    AcceptFactor
    | RejectFactor
    | SetFactorStatus
    | EditEvidence
    | AddFactor
    | SetPathway
    | AddAction
    | RemoveAction
    | SetSpeaker
    | SetParentsAware
    | SetCallerRole
    | SetReferrer
    | SetNote,
    Field(discriminator="action"),
]


# ---------------------------------------------------------------------------------------------------------------------
# Applying actions


def _squash(text: str) -> str:
    return " ".join(text.split())


def check_verbatim(transcript: Transcript, quote: str, turn: int) -> None:
    """Raise :class:`InvalidActionError` unless ``quote`` occurs in turn ``turn``.

    Verbatim means the exact characters, case included; only runs of whitespace count as one space."""
    if not quote.strip():
        raise InvalidActionError("The quote is empty; copy the words that show the factor from the transcript.")
    n = len(transcript.turns)
    if turn >= n:
        raise InvalidActionError(
            f"Turn {turn} does not exist: the transcript of {transcript.id} has turns 0 to {n - 1}."
        )
    needle = _squash(quote)
    if needle in _squash(transcript.turns[turn].text):
        return
    elsewhere = [i for i, t in enumerate(transcript.turns) if needle in _squash(t.text)]
    hint = (
        f" It does appear in turn {', '.join(map(str, elsewhere))}; use that turn."
        if elsewhere
        else " Copy the words exactly as they appear in the transcript."
    )
    raise InvalidActionError(f"The quote {quote!r} is not verbatim in turn {turn} of call {transcript.id}.{hint}")


def apply_action(state: ReviewState, action: ReviewAction, transcript: Transcript) -> ReviewState:
    """Return the state after ``action``; ``state`` is not changed. Raises :class:`InvalidActionError`."""
    new = state.model_copy(deep=True)
    match action:
        case AcceptFactor():
            f = new.factor(action.factor)
            f.decision = "added" if f.decision == "added" else ("changed" if f.status != f.draft_status else "accepted")
        case RejectFactor():
            f = new.factor(action.factor)
            if f.decision == "added":
                new.factors = [x for x in new.factors if x.factor != action.factor]
            else:
                f.decision, f.note = "rejected", action.reason
        case SetFactorStatus():
            f = new.factor(action.factor)
            f.status = action.status
            if f.decision != "added":
                f.decision = "accepted" if action.status == f.draft_status else "changed"
            f.note = action.reason or f.note
        case EditEvidence():
            f = new.factor(action.factor)
            for ev in action.evidence:
                check_verbatim(transcript, ev.quote, ev.turn)
            f.evidence = list(action.evidence)
            if f.decision != "added":
                f.decision = "changed"
        case AddFactor():
            if any(x.factor == action.factor for x in new.factors):
                raise InvalidActionError(
                    f"Factor {action.factor!r} is already in the record; change its status or evidence instead."
                )
            check_verbatim(transcript, action.quote, action.turn)
            t = transcript.turns[action.turn]
            new.factors.append(
                ReviewedFactor(
                    factor=action.factor,
                    kind=action.kind,
                    status=action.status,
                    confidence=None,
                    evidence=[Evidence(quote=action.quote, turn=action.turn, start=t.start, end=t.end)],
                    detected_by=["person"],
                    decision="added",
                    draft_status=None,
                    note=action.note,
                )
            )
        case SetPathway():
            if action.pathway not in PATHWAYS:
                raise InvalidActionError(f"Unknown pathway {action.pathway!r}; choose one of {', '.join(PATHWAYS)}.")
            new.agreed_pathway, new.pathway_reason = action.pathway, action.reason
        case AddAction():
            n = max((int(a.id[1:]) for a in new.actions if a.id[1:].isdigit()), default=0) + 1
            new.actions.append(AgreedAction(id=f"a{n}", who=action.who, what=action.what, by_when=action.by_when))
        case RemoveAction():
            if not any(a.id == action.action_id for a in new.actions):
                raise InvalidActionError(f"No agreed action {action.action_id!r} in this record.")
            new.actions = [a for a in new.actions if a.id != action.action_id]
        case SetSpeaker():
            if action.turn >= len(transcript.turns):
                raise InvalidActionError(
                    f"Turn {action.turn} does not exist: the transcript has turns 0 to {len(transcript.turns) - 1}."
                )
            if action.speaker == transcript.turns[action.turn].speaker:
                new.speaker_overrides.pop(action.turn, None)  # back to what the transcript says
            else:
                new.speaker_overrides[action.turn] = action.speaker
        case SetParentsAware():
            new.parents_aware = action.value
        case SetCallerRole():
            if action.role not in CALLER_ROLES:
                raise InvalidActionError(
                    f"Unknown caller role {action.role!r}; choose one of {', '.join(CALLER_ROLES)}."
                )
            new.caller_role = action.role
        case SetReferrer():
            new.referrer = Referrer(name=action.name, organisation=action.organisation)
        case SetNote():
            new.note = action.text or None
        case _:  # pragma: no cover - the union is closed
            raise InvalidActionError(f"Unknown review action {action!r}")
    return new


def transcript_with_overrides(transcript: Transcript, overrides: dict[int, Speaker]) -> Transcript:
    """The transcript with the reviewer's speaker corrections applied."""
    if not overrides:
        return transcript
    turns = [
        t.model_copy(update={"speaker": overrides[i]}) if i in overrides else t for i, t in enumerate(transcript.turns)
    ]
    return transcript.model_copy(update={"turns": turns})


# ---------------------------------------------------------------------------------------------------------------------
# Views and the confirmed record


class RecordView(_Model):
    """A record as the workspace shows it: the head version's state plus the assistant's original draft."""

    record_id: str
    version: int = Field(description="The head version number; pass it back as ``expected_version``.")
    status: Literal["draft", "confirmed"] = Field(description="confirmed when the head version is a confirmed one.")
    review: ReviewState
    draft: DraftRecord = Field(description="The assistant's draft (version 1), unchanged.")
    transcript: Transcript = Field(description="The transcript with the reviewer's speaker corrections.")
    last_confirmed_version: int | None = None
    created_by: str
    created_at: datetime
    updated_by: str
    updated_at: datetime


class RecordSummary(_Model):
    """One line of the records list."""

    record_id: str
    call_id: str
    version: int
    status: Literal["draft", "confirmed"]
    created_by: str
    created_at: datetime
    updated_by: str
    updated_at: datetime
    agreed_pathway: str | None = None


class VersionInfo(_Model):
    """One version of a record. Version 1 is the assistant's draft; confirmed versions are immutable."""

    record_id: str
    number: int
    kind: Literal["draft", "confirmed"]
    actor_type: ActorType
    created_by: str
    created_at: datetime
    based_on: int | None = Field(default=None, description="The version this one was made from.")


class AuditEntry(_Model):
    """One change: who, when, what, the value before and after."""

    record_id: str
    seq: int
    at: datetime
    user: str
    actor_type: ActorType
    action: str
    detail: dict = Field(default_factory=dict, description="The action's parameters as submitted.")
    before: object | None = None
    after: object | None = None
    version: int = Field(description="The version this change produced.")


class ConfirmedPathway(_Model):
    suggested: str = Field(description="The assistant's suggestion (contract field).")
    rationale: str = Field(description="The assistant's rationale (contract field).")
    sources: list[str] = Field(default_factory=list)
    agreed: str = Field(description="The pathway the social worker agreed.")
    reason: str = Field(description="The social worker's reason for the agreed pathway.")


class ConfirmedRecord(_Model):
    """What a person confirmed: an immutable version. JSON keeps every ``triage-record/1`` field and adds others.

    ``factors`` holds only what the reviewer agreed (accepted, changed or added); factors they rejected are in
    ``rejected_factors`` so that a reader of the contract fields never takes a rejected finding as agreed.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    schema_: str = Field(default="triage-record/1", alias="schema")
    record_id: str
    version: int
    confirmed_from_version: int = Field(description="The draft version that was confirmed.")
    previous_confirmed_version: int | None = None
    call_id: str
    caller: CallerInfo
    referrer: Referrer = Field(default_factory=Referrer)
    factors: list[ReviewedFactor]
    rejected_factors: list[ReviewedFactor] = Field(default_factory=list)
    parents_aware: Awareness
    parents_aware_evidence: list[Evidence] = Field(default_factory=list)
    child_voice: list[ChildVoice]
    pathway: ConfirmedPathway
    actions: list[AgreedAction]
    questions: list[Question]
    note: str | None = None
    worker_name: str
    confirmed_by: str
    confirmed_at: datetime
    transcript: Transcript
    provenance: dict = Field(default_factory=dict)

    def to_json(self) -> str:
        return self.model_dump_json(by_alias=True, indent=2)


def build_confirmed(
    *,
    record_id: str,
    version: int,
    from_version: int,
    previous_confirmed: int | None,
    state: ReviewState,
    draft: DraftRecord,
    worker_name: str,
    confirmed_by: str,
    confirmed_at: datetime,
) -> ConfirmedRecord:
    """Check the state can be confirmed (no pending factor, a pathway agreed) and build the confirmed record."""
    problems = []
    if pending := state.pending_factors():
        problems.append(f"decide every factor (still pending: {', '.join(pending)})")
    if not state.agreed_pathway or not state.pathway_reason:
        problems.append("choose the agreed pathway and give a reason")
    if not worker_name.strip():
        problems.append("name the worker")
    if problems:
        raise InvalidActionError(f"Record {record_id} cannot be confirmed yet: " + "; ".join(problems) + ".")
    assert state.agreed_pathway is not None and state.pathway_reason is not None
    caller_evidence = draft.caller.evidence if state.caller_role == draft.caller.role else []
    return ConfirmedRecord(
        record_id=record_id,
        version=version,
        confirmed_from_version=from_version,
        previous_confirmed_version=previous_confirmed,
        call_id=state.call_id,
        caller=CallerInfo(role=state.caller_role, evidence=caller_evidence),
        referrer=state.referrer,
        factors=[f for f in state.factors if f.decision != "rejected"],
        rejected_factors=[f for f in state.factors if f.decision == "rejected"],
        parents_aware=state.parents_aware,
        parents_aware_evidence=draft.parents_aware_evidence if state.parents_aware == draft.parents_aware else [],
        child_voice=draft.child_voice,
        pathway=ConfirmedPathway(
            suggested=draft.pathway.suggested,
            rationale=draft.pathway.rationale,
            sources=draft.pathway.sources,
            agreed=state.agreed_pathway,
            reason=state.pathway_reason,
        ),
        actions=state.actions,
        questions=draft.questions,
        note=state.note,
        worker_name=worker_name.strip(),
        confirmed_by=confirmed_by,
        confirmed_at=confirmed_at,
        transcript=transcript_with_overrides(draft.transcript, state.speaker_overrides),
        provenance=draft.provenance,
    )
