"""Key questions a call has not yet answered.

The questions come from the guidance pages, one place for them: each factor page's "Key questions"
section, and the every-call page's. How a question is judged answered is data, in
``corpus/question_matching.yaml`` (practice leads own it; it is validated on load).

A question counts as answered when the transcript already covers it, in one of three ways, tried
cheapest first:

1. ``answered`` cues: the caller's words hold the answer (the caller volunteering that the child is
   at school, that mum knows about the call, a bruise's size or colour...). The worker's own words
   are not read for these: "I'll speak to the health visitor" answers nothing.
2. ``asked`` cues: a worker's question sentence asks it in other words and the caller then replied
   (the reply counts as the answer, even "don't know").
3. Similarity: a worker's question sentence is close to the key question, or to one of its
   ``asked_as`` wordings, under the encoder (threshold per encoder in the file).

Before all three, a question whose entry names a finding in ``answered_by`` is answered when the
draft holds that finding: ``child_voice`` (the child's own words, quoted by extraction) answers
"what has the child said" questions.

Only the worker's question sentences are ever encoded, and only when some question is left that the
cues did not settle; the key questions' vectors are computed once per process.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from assistant.guidance.documents import GuidanceDocument, bullet_items
from assistant.models import Encoder
from assistant.records import ChildVoice, Question, Transcript

MATCHING_FILE = "question_matching.yaml"
_SENTENCE = re.compile(r"(?<=[.?!])\s+")
_WORD = "[a-z0-9&]+"
GAP_WORDS = 4  # "..." in a cue stands for up to this many words
AnsweredBy = Literal["child_voice"]  # findings of the draft that can answer a key question


def normalise(text: str) -> str:
    """Lower case words separated by single spaces, apostrophes dropped ("you're" and ASR "youre" agree)."""
    text = text.lower().replace("\u2019", "").replace("'", "")
    return " ".join(re.findall(_WORD, text))


class QuestionMatchingError(ValueError):
    """The question matching file is missing or invalid; the message names the file and the entry."""


_CUE_TOKEN = re.compile(r"\s+|\.\.\.|[()|*]|[a-z0-9&]+\*?")


def compile_cue(cue: str) -> re.Pattern[str]:
    """A cue is words matched in the normalised call text (lower case, apostrophes dropped, hyphens
    as spaces). ``a b|c d`` is either phrase, ``(a|b) c`` either word then c, ``word*`` any word
    starting so, ``*`` any one word, ``...`` up to four words (and splits the cue: ``a|b ... c|d``
    is a or b, then c or d). Cues never match across turns. Raises ValueError for a cue that cannot
    be read."""
    text = cue.lower().replace("\u2019", "").replace("'", "").replace("-", " ")
    tokens = _CUE_TOKEN.findall(text)
    if "".join(tokens) != text:
        rest = _CUE_TOKEN.sub("", text).strip()
        raise ValueError(f"cue {cue!r}: cannot read {rest[:10]!r} (use words, a|b, (a|b), word*, * or ...)")
    toks = [t for t in tokens if not t.isspace()]
    words = 0

    def alternatives(i: int, inside: bool) -> tuple[str, int]:
        phrases = []
        while True:
            phrase, i = sequence(i, inside)
            phrases.append(phrase)
            if i < len(toks) and toks[i] == "|":
                i += 1
                continue
            return (phrases[0] if len(phrases) == 1 else f"(?:{'|'.join(phrases)})"), i

    def sequence(i: int, inside: bool) -> tuple[str, int]:
        nonlocal words
        items = []
        while i < len(toks) and toks[i] not in ("|", ")", "..."):
            tok = toks[i]
            if tok == "(":
                group, i = alternatives(i + 1, True)
                if i >= len(toks) or toks[i] != ")":
                    raise ValueError(f"cue {cue!r}: '(' without ')'")
                items.append(f"(?:{group})")
            elif tok == "*":
                items.append(_WORD)
            else:
                words += 1
                items.append(f"{re.escape(tok[:-1])}[a-z0-9&]*" if tok.endswith("*") else re.escape(tok))
            i += 1
        if not items:
            raise ValueError(f"cue {cue!r}: an empty alternative (check '|', '(' and '...')")
        if i < len(toks) and toks[i] == "..." and inside:
            raise ValueError(f"cue {cue!r}: '...' inside brackets")
        if i < len(toks) and toks[i] == ")" and not inside:
            raise ValueError(f"cue {cue!r}: ')' without '('")
        return " ".join(items), i

    segments = []
    i = 0
    while True:
        segment, i = alternatives(i, False)
        segments.append(segment)
        if i >= len(toks):
            break
        i += 1  # past "..."
    if not words:
        raise ValueError(f"cue {cue!r}: needs at least one word")
    gap = f"(?: {_WORD}){{0,{GAP_WORDS}}} "
    return re.compile(rf"(?<![a-z0-9&])(?:{gap.join(f'(?:{s})' for s in segments)})(?![a-z0-9&])")


def _check_cues(v: list[str]) -> list[str]:
    cleaned = [c.strip() for c in v]
    for cue in cleaned:
        compile_cue(cue)
    return cleaned


class QuestionCues(BaseModel):
    """How to tell that a call covered one key question."""

    model_config = ConfigDict(extra="forbid")
    question: str = Field(min_length=3, description="The start of the key question's text, as on its page.")
    answered: list[str] = Field(
        default_factory=list, description="Cues anywhere in the call showing it holds the answer."
    )
    asked: list[str] = Field(
        default_factory=list, description="Cues in a worker's question sentence showing the worker asked it."
    )
    asked_as: list[str] = Field(
        default_factory=list, description="Other wordings of the question, compared with worker questions by the encoder."
    )
    answered_by: list[AnsweredBy] = Field(
        default_factory=list,
        description="Findings of the draft that answer the question when it has any: child_voice (the child's own "
        "words, quoted).",
    )

    @field_validator("answered", "asked")
    @classmethod
    def _cues(cls, v: list[str]) -> list[str]:
        return _check_cues(v)

    @field_validator("asked_as")
    @classmethod
    def _wordings(cls, v: list[str]) -> list[str]:
        if any(not w.strip() for w in v):
            raise ValueError("empty wording")
        return [w.strip() for w in v]


class QuestionMatching(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: str
    every_call_page: str
    key_questions_section: str = "key-questions"
    suggest_for_statuses: list[str] = Field(default_factory=lambda: ["present", "possible"])
    question_openers: list[str] = Field(
        default_factory=list, description="A worker sentence starting so is a question even without '?'."
    )
    question_fillers: list[str] = Field(
        default_factory=list, description="Words skipped at the start of a sentence before looking for an opener."
    )
    thresholds: dict[str, float] = Field(
        description="Encoder name prefix -> cosine similarity between a worker question and a key question that means asked."
    )
    questions: list[QuestionCues] = Field(default_factory=list)

    @field_validator("question_openers", "question_fillers")
    @classmethod
    def _openers(cls, v: list[str]) -> list[str]:
        cleaned = [normalise(o) for o in v]
        if not all(cleaned):
            raise ValueError("empty opener")
        return cleaned

    def threshold_for(self, encoder_name: str) -> float:
        best = max((p for p in self.thresholds if encoder_name.startswith(p)), key=len, default=None)
        if best is None:
            raise QuestionMatchingError(
                f"{MATCHING_FILE}: no threshold for encoder '{encoder_name}'; add one under thresholds"
            )
        return self.thresholds[best]


def _entry_name(data: Any, loc: tuple[Any, ...]) -> str:
    """'questions[3] ("Does the family know...").answered[2]' for an error's location."""
    if len(loc) >= 2 and loc[0] == "questions" and isinstance(loc[1], int) and isinstance(data.get("questions"), list):
        entries = data["questions"]
        label = entries[loc[1]].get("question") if loc[1] < len(entries) and isinstance(entries[loc[1]], dict) else None
        rest = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc[2:])
        return f"questions[{loc[1]}] ({label!r}){rest}" if label else f"questions[{loc[1]}]{rest}"
    return ".".join(map(str, loc))


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
        problems = "; ".join(f"{_entry_name(data, tuple(e['loc']))}: {e['msg']}" for e in exc.errors())
        raise QuestionMatchingError(f"{path}: {problems}") from exc
    seen: dict[str, int] = {}
    for i, entry in enumerate(config.questions):
        key = entry.question.lower()
        if key in seen:
            raise QuestionMatchingError(
                f"{path}: questions[{i}] ({entry.question!r}) repeats questions[{seen[key]}]; merge the two entries"
            )
        seen[key] = i
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


