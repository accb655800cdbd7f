"""Loads and validates the curated knowledge in ``corpus/`` that extraction reads.

Every file is YAML owned by practice leads. A mistake gives a :class:`KnowledgeError` naming the
file and the entry, never a traceback. Each file's content hash is its version in provenance.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from assistant.corpus_file import load_model

SPEC_FACTORS: dict[str, str] = {
    # The ids fixed by the contract (shared/spec/triage-record.md section 1) and their kinds. The
    # taxonomy file must define exactly these; labels, descriptions and cues live in the file.
    **dict.fromkeys(
        [
            "physical_abuse", "sexual_abuse", "emotional_abuse", "neglect", "domestic_abuse",
            "parental_substance_misuse", "parental_mental_health", "child_mental_health", "exploitation",
            "missing_episodes", "education_absence", "housing_and_finances", "risky_adult",
            "harmful_practices", "radicalisation", "young_carer",
        ],
        "risk",
    ),
    **dict.fromkeys(
        [
            "protective_carer", "accepts_support", "support_network", "parental_insight", "trusted_adult",
            "stable_home", "school_engagement", "child_resilience",
        ],
        "strength",
    ),
}  # fmt: skip


class KnowledgeError(ValueError):
    """A corpus file is missing or invalid; the message names the file and the entry."""


GAP = "..."  # in a phrase: a few words of the same sentence may stand here ("told her ... ringing")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _clean_phrases(values: list[str]) -> list[str]:
    out = []
    for value in values:
        phrase = " ".join(str(value).split()).lower()
        if not phrase:
            raise ValueError("empty phrase")
        out.append(phrase)
    return out


class FactorDef(_Strict):
    id: str
    kind: Literal["risk", "strength"]
    label: str
    description: str
    cues: list[str] = Field(min_length=1)
    signs: list[str] = Field(
        default_factory=list,
        description="Cue phrases naming a sign that may have another explanation (a bruise, an empty fridge): "
        "with nothing else said they make the factor possible, not present.",
    )
    question_cues: list[str] = Field(
        default_factory=list, description="Words naming the factor in a worker's question; never evidence alone."
    )
    examples: list[str] = Field(default_factory=list)
    supporting_cues: list[str] = Field(
        default_factory=list,
        description="Cue phrases that back up the factor where other cues or an answer find it in the call, but "
        "never report it alone (a child who is always clean says little by itself of a stable home).",
    )
    not_subjects: list[str] = Field(
        default_factory=list,
        description="Words that, as the subject of a cue's clause, make it about someone the factor is not about "
        "('I'm confident' is the caller, not the child's resilience).",
    )
    not_the_child: bool = Field(
        default=False,
        description="The factor is about a parent or carer: cue words said of the child (a word for a child, or a name "
        "the call gives a child: 'Jordan's been smoking weed') are no evidence of it. A he/she is never taken for the "
        "child, and the classifier's own findings are not checked this way.",
    )
    not_cues: list[str] = Field(
        default_factory=list,
        description="Phrases in which a cue word means something else ('missing school', 'missing out'): a cue "
        "inside one of them is no cue.",
    )
    opposes: list[str] = Field(
        default_factory=list,
        description="A strength only: risks its cue words say are absent. Where the classifier alone finds one of "
        "them in a sentence with this strength's cue words ('she never misses, attendance is ninety-six "
        "percent'), the risk is read as ruled out.",
    )
    yields_to: dict[str, float] = Field(
        default_factory=dict,
        description="Other factors, each with a classifier probability: where one of them is also found in a "
        "sentence, this factor's cue words there count only if the classifier gives this factor at least that "
        "probability (an injury said with domestic abuse is mostly the adult's: 'she had a split lip, he'd "
        "backhanded her').",
    )

    _clean = field_validator("cues", "signs", "question_cues", "supporting_cues", "not_subjects", "not_cues")(
        classmethod(lambda cls, v: _clean_phrases(v))
    )


class Taxonomy(_Strict):
    version: str
    factors: list[FactorDef]
    confusables: list[str] = Field(default_factory=list)

    def by_id(self) -> dict[str, FactorDef]:
        return {f.id: f for f in self.factors}


Category = Literal["negated", "possible", "historical", "other_person", "terminate", "pseudo"]


class StatusRule(_Strict):
    phrase: str
    category: Category
    direction: Literal["forward", "backward", "both", "sentence", "contrast"] = "forward"
    scope: int | None = Field(None, ge=1, le=40, description="Tokens the trigger reaches; default per direction.")
    passes: list[Category] = Field(
        default_factory=list,
        description="A terminate rule only: categories whose reach it does not end ('because' does not end a past "
        "time: 'a social worker when she was little because mum was drinking').",
    )
    contrast: bool = Field(
        False,
        description="A terminate rule only: the word sets two clauses against each other ('but', 'though'), so "
        "a contrast trigger after it reaches back past it ('out of school in Year 8, but in every day this year'); "
        "other terminators ('because', 'and he') do not.",
    )

    @field_validator("phrase")
    @classmethod
    def _clean_phrase(cls, v: str) -> str:
        phrase = _clean_phrases([v])[0]
        _expand_phrases([phrase])  # alternatives in brackets must spell out
        return phrase

    @property
    def phrases(self) -> list[str]:
        """The phrase with its alternatives spelt out: "when (she|he) was (five|six)" gives four."""
        return _expand_phrases([self.phrase])

    @field_validator("passes", "contrast")
    @classmethod
    def _terminate_only(cls, v: Any, info: ValidationInfo) -> Any:
        if v and info.data.get("category") != "terminate":
            raise ValueError(f"{info.field_name} is for terminate rules only")
        if info.field_name == "passes" and any(c in {"terminate", "pseudo"} for c in v):
            raise ValueError("passes lists categories of triggers that reach, not terminate or pseudo")
        return v


class AdultVictims(_Strict):
    """Who was hurt: an injury or assault on an adult (mum, a partner) is not harm to the child."""

    factors: list[str] = Field(min_length=1, description="Factors not reported where the person hurt is an adult.")
    adults: list[str] = Field(min_length=1, description="Words (lemmas) naming an adult who may be the one hurt.")
    partners: list[str] = Field(
        default_factory=list,
        description="Words for a partner: 'her partner hit her' hurt the woman whose partner he is.",
    )
    children: list[str] = Field(min_length=1, description="Words (lemmas) naming a child.")
    window: int = Field(60, ge=1, le=200, description="Tokens before a cue searched for whom it is about.")
    redirect_to: str | None = Field(None, description="The factor such a cue is read as instead (domestic_abuse).")

    _clean = field_validator("adults", "partners", "children")(classmethod(lambda cls, v: _clean_phrases(v)))

    @field_validator("factors")
    @classmethod
    def _known(cls, v: list[str]) -> list[str]:
        unknown = [f for f in v if f not in SPEC_FACTORS]
        if unknown:
            raise ValueError(f"unknown factors {unknown}")
        return v

    @field_validator("redirect_to")
    @classmethod
    def _known_target(cls, v: str | None) -> str | None:
        if v is not None and v not in SPEC_FACTORS:
            raise ValueError(f"unknown factor {v!r}")
        return v


class PastTense(_Strict):
    """A cue told in the simple past shares the past of its sentence: "dad had a breakdown a couple of years
    ago, he was off work for six months with depression" is all history, not a current depression."""

    same_factor: bool = Field(
        True,
        description="A cue whose clause is in the simple past takes 'historical' from another cue of the same "
        "factor in its sentence that a historical trigger reaches.",
    )
    recent: list[str] = Field(
        default_factory=list,
        description="Words that make a past-tense clause recent, so it stays current ('he hit her on Saturday').",
    )
    contrast_reaches_previous_sentence: bool = Field(
        False,
        description="A sentence that opens with a contrast word ('But she's been well for years now') lets its "
        "contrast triggers reach the sentence before it in the same turn.",
    )

    _clean = field_validator("recent")(classmethod(lambda cls, v: _clean_phrases(v)))


