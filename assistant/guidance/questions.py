"""Key questions a call has not yet answered.

The questions come from the guidance pages, one place for them: each factor page's "Key questions"
section, and the every-call page's. How a question is judged answered (encoder thresholds, keyword
hints) is in ``corpus/question_matching.yaml``.

A question counts as answered when the transcript already covers it: the worker asked it (in any
words) or the caller said what it asks. Each question is compared with every sentence of the call and
with every worker question joined to the caller's reply; the best cosine similarity against the
encoder's threshold decides, and a keyword hint from the matching file can mark it answered too.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from assistant.guidance.documents import GuidanceDocument, bullet_items
from assistant.models import Encoder
from assistant.records import Question, Transcript

MATCHING_FILE = "question_matching.yaml"
_SENTENCE = re.compile(r"(?<=[.?!])\s+")


def normalise(text: str) -> str:
    """Lower case words separated by single spaces, apostrophes dropped ("you're" and ASR "youre" agree)."""
    text = text.lower().replace("\u2019", "").replace("'", "")
    return " ".join(re.findall(r"[a-z0-9&]+", text))


class QuestionMatchingError(ValueError):
    """The question matching file is missing or invalid; the message names the file and the entry."""


class Hint(BaseModel):
    model_config = ConfigDict(extra="forbid")
    question: str = Field(description="The start of the key question's text, as on its page.")
    phrases: list[str] = Field(min_length=1, description="Any of these in the call shows the question was answered.")

    @field_validator("phrases")
    @classmethod
    def _clean(cls, v: list[str]) -> list[str]:
        cleaned = [normalise(p) for p in v]
        if not all(cleaned):
            raise ValueError("empty phrase")
        return cleaned


class QuestionMatching(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: str
    every_call_page: str
    key_questions_section: str = "key-questions"
    suggest_for_statuses: list[str] = Field(default_factory=lambda: ["present", "possible"])
    thresholds: dict[str, float] = Field(description="Encoder name prefix -> cosine similarity that means answered.")
    hints: list[Hint] = Field(default_factory=list)

    def threshold_for(self, encoder_name: str) -> float:
        best = max((p for p in self.thresholds if encoder_name.startswith(p)), key=len, default=None)
        if best is None:
            raise QuestionMatchingError(
                f"{MATCHING_FILE}: no threshold for encoder '{encoder_name}'; add one under thresholds"
            )
        return self.thresholds[best]


def load_question_matching(corpus_dir: Path) -> tuple[QuestionMatching, str]:
    path = corpus_dir / MATCHING_FILE
    try:
        raw = path.read_bytes()
        data: Any = yaml.safe_load(raw.decode("utf-8"))
    except FileNotFoundError as exc:
        raise QuestionMatchingError(f"{path}: file is missing") from exc
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise QuestionMatchingError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise QuestionMatchingError(f"{path}: expected a mapping at the top level")
    try:
        config = QuestionMatching.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise QuestionMatchingError(f"{path}: {problems}") from exc
    return config, f"{config.version}+{hashlib.sha256(raw).hexdigest()[:12]}"


@dataclass(frozen=True)
class KeyQuestion:
    text: str
    factor: str | None
    source: str

    def as_question(self) -> Question:
        return Question(text=self.text, factor=self.factor, source=self.source)


@dataclass(frozen=True)
class KeyQuestions:
    by_factor: dict[str, list[KeyQuestion]]
    every_call: list[KeyQuestion]

    def all(self) -> list[KeyQuestion]:
        return [*self.every_call, *(q for qs in self.by_factor.values() for q in qs)]


def collect_key_questions(docs: Iterable[GuidanceDocument], config: QuestionMatching) -> tuple[KeyQuestions, list[str]]:
    """Key questions of every factor page and of the every-call page, plus warnings about pages
    that should have them and do not."""
    by_factor: dict[str, list[KeyQuestion]] = {}
    every_call: list[KeyQuestion] = []
    warnings: list[str] = []
    slug = config.key_questions_section
    found_every_call = False
    for doc in docs:
        section = doc.section(slug)
        items = bullet_items(section.text) if section else []
        if doc.id == config.every_call_page:
            found_every_call = True
            every_call = [KeyQuestion(q, None, doc.cite(slug)) for q in items]
            if not items:
                warnings.append(f"{doc.path}: the every-call page has no '{slug}' bullet list")
            continue
        if len(doc.factors) == 1:
            if not items:
                warnings.append(f"{doc.path}: factor page has no '{slug}' bullet list")
                continue
            factor = doc.factors[0]
            if factor in by_factor:
                warnings.append(f"{doc.path}: another page already gives key questions for {factor}; kept the first")
                continue
            by_factor[factor] = [KeyQuestion(q, factor, doc.cite(slug)) for q in items]
    if not found_every_call:
        warnings.append(f"the every-call page '{config.every_call_page}' is not in the corpus")
    return KeyQuestions(by_factor, every_call), warnings


@dataclass(frozen=True)
class Unit:
    """A stretch of the call a question is compared with."""

    turn: int
    text: str


def call_units(transcript: Transcript) -> list[Unit]:
    """Every sentence of every turn, and every worker question joined to the caller's next turn."""
    units: list[Unit] = []
    turns = transcript.turns
    for i, turn in enumerate(turns):
        sentences = [s.strip() for s in _SENTENCE.split(turn.text) if len(s.strip()) > 3]
        units.extend(Unit(i, s) for s in sentences)
        if turn.speaker == "worker" and "?" in turn.text and i + 1 < len(turns) and turns[i + 1].speaker != "worker":
            asked = " ".join(s for s in sentences if s.endswith("?"))
            units.append(Unit(i, f"{asked} {turns[i + 1].text}"))
    return units


