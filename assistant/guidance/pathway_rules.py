"""Loading and validating ``corpus/pathway_rules.yaml``, the practice leads' pathway rules.

Every mistake gives a :class:`PathwayRulesError` that names the file and the entry, e.g.
``corpus/pathway_rules.yaml: factors.neglect.present: 'child_in_ned' is not a pathway``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from assistant.corpus_file import load_model
from assistant.records import PATHWAYS

RULES_FILE = "pathway_rules.yaml"
FactorStatus = Literal["present", "possible", "historical", "ruled_out"]
Aware = Literal["yes", "no", "unknown"]
SpeakerName = Literal["worker", "caller", "unknown"]


def _active() -> list[FactorStatus]:
    return ["present", "possible"]


def _every_status() -> list[FactorStatus]:
    return ["present", "possible", "historical", "ruled_out"]


def _every_awareness() -> list[Aware]:
    return ["yes", "no", "unknown"]


def _every_speaker() -> list[SpeakerName]:
    return ["worker", "caller", "unknown"]


class PathwayRulesError(ValueError):
    """The pathway rules file is missing or invalid; the message names the file and the entry."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _pathway(value: str) -> str:
    if value not in PATHWAYS:
        raise ValueError(f"'{value}' is not a pathway; use one of {', '.join(PATHWAYS)}")
    return value


class FactorRule(_Strict):
    """The least pathway a factor points to, per status. A status left out points nowhere."""

    present: str | None = None
    possible: str | None = None
    historical: str | None = None
    ruled_out: str | None = None

    @field_validator("*")
    @classmethod
    def _known(cls, v: str | None) -> str | None:
        return None if v is None else _pathway(v)


def _strength_ids(values: list[str], where: str) -> list[str]:
    from assistant.knowledge import SPEC_FACTORS

    for name in values:
        if SPEC_FACTORS.get(name) != "strength":
            raise ValueError(f"{where}: '{name}' is not a strength of the contract")
    return values


class Combination(_Strict):
    """Risks (and strengths) that together need more than each alone."""

    id: str
    when: dict[str, list[FactorStatus]] = Field(
        default_factory=dict, description="Risk factor -> statuses it must have; all must hold."
    )
    any_risk: list[FactorStatus] = Field(
        default_factory=list, description="At least one risk discussed with one of these statuses."
    )
    with_strengths: list[str] = Field(default_factory=list, description="Strengths that must all be present.")
    unless_strengths: list[str] = Field(
        default_factory=list, description="Strengths which, when present, mean the combination does not apply."
    )
    pathway: str
    why: str

    _p = field_validator("pathway")(classmethod(lambda cls, v: _pathway(v)))

    @model_validator(mode="after")
    def _names(self) -> Combination:
        from assistant.knowledge import SPEC_FACTORS

        if not self.when and not self.any_risk:
            raise ValueError("give `when` (factor: statuses) or `any_risk` (statuses)")
        for name in self.when:
            if SPEC_FACTORS.get(name) != "risk":
                raise ValueError(f"when: '{name}' is not a risk factor of the contract")
        _strength_ids(self.with_strengths, "with_strengths")
        _strength_ids(self.unless_strengths, "unless_strengths")
        return self


class Escalation(_Strict):
    id: str
    min_risks: int = Field(ge=2, description="How many risks, each pointing at least to `counting_from`.")
    counting_from: str
    statuses: list[FactorStatus] = Field(default_factory=_active)
    pathway: str
    why: str

    _p = field_validator("counting_from", "pathway")(classmethod(lambda cls, v: _pathway(v)))


class StepDown(_Strict):
    """Strengths lower the suggestion to `to` (the floor), from one of `applies_to`."""

    id: str
    applies_to: list[str] = Field(description="Suggestions that may be stepped down.")
    to: str = Field(description="The pathway stepped down to; never lower.")
    driven_by: list[str] = Field(
        default_factory=list, description="Only when the suggestion comes from these risk factors alone (empty: any)."
    )
    strengths_all: list[str] = Field(default_factory=list, description="Strengths that must all be present.")
    min_strengths: int = Field(0, ge=0, description="How many strengths (any) must be present.")
    parents_aware: list[Aware] = Field(default_factory=_every_awareness)
    only_when_all_risks: list[FactorStatus] = Field(
        default_factory=_every_status,
        description="Step down only when every active risk has one of these statuses.",
    )
    why: str

    @field_validator("applies_to")
    @classmethod
    def _all(cls, v: list[str]) -> list[str]:
        return [_pathway(p) for p in v]

    _t = field_validator("to")(classmethod(lambda cls, v: _pathway(v)))

    @model_validator(mode="after")
    def _names(self) -> StepDown:
        from assistant.knowledge import SPEC_FACTORS

        for name in self.driven_by:
            if SPEC_FACTORS.get(name) != "risk":
                raise ValueError(f"driven_by: '{name}' is not a risk factor of the contract")
        _strength_ids(self.strengths_all, "strengths_all")
        if not self.strengths_all and not self.min_strengths:
            raise ValueError("give strengths_all or min_strengths: a step down needs strengths")
        return self