@dataclass(frozen=True)
class CallText:
    """The call as the matcher reads it: what anyone but the worker said, each turn normalised, and the
    worker's question sentences that the caller replied to."""

    said: list[Unit]
    worker_questions: list[Unit]


def _opens_question(norm: str, openers: Sequence[str], fillers: Sequence[str]) -> bool:
    """Whether an unpunctuated sentence starts (after fillers such as "okay and") with a question opener."""
    text = f"{norm} "
    stripped = True
    while stripped:
        stripped = False
        for filler in fillers:
            if text.startswith(f"{filler} "):
                text, stripped = text[len(filler) + 1 :], True
    return any(text.startswith(f"{o} ") for o in openers)


def read_call(transcript: Transcript, openers: Sequence[str] = (), fillers: Sequence[str] = ()) -> CallText:
    turns = transcript.turns
    questions: list[Unit] = []
    for i, turn in enumerate(turns):
        if turn.speaker != "worker" or not any(t.speaker != "worker" for t in turns[i + 1 :]):
            continue
        for sentence in (s.strip() for s in _SENTENCE.split(turn.text)):
            norm = normalise(sentence)
            if len(norm) > 3 and (sentence.endswith("?") or _opens_question(norm, openers, fillers)):
                questions.append(Unit(i, sentence))
    said = [Unit(i, normalise(t.text)) for i, t in enumerate(turns) if t.speaker != "worker"]
    return CallText(said, questions)