class StatusRules(_Strict):
    version: str
    forward_scope: int = Field(8, ge=1)
    backward_scope: int = Field(6, ge=1)
    rules: list[StatusRule]
    adult_victims: AdultVictims | None = None
    past_tense: PastTense | None = None


class AnswerPhrases(_Strict):
    negative: list[str]
    affirmative: list[str]
    uncertain: list[str]
    historical: list[str]
    statements: list[str] = Field(
        default_factory=list,
        description="Openings that look like a 'no' but state a strength ('he's never missed a day'): to a "
        "question about a strength they are no answer (the caller's words decide); to one about a risk the "
        "'no' in them still answers.",
    )

    _clean = field_validator("*")(classmethod(lambda cls, v: _clean_phrases(v)))


class Dialogue(_Strict):
    version: str
    question_openers: list[str] = Field(description="How a question starts when the recogniser left out the '?'.")
    request_openers: list[str] = Field(
        default_factory=list,
        description="How a request starts ('can you send...'): its answer says nothing of a factor.",
    )
    answers: AnswerPhrases
    positive_state_words: list[str] = Field(
        description="Words that make a question about a risk ask whether things are fine (a 'yes' then rules it out)."
    )
    answer_window: int = Field(8, ge=1, description="Tokens at the start of an answer searched for its polarity.")
    closing_answer_words: int = Field(
        2,
        ge=0,
        description="Whether the family knows: a last sentence of the answer of at most this many words that is a "
        "yes or no ('...mate. No.') answers too (0: only the answer's opening does).",
    )
    openers_not_asked: list[str] = Field(
        default_factory=list,
        description="Single words that open a worker's turn without being part of the question ('okay, any "
        "worries at home?'): a positive state word among them does not make the question ask whether things are fine.",
    )

    _clean = field_validator("question_openers", "positive_state_words", "request_openers", "openers_not_asked")(
        classmethod(lambda cls, v: _clean_phrases(v))
    )

    @field_validator("openers_not_asked")
    @classmethod
    def _single_words(cls, v: list[str]) -> list[str]:
        several = [w for w in v if " " in w]
        if several:
            raise ValueError(f"openers_not_asked are single words; {several} are not")
        return v


