"""Which of two voices is the social worker, from what they say (rules in corpus/speaker_roles.yaml)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

from assistant.corpus_file import load_model

ROLES_FILE = "speaker_roles.yaml"
_WORDS = re.compile(r"[a-z0-9']+")
_SENTENCES = re.compile(r"[^.?!]+[.?!]?")


class RolesFileError(ValueError):
    """corpus/speaker_roles.yaml is missing or invalid; the message names the file and the problem."""


def _normalise(text: str) -> str:
    return " ".join(_WORDS.findall(text.lower().replace("’", "'")))


@lru_cache(maxsize=256)
def _phrase_pattern(phrase: str) -> re.Pattern[str]:
    """A greeting phrase as a pattern on normalised text; `*` stands for any one word (a name)."""
    words = [r"\S+" if word == "*" else re.escape(word) for word in phrase.split()]
    return re.compile(" " + " ".join(words) + " ")


class RoleHints(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: str
    greeting_window: float = Field(20.0, gt=0)
    greetings: list[str] = Field(min_length=1)
    question_openers: list[str] = Field(default_factory=list)

    @field_validator("greetings", "question_openers")
    @classmethod
    def _clean(cls, values: list[str]) -> list[str]:
        cleaned = [" ".join("*" if w == "*" else _normalise(w) for w in str(v).split()) for v in values]
        if any(not v for v in cleaned):
            raise ValueError("empty phrase")
        return cleaned

    def greets(self, text: str) -> bool:
        padded = f" {_normalise(text)} "
        return any(_phrase_pattern(phrase).search(padded) for phrase in self.greetings)

    def questions(self, text: str) -> float:
        """Questions in a text: a sentence ending in '?' counts 1; one opening with a question word but
        without a question mark counts 0.25 (Whisper usually punctuates questions)."""
        score = 0.0
        for sentence in _SENTENCES.findall(text):
            words = _normalise(sentence).split()
            if not words:
                continue
            if sentence.rstrip().endswith("?"):
                score += 1.0
            elif words[0] in self.question_openers:
                score += 0.25
        return score


def load_role_hints(corpus_dir: Path) -> RoleHints:
    return load_model(corpus_dir / ROLES_FILE, RoleHints, RolesFileError)[0]


@dataclass(frozen=True)
class RoleDecision:
    worker_voice: int | None  # None: no voice could be named the worker (one voice, no greeting)
    method: str
    scores: dict[int, float]

    def to_dict(self) -> dict[str, object]:
        return {"worker_voice": self.worker_voice, "method": self.method, "question_scores": self.scores}


def decide_roles(stretches: list[tuple[int, float, str]], voices: int, hints: RoleHints) -> RoleDecision:
    """Which voice is the worker, from (voice, start seconds, text) stretches in time order."""
    if not stretches:
        return RoleDecision(None, "no_speech", {})
    turns: list[tuple[int, float, str]] = []
    for voice, start, text in stretches:
        if turns and turns[-1][0] == voice:
            turns[-1] = (voice, turns[-1][1], f"{turns[-1][2]} {text}")
        else:
            turns.append((voice, start, text))
    opening = turns[0][1]
    first_turns: dict[int, tuple[float, str]] = {}
    for voice, start, text in turns:
        first_turns.setdefault(voice, (start, text))
    greeters = [
        voice
        for voice, (start, text) in sorted(first_turns.items(), key=lambda item: item[1][0])
        if start - opening <= hints.greeting_window and hints.greets(text)
    ]
    scores = {v: 0.0 for v in range(voices)}
    for voice, _start, text in stretches:
        scores[voice] = scores.get(voice, 0.0) + hints.questions(text)
    if greeters:
        return RoleDecision(greeters[0], "greeting", scores)
    if voices < 2:
        return RoleDecision(None, "one_voice", scores)
    ranked = sorted(scores.items(), key=lambda item: -item[1])
    if ranked[0][1] > ranked[1][1]:
        return RoleDecision(ranked[0][0], "questions", scores)
    return RoleDecision(stretches[0][0], "first_speaker", scores)