def call_units(transcript: Transcript, config: QuestionMatching) -> list[Unit]:
    """The worker's question sentences that the caller replied to: all the encoder ever reads of a call."""
    return read_call(transcript, config.question_openers, config.question_fillers).worker_questions


How = Literal["child_voice", "answered", "asked", "similar"]


@dataclass(frozen=True)
class Match:
    question: KeyQuestion
    score: float  # best similarity of a worker question; -1 when the cues settled it and nothing was encoded
    turn: int | None  # the turn that settled it (or, unsettled, the closest worker question's turn)
    how: How | None  # what settled it, or None: then only the score against a threshold can
    evidence: str = ""  # the words that settled it: the matched cue text, or the worker's question

    @property
    def by_cue(self) -> bool:
        """Settled without the encoder: by a finding of the draft or by a cue."""
        return self.how in ("child_voice", "answered", "asked")

    def answered(self, threshold: float) -> bool:
        return self.by_cue or self.score >= threshold


def _find(patterns: Sequence[re.Pattern[str]], units: Sequence[Unit]) -> tuple[int, str] | None:
    """The first unit (in call order) any pattern matches: its turn and the matched words."""
    for unit in units:
        for pattern in patterns:
            found = pattern.search(unit.text)
            if found:
                return unit.turn, found.group(0)
    return None


@dataclass(frozen=True)
class _Compiled:
    answered: list[re.Pattern[str]]
    asked: list[re.Pattern[str]]
    wordings: np.ndarray  # the question's own text first, then its asked_as wordings (unit vectors)