class Urgent(_Strict):
    pathway: str = "emergency_protection"
    speakers: list[SpeakerName] = Field(default_factory=_every_speaker)
    cues: list[str] = Field(min_length=1, description="Phrases that say a child is in immediate danger now.")
    ignore_questions: bool = Field(
        True, description="A cue in a question ('is he in danger right now?') is no evidence."
    )
    conditional_words: list[str] = Field(
        default_factory=list,
        description="A cue in a sentence with one of these words is advice about the future, not urgency now.",
    )
    why: str

    _p = field_validator("pathway")(classmethod(lambda cls, v: _pathway(v)))

    @field_validator("cues", "conditional_words")
    @classmethod
    def _clean(cls, v: list[str]) -> list[str]:
        out = []
        for phrase in v:
            cleaned = " ".join(str(phrase).lower().split())
            if not cleaned:
                raise ValueError("empty cue phrase")
            out.append(cleaned)
        return out

    def pattern(self) -> re.Pattern[str]:
        alternatives = sorted((re.escape(c).replace(r"\ ", r"\s+") for c in self.cues), key=len, reverse=True)
        return re.compile(r"(?<![\w-])(?:" + "|".join(alternatives) + r")(?![\w-])", re.IGNORECASE)

    def conditional_pattern(self) -> re.Pattern[str] | None:
        if not self.conditional_words:
            return None
        alternatives = [re.escape(c).replace(r"\ ", r"\s+") for c in self.conditional_words]
        return re.compile(r"\b(?:" + "|".join(alternatives) + r")\b", re.IGNORECASE)


class Consent(_Strict):
    pathways: list[str]
    if_refused: str
    note: str

    @field_validator("pathways")
    @classmethod
    def _all(cls, v: list[str]) -> list[str]:
        return [_pathway(p) for p in v]

    _r = field_validator("if_refused")(classmethod(lambda cls, v: _pathway(v)))


class Sources(_Strict):
    factor_section: str = Field(
        "thresholds-and-pathways", description="Section of a factor page cited for its pathway."
    )
    pathway_section: str = Field("what-justifies-it", description="Section of a pathway page cited for the suggestion.")
    would_change_section: str = Field("what-would-change-the-decision")


class PathwayRules(_Strict):
    version: str
    pathways: list[str] = Field(description="The contract's pathways, least to most intensive.")
    no_concern: str = Field(description="The suggestion when no rule points anywhere.")
    factors: dict[str, FactorRule]
    combinations: list[Combination] = Field(default_factory=list)
    escalation: list[Escalation] = Field(default_factory=list)
    step_down: list[StepDown] = Field(default_factory=list)
    urgent: Urgent
    present_min_confidence: float = Field(
        0.0, ge=0.0, le=1.0, description="A risk found as present with lower confidence counts as possible."
    )
    consent: Consent | None = None
    sources: Sources = Field(default_factory=Sources)  # type: ignore[arg-type]

    _nc = field_validator("no_concern")(classmethod(lambda cls, v: _pathway(v)))

    @field_validator("pathways")
    @classmethod
    def _order(cls, v: list[str]) -> list[str]:
        if list(v) != list(PATHWAYS):
            raise ValueError(f"must list the contract's pathways in order: {', '.join(PATHWAYS)}")
        return v

    @model_validator(mode="after")
    def _factor_ids(self) -> PathwayRules:
        from assistant.knowledge import SPEC_FACTORS

        for name in self.factors:
            if SPEC_FACTORS.get(name) != "risk":
                raise ValueError(f"factors.{name}: not a risk factor of the contract")
        return self

    def level(self, pathway: str) -> int:
        return self.pathways.index(pathway)


def load_pathway_rules(corpus_dir: Path) -> tuple[PathwayRules, str]:
    """The validated rules and their version (declared version + content hash)."""
    path = corpus_dir / RULES_FILE
    rules, digest = load_model(path, PathwayRules, PathwayRulesError)
    return rules, f"{rules.version}+{digest}"
