"""The domain vocabulary for transcription (``corpus/vocabulary.yaml``), validated."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

VOCABULARY_FILE = "vocabulary.yaml"


class VocabularyFileError(ValueError):
    """corpus/vocabulary.yaml is missing or invalid; the message names the file and the problem."""


class Vocabulary(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: str
    terms: list[str] = Field(min_length=1)
    places: list[str] = Field(default_factory=list)

    @field_validator("terms", "places")
    @classmethod
    def _clean(cls, values: list[str]) -> list[str]:
        cleaned = [" ".join(str(v).split()) for v in values]
        if any(not v for v in cleaned):
            raise ValueError("empty entry")
        return cleaned

    def hotwords(self) -> str:
        """The hint text given to Whisper: every term and place, comma separated."""
        return ", ".join([*self.terms, *self.places])


def load_vocabulary(corpus_dir: Path) -> Vocabulary:
    path = corpus_dir / VOCABULARY_FILE
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise VocabularyFileError(f"{path} does not exist (FRONTDOOR_CORPUS_DIR points at the wrong folder?)") from exc
    except yaml.YAMLError as exc:
        raise VocabularyFileError(f"{path} is not valid YAML: {exc}") from exc
    try:
        return Vocabulary.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise VocabularyFileError(f"{path}: {problems}") from exc
