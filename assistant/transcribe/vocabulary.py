"""The domain vocabulary for transcription (``corpus/vocabulary.yaml``), validated."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

from assistant.corpus_file import load_model

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
    return load_model(corpus_dir / VOCABULARY_FILE, Vocabulary, VocabularyFileError)[0]