_GROUP = re.compile(r"\(([^()]*)\)")


def _expand_phrases(values: list[str]) -> list[str]:
    """Cleaned phrases with their alternatives spelt out: "knows (i 'm|we 're) calling" gives two
    phrases, and an empty alternative makes a word optional ("(has|) agreed")."""
    out: list[str] = []
    for phrase in _clean_phrases(values):
        if phrase.count("(") != phrase.count(")") or _GROUP.sub("", phrase).count("(") or "((" in phrase:
            raise ValueError(f"unbalanced or nested brackets in {phrase!r}")
        pending = [phrase]
        while pending:
            current = pending.pop(0)
            group = _GROUP.search(current)
            if group is None:
                cleaned = " ".join(current.split())
                if not cleaned:
                    raise ValueError(f"{phrase!r} can expand to an empty phrase")
                out.append(cleaned)
                continue
            for alternative in group.group(1).split("|"):
                pending.append(current[: group.start()] + f" {alternative.strip()} " + current[group.end() :])
    return list(dict.fromkeys(out))


def _role_map(v: dict[str, list[str]]) -> dict[str, list[str]]:
    from assistant.records import CALLER_ROLES

    unknown = set(v) - set(CALLER_ROLES)
    if unknown:
        raise ValueError(f"unknown caller roles {sorted(unknown)}; the contract allows {list(CALLER_ROLES)}")
    return {k: _expand_phrases(p) for k, p in v.items()}


class CallerRoles(_Strict):
    version: str
    self_reference: list[str] = Field(description="Phrases by which callers introduce themselves.")
    self_reference_window: int = Field(8, ge=1)
    roles: dict[str, list[str]] = Field(description="Words that name a service or a job in it.")
    weak_roles: dict[str, list[str]] = Field(
        default_factory=dict,
        description="Job titles used in many services (DSL, manager): they count `weak_weight` as much, so the "
        "service named with them decides ('the DSL at a day nursery').",
    )
    weak_weight: float = Field(0.4, gt=0, le=1)
    caller_phrases: dict[str, list[str]] = Field(
        default_factory=dict,
        description="First-person phrases that say who the caller is wherever they come in the caller's first "
        "turns ('I live next door', 'I'm ringing about my grandson'): they count as an introduction.",
    )
    introduced_only: list[str] = Field(
        default_factory=list,
        description="Roles whose phrases count only right after the caller introduces themselves (family words name "
        "the family everywhere else in a call).",
    )
    introduced_only_window: int = Field(
        2, ge=0, description="Tokens between the introduction and a phrase of an introduced_only role ('I'm his nan')."
    )
    others_before: list[str] = Field(
        default_factory=list,
        description="Words just before a role word that make it someone else ('I rang the police').",
    )
    others_after: list[str] = Field(
        default_factory=list,
        description="Words just after a role word that make it someone else ('the police said to ring you').",
    )
    others_window: int = Field(3, ge=0, description="Tokens between a role word and the others_ words.")
    fallback: str = "other"

    @field_validator("fallback")
    @classmethod
    def _fallback(cls, v: str) -> str:
        return next(iter(_role_map({v: []})))

    _roles = field_validator("roles", "weak_roles", "caller_phrases")(classmethod(lambda cls, v: _role_map(v)))
    _clean = field_validator("self_reference", "others_before", "others_after")(
        classmethod(lambda cls, v: _expand_phrases(v))
    )

    @field_validator("introduced_only")
    @classmethod
    def _introduced(cls, v: list[str]) -> list[str]:
        return list(_role_map({role: [] for role in v}))