class QuestionMatcher:
    """Decides which key questions a call already covered. Vectors of the questions and their other
    wordings are computed once, on first use."""

    def __init__(
        self, encoder: Encoder, questions: KeyQuestions, config: QuestionMatching, fixed: Encoder | None = None
    ) -> None:
        self.encoder = encoder  # for the call's own sentences
        self.fixed = fixed or encoder  # for the questions and their wordings (may keep vectors on disk)
        self.questions = questions
        self.config = config
        self.threshold = config.threshold_for(encoder.name)
        everything = questions.all()
        self._cues = {q: self._entry_for(q.text) for q in everything}
        self._compiled: dict[KeyQuestion, _Compiled] = {}
        self.unmatched_hints = [
            f"{MATCHING_FILE}: entry for '{c.question}' matches no key question"
            for c in config.questions
            if not any(self._cues[q] is c for q in everything)
        ]
        self._prepare(everything)

    def _entry_for(self, text: str) -> QuestionCues | None:
        """The entry with the longest question prefix of this text (so a longer, more exact entry wins)."""
        low = text.lower()
        fits = [c for c in self.config.questions if low.startswith(c.question.lower())]
        return max(fits, key=lambda c: len(c.question), default=None)

    def _prepare(self, questions: Sequence[KeyQuestion]) -> None:
        todo = [q for q in questions if q not in self._compiled]
        if not todo:
            return
        texts: list[str] = []
        spans = []
        for q in todo:
            entry = self._cues.get(q) or self._entry_for(q.text)
            self._cues[q] = entry
            wordings = [q.text, *(entry.asked_as if entry else [])]
            spans.append((len(texts), len(texts) + len(wordings)))
            texts.extend(wordings)
        vectors = self.fixed.encode(texts)
        for q, (a, b) in zip(todo, spans, strict=True):
            entry = self._cues[q]
            self._compiled[q] = _Compiled(
                [compile_cue(c) for c in entry.answered] if entry else [],
                [compile_cue(c) for c in entry.asked] if entry else [],
                vectors[a:b],
            )

    def candidates(self, statuses: Mapping[str, str]) -> list[KeyQuestion]:
        """The every-call questions, then each raised risk's questions (in the order given)."""
        out = list(self.questions.every_call)
        for factor, status in statuses.items():
            if status in self.config.suggest_for_statuses:
                out.extend(self.questions.by_factor.get(factor, []))
        return list(dict.fromkeys(out))

    def score(
        self,
        transcript: Transcript,
        questions: Sequence[KeyQuestion],
        *,
        child_voice: Sequence[ChildVoice] = (),
        always_encode: bool = False,
    ) -> list[Match]:
        """One Match per question. ``child_voice``: the child's words the draft quotes; they answer the
        questions whose entry has ``answered_by: [child_voice]``. Worker questions are encoded only
        when a question is left that nothing else settled (or ``always_encode``, for threshold sweeps)."""
        if not questions:
            return []
        self._prepare(questions)
        call = read_call(transcript, self.config.question_openers, self.config.question_fillers)
        asked = [Unit(u.turn, normalise(u.text)) for u in call.worker_questions]
        settled: list[Match | None] = []
        for q in questions:
            c = self._compiled[q]
            entry = self._cues.get(q)
            if child_voice and entry is not None and "child_voice" in entry.answered_by:
                first = child_voice[0]
                settled.append(Match(q, -1.0, first.turn, "child_voice", first.quote))
            elif said := _find(c.answered, call.said):
                settled.append(Match(q, -1.0, said[0], "answered", said[1]))
            elif found := _find(c.asked, asked):
                settled.append(Match(q, -1.0, found[0], "asked", found[1]))
            else:
                settled.append(None)
        # A worker question that an asked cue already explains is what it asked; only the others can
        # be a key question in other words, so only they are encoded.
        asked_patterns = [p for q in questions for p in self._compiled[q].asked]
        unexplained = [
            call.worker_questions[i] for i, u in enumerate(asked) if not any(p.search(u.text) for p in asked_patterns)
        ]
        sims: dict[int, tuple[float, int]] = {}
        if unexplained and (always_encode or any(m is None for m in settled)):
            vectors = self.encoder.encode([u.text for u in unexplained])
            for row, q in enumerate(questions):
                if always_encode or settled[row] is None:
                    per_unit = (self._compiled[q].wordings @ vectors.T).max(axis=0)
                    best = int(np.argmax(per_unit))
                    sims[row] = (float(per_unit[best]), best)
        matches = []
        for row, q in enumerate(questions):
            score, best = sims.get(row, (-1.0, -1))
            done = settled[row]
            if done is not None:
                matches.append(Match(q, score, done.turn, done.how, done.evidence))
            elif best >= 0:
                unit = unexplained[best]
                how: How | None = "similar" if score >= self.threshold else None
                matches.append(Match(q, score, unit.turn, how, unit.text))
            else:
                matches.append(Match(q, score, None, None))
        return matches

    def unanswered(
        self, transcript: Transcript, statuses: Mapping[str, str], child_voice: Sequence[ChildVoice] = ()
    ) -> list[Question]:
        matches = self.score(transcript, self.candidates(statuses), child_voice=child_voice)
        return [m.question.as_question() for m in matches if not m.answered(self.threshold)]
