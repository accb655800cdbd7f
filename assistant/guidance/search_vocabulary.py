"""How guidance search reads a worker's question: ``corpus/search_vocabulary.yaml``, owned by practice
leads and validated on load (a mistake names the file and the entry).

- ``abbreviations``: jargon ("strat", "s47", "HV") whose meaning is added to the query;
- ``intents``: phrases that say what kind of answer the worker wants ("what to ask" -> the "Key
  questions" sections);
- ``factor_examples``: the taxonomy file whose example sentences (what a caller says when a factor
  is present) and descriptions tell which factor a query is about; pages about that factor get
  ``ranking.factor`` (a query that only describes a situation rarely shares words with the page);
- ``ranking``: the weights of the re-ranking in :mod:`assistant.guidance.search` (``questions``: how much
  the questions a section answers, written in each page's front matter, lift that section).
"""

from __future__ import annotations

import hashlib
import logging
import re
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

from assistant.corpus_file import load_model, read_mapping, validate

log = logging.getLogger(__name__)

VOCABULARY_FILE = "search_vocabulary.yaml"
_WORDS = re.compile(r"[a-z0-9']+")


class VocabularyError(ValueError):
    """The search vocabulary file is invalid; the message names the file and the entry."""


def _phrase(text: str) -> str:
    return " ".join(_WORDS.findall(text.lower()))


class Intent(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = ""
    sections: list[str] = Field(min_length=1, description="Section anchors that answer this kind of question.")
    phrases: list[str] = Field(min_length=1)

    @field_validator("phrases")
    @classmethod
    def _clean(cls, v: list[str]) -> list[str]:
        cleaned = [_phrase(p) for p in v]
        if not all(cleaned):
            raise ValueError("empty phrase")
        return cleaned


class Ranking(BaseModel):
    model_config = ConfigDict(extra="forbid")
    candidates: int = Field(64, ge=1, description="Passages fetched from the vector index before re-ranking.")
    lexical_candidates: int = Field(32, ge=0, description="Best BM25 passages added to the candidates.")
    page_candidates: int = Field(0, ge=0, description="Every passage of this many best pages is re-ranked too.")
    lexical: float = Field(0.3, ge=0, description="Weight of BM25, scaled to the best match.")
    intent: float = Field(0.2, ge=0, description="Bonus of a section that answers the query's intent.")
    page: float = Field(0.3, ge=0, description="Weight of the page score (mean of its best passages).")
    page_passages: int = Field(2, ge=1, description="How many of a page's best passages make its page score.")
    factor: float = Field(0.0, ge=0, description="Weight of the query's likeness to the page's factor examples.")
    factor_neighbours: int = Field(3, ge=1, description="Examples of a factor averaged for its likeness.")
    questions: float = Field(
        0.0,
        ge=0,
        le=1,
        description="How far a passage's dense score rises towards its section's closest question "
        "(the page's section_questions): 0 ignores them, 1 takes the larger of the two.",
    )
    question_candidates: int = Field(
        0, ge=0, description="Passages of this many sections whose questions are closest join the candidates."
    )
    question_words: bool = Field(False, description="BM25 reads each passage with its section's questions.")
    intent_first: bool = Field(
        False,
        description="On each page in the results, a section that answers the query's intent comes before "
        "the page's other sections (the order of the pages is kept).",
    )


class Vocabulary(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: str
    abbreviations: dict[str, str] = Field(default_factory=dict)
    intents: list[Intent] = Field(default_factory=list)
    ranking: Ranking = Field(default_factory=Ranking)  # type: ignore[arg-type]
    factor_examples: str | None = Field(
        default=None, description="Taxonomy file (in the corpus folder) with factor examples."
    )
    # factor id -> its description and example sentences, read from ``factor_examples`` on load
    examples: dict[str, list[str]] = Field(default_factory=dict, exclude=True)

    @field_validator("abbreviations")
    @classmethod
    def _keys(cls, v: dict[str, str]) -> dict[str, str]:
        out = {}
        for key, meaning in v.items():
            if not str(key).strip() or not str(meaning).strip():
                raise ValueError(f"'{key}': abbreviation and meaning must both be given")
            out[str(key).lower().strip()] = str(meaning).strip()
        return out

    def expand(self, query: str) -> str:
        """The query with the meaning of each abbreviation in it appended."""
        words = _WORDS.findall(query.lower())
        extra = list(dict.fromkeys(self.abbreviations[w] for w in words if w in self.abbreviations))
        return f"{query} ({'; '.join(extra)})" if extra else query

    def intent_sections(self, query: str) -> set[str]:
        """Anchors of the sections that answer the kinds of question the query's phrases ask."""
        padded = f" {_phrase(query)} "
        sections: set[str] = set()
        for intent in self.intents:
            if any(f" {p} " in padded for p in intent.phrases):
                sections.update(intent.sections)
        return sections

    def section_bonus(self, query: str) -> dict[str, float]:
        """Anchor -> bonus of the sections that answer the query's intent."""
        return dict.fromkeys(self.intent_sections(query), self.ranking.intent)


def load_vocabulary(corpus_dir: Path) -> tuple[Vocabulary, str]:
    """The vocabulary and its version; a missing file means plain dense search with default weights."""
    path = corpus_dir / VOCABULARY_FILE
    if not path.exists():
        return Vocabulary(version="none"), "none"
    data, file_hash = read_mapping(path, VocabularyError)
    if "examples" in data:
        raise VocabularyError(f"{path}: examples: read from the factor_examples file, not written here")
    vocabulary = validate(Vocabulary, data, path, VocabularyError)
    digest = hashlib.sha256(file_hash.encode())
    suffix = ""
    if vocabulary.factor_examples:
        examples_path = corpus_dir / vocabulary.factor_examples
        if examples_path.exists():
            examples_hash, vocabulary.examples = _factor_examples(path, examples_path)
            digest.update(examples_hash.encode())
        else:  # a corpus folder without the taxonomy (a bare test corpus): search works, unrouted
            log.warning("%s: factor_examples file %s is missing; pages are not routed by factor", path, examples_path)
            suffix = "+no-factor-examples"
    return vocabulary, f"{vocabulary.version}+{digest.hexdigest()[:12]}{suffix}"


def _factor_examples(vocabulary_path: Path, path: Path) -> tuple[str, dict[str, list[str]]]:
    """The taxonomy file's hash and, per factor, its description and example sentences."""
    from assistant.knowledge import Taxonomy

    try:
        taxonomy, file_hash = load_model(path, Taxonomy, VocabularyError)
    except VocabularyError as exc:
        raise VocabularyError(f"{vocabulary_path}: factor_examples: {exc}") from exc
    return file_hash, {f.id: [f.description, *f.examples] for f in taxonomy.factors}