class ParentsAware(_Strict):
    version: str
    question_words: list[str] = Field(description="Words that make a worker's question about the family knowing.")
    family_words: list[str] = Field(description="Nouns for the family (not pronouns, which name the child too).")
    call_words: list[str] = Field(
        default_factory=list, description="Words for the call or the concerns ('calling', 'ringing', 'your worries')."
    )
    question_phrases: list[str] = Field(
        default_factory=list,
        description="Phrases that ask about it on their own ('are they aware', 'do you have consent').",
    )
    not_question_words: list[str] = Field(
        default_factory=list,
        description="Phrases whose words never make a question about the family knowing ('do you know', 'let us "
        "know'): they ask what the caller knows, or close the call.",
    )
    yes_phrases: list[str] = Field(description="The caller saying the family knows, anywhere in the call.")
    no_phrases: list[str] = Field(description="The caller saying the family does not know, anywhere in the call.")
    answer_yes_phrases: list[str] = Field(
        default_factory=list,
        description="Like yes_phrases but read only in the answer to the worker's question ('I've told her').",
    )
    answer_no_phrases: list[str] = Field(
        default_factory=list,
        description="Like no_phrases but read only in the answer to the worker's question ('I haven't told her').",
    )
    hedges: list[str] = Field(
        default_factory=list,
        description="Words that, just before a 'yes' phrase with a gap, leave it unknown ('her boyfriend might "
        "have told her I was going to ring').",
    )
    no_before: list[str] = Field(
        default_factory=list,
        description="Single words that, up to three words before a 'yes' phrase, make it say no ('neither of "
        "them knows we've rung').",
    )
    open_question_words: list[str] = Field(
        default_factory=list,
        description="Single words that, up to four words before a yes or no phrase, make it a question, not an "
        "answer: unknown ('I couldn't tell you if she knows we're referring').",
    )
    unknown_phrases: list[str] = Field(
        default_factory=list,
        description="In an answer, the caller not knowing whether the family knows ('I don't know if the school "
        "told her'): the answer says unknown, even after 'I haven't told her'.",
    )
    parent_caller: list[str] = Field(
        default_factory=list,
        description="Phrases by which the caller says they are the child's parent: then the family knows.",
    )

    _clean = field_validator("*")(classmethod(lambda cls, v: _expand_phrases(v) if isinstance(v, list) else v))


class ChildVoice(_Strict):
    version: str
    reporting_verbs: list[str] = Field(description="Lemmas of verbs that report speech.")
    speakers: list[str] = Field(description="Who the child is: pronouns and words for a child.")
    not_child: list[str] = Field(description="Subjects that are not the child (mum, teacher, I...).")
    phrases: list[str] = Field(default_factory=list, description="Phrases that introduce the child's words.")
    female_words: list[str] = Field(
        default_factory=list, description="Words for a person a 'she' can stand for (mum, nan, sister...)."
    )
    minor_ages: list[str] = Field(
        default_factory=list,
        description="A child's age in words or digits: a name followed in its sentence by one ('Jordan who's "
        "sixteen') is a child's name.",
    )
    male_words: list[str] = Field(
        default_factory=list, description="Words for a person a 'he' can stand for (dad, uncle, brother...)."
    )

    _clean = field_validator("*")(classmethod(lambda cls, v: _clean_phrases(v) if isinstance(v, list) else v))

    def pronoun_genders(self) -> dict[str, set[str]]:
        """The person words a "she" and a "he" can stand for."""
        return {"she": set(self.female_words), "he": set(self.male_words)}


EntityKind = Literal["person", "age", "organisation", "place", "date"]