@dataclass(frozen=True)
class Match:
    question: KeyQuestion
    score: float
    turn: int | None
    by_hint: bool

    def answered(self, threshold: float) -> bool:
        return self.by_hint or self.score >= threshold


class QuestionMatcher:
    """Scores how well a call already answers each key question. Question vectors are computed once."""

    def __init__(self, encoder: Encoder, questions: KeyQuestions, config: QuestionMatching) -> None:
        self.encoder = encoder
        self.questions = questions
        self.config = config
        self.threshold = config.threshold_for(encoder.name)
        everything = questions.all()
        vectors = encoder.encode([q.text for q in everything]) if everything else np.zeros((0, encoder.dim))
        self._vectors = {q: vectors[i] for i, q in enumerate(everything)}
        self._hints = [(h.question.lower(), h.phrases) for h in config.hints]
        self.unmatched_hints = [
            f"{MATCHING_FILE}: hint for '{h.question}' matches no key question"
            for h in config.hints
            if not any(q.text.lower().startswith(h.question.lower()) for q in everything)
        ]

    def candidates(self, statuses: Mapping[str, str]) -> list[KeyQuestion]:
        """The every-call questions, then each raised risk's questions (in the order given)."""
        out = list(self.questions.every_call)
        for factor, status in statuses.items():
            if status in self.config.suggest_for_statuses:
                out.extend(self.questions.by_factor.get(factor, []))
        return list(dict.fromkeys(out))

    def score(self, transcript: Transcript, questions: Sequence[KeyQuestion]) -> list[Match]:
        if not questions:
            return []
        units = call_units(transcript)
        text = f" {' '.join(normalise(t.text) for t in transcript.turns)} "
        if units:
            unit_vectors = self.encoder.encode([u.text for u in units])
            question_vectors = np.stack([self._vector(q) for q in questions])
            sims = question_vectors @ unit_vectors.T
        matches = []
        for row, q in enumerate(questions):
            best = int(np.argmax(sims[row])) if units else -1
            score = float(sims[row, best]) if units else 0.0
            hinted = any(
                q.text.lower().startswith(prefix) and any(f" {p} " in text for p in phrases)
                for prefix, phrases in self._hints
            )
            matches.append(Match(q, score, units[best].turn if units else None, hinted))
        return matches

    def _vector(self, q: KeyQuestion) -> np.ndarray:
        if q not in self._vectors:
            self._vectors[q] = self.encoder.encode([q.text])[0]
        return self._vectors[q]

    def unanswered(self, transcript: Transcript, statuses: Mapping[str, str]) -> list[Question]:
        matches = self.score(transcript, self.candidates(statuses))
        return [m.question.as_question() for m in matches if not m.answered(self.threshold)]
