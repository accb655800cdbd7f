"""Hybrid search over the guidance index: dense vectors from chromadb, re-ranked with BM25 and the
query's intent.

Query handling (never the stored chunks' embeddings) reads ``corpus/search_vocabulary.yaml``:
- abbreviations and jargon ("strat", "s47", "HV") add their meaning to the query;
- intent phrases ("what to ask", "what pathway") favour the sections that answer that kind of question;
- the ranking weights.

Score of a passage = cosine(query, passage) + lexical * BM25 (scaled to the best match)
+ intent * [section answers the query's intent] + page * (mean of the page's two best passages).
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from assistant.guidance.index import GuidanceIndex, Hit

VOCABULARY_FILE = "search_vocabulary.yaml"
_TOKEN = re.compile(r"[a-z0-9]+")
_WORDS = re.compile(r"[a-z0-9']+")


class VocabularyError(ValueError):
    """The search vocabulary file is invalid; the message names the file and the entry."""


class Intent(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sections: list[str] = Field(min_length=1, description="Section anchors that answer this kind of question.")
    phrases: list[str] = Field(min_length=1)

    @field_validator("phrases")
    @classmethod
    def _clean(cls, v: list[str]) -> list[str]:
        cleaned = [" ".join(_WORDS.findall(p.lower())) for p in v]
        if not all(cleaned):
            raise ValueError("empty phrase")
        return cleaned


class Ranking(BaseModel):
    model_config = ConfigDict(extra="forbid")
    candidates: int = Field(64, ge=1, description="Passages fetched from the vector index before re-ranking.")
    lexical_candidates: int = Field(32, ge=0, description="Best BM25 passages added to the candidates.")
    lexical: float = Field(0.3, ge=0)
    intent: float = Field(0.2, ge=0)
    page: float = Field(0.3, ge=0)


class Vocabulary(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: str
    abbreviations: dict[str, str] = Field(default_factory=dict)
    intents: list[Intent] = Field(default_factory=list)
    ranking: Ranking = Field(default_factory=Ranking)  # type: ignore[arg-type]

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
        padded = f" {' '.join(_WORDS.findall(query.lower()))} "
        sections: set[str] = set()
        for intent in self.intents:
            if any(f" {p} " in padded for p in intent.phrases):
                sections.update(intent.sections)
        return sections


def load_vocabulary(corpus_dir: Path) -> tuple[Vocabulary, str]:
    """The vocabulary and its version; a missing file means plain dense search with default weights."""
    path = corpus_dir / VOCABULARY_FILE
    if not path.exists():
        return Vocabulary(version="none"), "none"
    raw = path.read_bytes()
    try:
        data: Any = yaml.safe_load(raw.decode("utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise VocabularyError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise VocabularyError(f"{path}: expected a mapping at the top level")
    try:
        vocabulary = Vocabulary.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise VocabularyError(f"{path}: {problems}") from exc
    return vocabulary, f"{vocabulary.version}+{hashlib.sha256(raw).hexdigest()[:12]}"


class LexicalIndex:
    """BM25 over the indexed passages, kept in memory as postings (numpy arrays per term)."""

    def __init__(self, ids: Sequence[str], texts: Sequence[str], k1: float = 1.2, b: float = 0.75) -> None:
        self.ids = list(ids)
        tokens = [_TOKEN.findall(t.lower()) for t in texts]
        n = max(len(tokens), 1)
        lengths = np.array([len(t) for t in tokens], dtype=np.float64)
        avg = float(lengths.mean()) if len(tokens) else 1.0
        postings: dict[str, tuple[list[int], list[int]]] = {}
        for row, toks in enumerate(tokens):
            for term, count in Counter(toks).items():
                rows, counts = postings.setdefault(term, ([], []))
                rows.append(row)
                counts.append(count)
        self.postings: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for term, (rows, counts) in postings.items():
            row_arr = np.array(rows, dtype=np.int64)
            tf = np.array(counts, dtype=np.float64)
            idf = np.log(1.0 + (n - len(rows) + 0.5) / (len(rows) + 0.5))
            norm = k1 * (1 - b + b * lengths[row_arr] / max(avg, 1e-9))
            self.postings[term] = (row_arr, idf * tf * (k1 + 1) / (tf + norm))

    def scores(self, query: str) -> np.ndarray:
        out = np.zeros(len(self.ids))
        for term in set(_TOKEN.findall(query.lower())):
            found = self.postings.get(term)
            if found is not None:
                out[found[0]] += found[1]
        return out


@dataclass
class _Candidate:
    hit: Hit
    dense: float
    lexical: float = 0.0


class HybridSearcher:
    """Dense candidates from the vector index, re-ranked. Rebuild after the index changes."""

    def __init__(self, index: GuidanceIndex, vocabulary: Vocabulary) -> None:
        self.index = index
        self.vocabulary = vocabulary
        got = index.store.get(include=["documents", "metadatas"])
        self._meta = {i: (d, m) for i, d, m in zip(got["ids"], got["documents"], got["metadatas"], strict=True)}
        self.lexical = LexicalIndex(got["ids"], got["documents"])
        self._row = {chunk_id: row for row, chunk_id in enumerate(self.lexical.ids)}

    def _hit(self, chunk_id: str, score: float) -> Hit:
        text, meta = self._meta[chunk_id]
        return Hit(
            doc_id=str(meta["doc_id"]),
            title=str(meta["title"]),
            heading=str(meta["heading"]),
            slug=str(meta["slug"]),
            text=text,
            score=score,
            chunk_id=chunk_id,
        )

    def search(self, query: str, k: int = 5) -> list[Hit]:
        if k <= 0 or not self._meta:
            return []
        ranking = self.vocabulary.ranking
        expanded = self.vocabulary.expand(query)
        vector = self.index.encoder.encode([expanded])[0]
        dense_hits = self.index.search_vector(
            vector, min(ranking.candidates, len(self._meta)), distinct_sections=False, known_count=len(self._meta)
        )
        candidates = {h.chunk_id: _Candidate(h, h.score) for h in dense_hits}
        lexical = self.lexical.scores(expanded)
        best_lexical = float(lexical.max()) if len(lexical) else 0.0
        if best_lexical > 0:
            floor = min((c.dense for c in candidates.values()), default=0.0)
            top = min(ranking.lexical_candidates, len(lexical))
            best_rows: Sequence[int] = np.argpartition(-lexical, top - 1)[:top].tolist() if top else []
            for row in best_rows:
                chunk_id = self.lexical.ids[row]
                if lexical[row] > 0 and chunk_id not in candidates and chunk_id in self._meta:
                    candidates[chunk_id] = _Candidate(self._hit(chunk_id, floor), floor)
            for cid, cand in candidates.items():
                found = self._row.get(cid)
                cand.lexical = float(lexical[found]) / best_lexical if found is not None else 0.0
        intent = self.vocabulary.intent_sections(query)
        base = {
            cid: c.dense + ranking.lexical * c.lexical + (ranking.intent if c.hit.slug in intent else 0.0)
            for cid, c in candidates.items()
        }
        per_page: dict[str, list[float]] = {}
        for cid, score in base.items():
            per_page.setdefault(candidates[cid].hit.doc_id, []).append(score)
        page_score = {p: float(np.mean(sorted(s, reverse=True)[:2])) for p, s in per_page.items()}
        final = {cid: s + ranking.page * page_score[candidates[cid].hit.doc_id] for cid, s in base.items()}
        hits: list[Hit] = []
        seen: set[str] = set()
        for cid in sorted(final, key=lambda c: -final[c]):
            hit = candidates[cid].hit
            if hit.cite in seen:
                continue
            seen.add(hit.cite)
            hits.append(Hit(hit.doc_id, hit.title, hit.heading, hit.slug, hit.text, round(final[cid], 4), cid))
            if len(hits) == k:
                break
        return hits