class AgePatterns(_Strict):
    patterns: list[list[dict[str, Any]]] = Field(
        default_factory=list, description="spaCy Matcher token patterns whose number is someone's age."
    )
    not_followed_by: list[str] = Field(
        default_factory=list, description="Words that, right after the number, show it is not an age."
    )

    _clean = field_validator("not_followed_by")(classmethod(lambda cls, v: _clean_phrases(v)))

    @field_validator("patterns")
    @classmethod
    def _patterns(cls, v: list[list[dict[str, Any]]]) -> list[list[dict[str, Any]]]:
        for i, pattern in enumerate(v):
            if not pattern:
                raise ValueError(f"pattern {i} is empty")
            if not any("LIKE_NUM" in token for token in pattern):
                raise ValueError(f"pattern {i} has no number token (LIKE_NUM)")
        return v


class Entities(_Strict):
    """Which names, ages, organisations, places and dates a draft lists (not findings: never scored)."""

    version: str
    labels: dict[str, EntityKind] = Field(description="spaCy entity label -> the record's kind.")
    ignore: list[str] = Field(default_factory=list, description="Words never listed (lower case).")
    ages: AgePatterns = Field(default_factory=AgePatterns)

    _clean = field_validator("ignore")(classmethod(lambda cls, v: _clean_phrases(v)))


M = TypeVar("M", bound=BaseModel)


def _load(path: Path, model: type[M]) -> tuple[M, str]:
    return load_model(path, model, KnowledgeError)


def _check_taxonomy(path: Path, taxonomy: Taxonomy) -> None:
    seen: set[str] = set()
    for factor in taxonomy.factors:
        if factor.id in seen:
            raise KnowledgeError(f"{path}: factor {factor.id} is defined twice")
        seen.add(factor.id)
        expected = SPEC_FACTORS.get(factor.id)
        if expected is None:
            raise KnowledgeError(f"{path}: factor {factor.id} is not in the contract's taxonomy")
        if factor.kind != expected:
            raise KnowledgeError(f"{path}: factor {factor.id} must have kind {expected}, not {factor.kind}")
        wrong = [o for o in factor.opposes if SPEC_FACTORS.get(o) != "risk"]
        if factor.opposes and factor.kind != "strength":
            raise KnowledgeError(f"{path}: factor {factor.id}: only a strength opposes risks")
        if wrong:
            raise KnowledgeError(f"{path}: factor {factor.id} opposes {', '.join(wrong)}, which are not risks of the contract")
        for other, floor in factor.yields_to.items():
            if other not in SPEC_FACTORS or other == factor.id:
                raise KnowledgeError(f"{path}: factor {factor.id} yields to {other}, which is not another factor of the contract")
            if not 0.0 < floor <= 1.0:
                raise KnowledgeError(f"{path}: factor {factor.id} yields to {other} below {floor}, which is not a probability in (0, 1]")
    missing = sorted(set(SPEC_FACTORS) - seen)
    if missing:
        raise KnowledgeError(f"{path}: factors missing from the taxonomy: {', '.join(missing)}")


@dataclass(frozen=True)
class Knowledge:
    """Everything extraction reads from the corpus, validated, with a version for each file."""

    taxonomy: Taxonomy
    status_rules: StatusRules
    dialogue: Dialogue
    caller_roles: CallerRoles
    parents_aware: ParentsAware
    child_voice: ChildVoice
    entities: Entities
    versions: dict[str, str]

    def kind_of(self, factor_id: str) -> str:
        return SPEC_FACTORS[factor_id]


FILES: dict[str, tuple[str, type[BaseModel]]] = {
    "taxonomy": ("taxonomy.yaml", Taxonomy),
    "status_rules": ("status_rules.yaml", StatusRules),
    "dialogue": ("dialogue.yaml", Dialogue),
    "caller_roles": ("caller_roles.yaml", CallerRoles),
    "parents_aware": ("parents_aware.yaml", ParentsAware),
    "child_voice": ("child_voice.yaml", ChildVoice),
    "entities": ("entities.yaml", Entities),
}


def load_knowledge(corpus_dir: Path) -> Knowledge:
    values: dict[str, Any] = {}
    versions: dict[str, str] = {}
    for key, (name, model) in FILES.items():
        path = corpus_dir / name
        value, digest = _load(path, model)
        declared = getattr(value, "version", "")
        versions[key] = f"{declared}+{digest}" if declared else digest
        values[key] = value
    _check_taxonomy(corpus_dir / "taxonomy.yaml", values["taxonomy"])
    return Knowledge(versions=versions, **values)
