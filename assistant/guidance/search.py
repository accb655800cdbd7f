"""Hybrid search over the guidance index: dense candidates from chromadb, re-ranked with BM25, the
query's intent and the page each passage is on.

Only the query is read with ``corpus/search_vocabulary.yaml`` (see
:mod:`assistant.guidance.search_vocabulary`); the passages are indexed as written.

1. Candidates: the ``candidates`` nearest passages in chromadb, the ``lexical_candidates`` best BM25
   passages, then every passage of the ``page_candidates`` best pages (so a page that is found
   brings all its sections into the ranking, not only the one that resembles the query most).
2. Passage score = cosine(query, passage) + lexical * BM25 (scaled to the best match)
   + intent (when the section answers the kind of question asked)
   + page * (mean of the page's ``page_passages`` best passage scores
             + factor * how much more the query resembles the page's factor's example sentences than
               the average factor's; pages about no factor get 0).
3. Each section is represented by its best passage; sections are returned best first.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from assistant.guidance.index import GuidanceIndex, Hit
from assistant.guidance.lexical import LexicalIndex
from assistant.guidance.search_vocabulary import (
    VOCABULARY_FILE,
    Intent,
    Ranking,
    Vocabulary,
    VocabularyError,
    load_vocabulary,
)
from assistant.models import Encoder

__all__ = [
    "VOCABULARY_FILE",
    "HybridSearcher",
    "Intent",
    "LexicalIndex",
    "Ranking",
    "Vocabulary",
    "VocabularyError",
    "load_vocabulary",
]


class FactorExamples:
    """Each factor's example sentences as vectors, to tell which factor a query is about."""

    _cache: dict[tuple[str, str], FactorExamples] = {}

    def __init__(self, names: list[str], vectors: np.ndarray, owner: np.ndarray) -> None:
        self.names = names
        self.vectors = vectors
        self.owner = owner  # row -> index into names

    @classmethod
    def encode(cls, encoder: Encoder, examples: dict[str, list[str]]) -> FactorExamples:
        """Encoded once per process for each encoder and set of examples."""
        key = (encoder.name, repr(sorted(examples.items())))
        if key not in cls._cache:
            names = list(examples)
            texts = [t for n in names for t in examples[n]]
            owner = np.array([i for i, n in enumerate(names) for _ in examples[n]], dtype=np.int64)
            vectors = encoder.encode(texts) if texts else np.zeros((0, encoder.dim), dtype=np.float32)
            cls._cache[key] = cls(names, vectors, owner)
        return cls._cache[key]

    def likeness(self, vector: np.ndarray, neighbours: int) -> dict[str, float]:
        """Factor -> mean cosine of its ``neighbours`` closest examples to the query, minus the mean
        over all factors (so only a factor the query resembles more than the others scores above 0)."""
        if not self.names:
            return {}
        sims = self.vectors @ vector
        best = np.array([np.sort(sims[self.owner == i])[-neighbours:].mean() for i in range(len(self.names))])
        return dict(zip(self.names, (best - best.mean()).tolist(), strict=True))


class HybridSearcher:
    """Holds every passage, its vector and BM25 postings in memory. Rebuild after the index changes."""

    def __init__(self, index: GuidanceIndex, vocabulary: Vocabulary) -> None:
        self.index = index
        self.vocabulary = vocabulary
        got = index.store.get(include=["documents", "metadatas", "embeddings"])
        self.ids: list[str] = list(got["ids"])
        self.texts: list[str] = list(got["documents"])
        self.metas = list(got["metadatas"])
        dim = index.encoder.dim
        self.vectors = np.asarray(got["embeddings"], dtype=np.float32).reshape(len(self.ids), dim)
        self.row = {chunk_id: row for row, chunk_id in enumerate(self.ids)}
        self.doc_of = np.array([str(m["doc_id"]) for m in self.metas], dtype=object)
        self.slug_of = np.array([str(m["slug"]) for m in self.metas], dtype=object)
        rows_of: dict[str, list[int]] = {}
        for row, doc in enumerate(self.doc_of.tolist()):
            rows_of.setdefault(doc, []).append(row)
        self.doc_rows = {doc: np.array(rows, dtype=np.int64) for doc, rows in rows_of.items()}
        self.lexical = LexicalIndex(self.ids, self.texts)
        self.factors = FactorExamples.encode(index.encoder, vocabulary.examples)
        self.page_factors: dict[str, list[str]] = {}
        for meta in self.metas:
            listed = str(meta.get("factors", ""))
            self.page_factors[str(meta["doc_id"])] = [f for f in listed.split(",") if f in self.factors.names]

    def _hit(self, row: int, score: float) -> Hit:
        meta = self.metas[row]
        return Hit(
            doc_id=str(meta["doc_id"]),
            title=str(meta["title"]),
            heading=str(meta["heading"]),
            slug=str(meta["slug"]),
            text=self.texts[row],
            score=round(score, 4),
            chunk_id=self.ids[row],
        )

    def _scores(self, rows: np.ndarray, vector: np.ndarray, lexical: np.ndarray, bonus: dict[str, float]) -> np.ndarray:
        """Passage scores before the page score."""
        ranking = self.vocabulary.ranking
        section = np.array([bonus.get(s, 0.0) for s in self.slug_of[rows]], dtype=np.float64)
        return self.vectors[rows] @ vector + ranking.lexical * lexical[rows] + section

    def _page_scores(self, rows: np.ndarray, scores: np.ndarray, factor: dict[str, float]) -> dict[str, float]:
        ranking = self.vocabulary.ranking
        per_page: dict[str, list[float]] = {}
        for doc, score in zip(self.doc_of[rows], scores, strict=True):
            per_page.setdefault(doc, []).append(float(score))
        return {
            doc: sum(sorted(s, reverse=True)[: ranking.page_passages]) / min(len(s), ranking.page_passages)
            + ranking.factor * max((factor.get(f, 0.0) for f in self.page_factors.get(doc, [])), default=0.0)
            for doc, s in per_page.items()
        }

    def candidate_rows(self, vector: np.ndarray, lexical: np.ndarray) -> np.ndarray:
        """Rows of the dense and lexical candidates."""
        ranking = self.vocabulary.ranking
        n = min(ranking.candidates, len(self.ids))
        rows = {self.row[i] for i, _ in self.index.nearest(vector, n) if i in self.row}
        top = min(ranking.lexical_candidates, len(lexical))
        if top and float(lexical.max()) > 0:
            best: Sequence[int] = np.argpartition(-lexical, top - 1)[:top].tolist()
            rows.update(r for r in best if lexical[r] > 0)
        return np.array(sorted(rows), dtype=np.int64)

    def search(self, query: str, k: int = 5) -> list[Hit]:
        if k <= 0 or not self.ids:
            return []
        ranking = self.vocabulary.ranking
        expanded = self.vocabulary.expand(query)
        vector = self.index.encoder.encode([expanded])[0].astype(np.float32)
        lexical = self.lexical.scores(expanded)
        best_lexical = float(lexical.max())
        if best_lexical > 0:
            lexical = lexical / best_lexical
        bonus = self.vocabulary.section_bonus(query)
        factor = self.factors.likeness(vector, ranking.factor_neighbours) if ranking.factor else {}
        rows = self.candidate_rows(vector, lexical)
        scores = self._scores(rows, vector, lexical, bonus)
        if ranking.page_candidates:
            pages = self._page_scores(rows, scores, factor)
            best_pages = sorted(pages, key=lambda d: -pages[d])[: ranking.page_candidates]
            extra = np.setdiff1d(np.concatenate([self.doc_rows[d] for d in best_pages]), rows)
            if len(extra):
                rows = np.concatenate([rows, extra])
                scores = np.concatenate([scores, self._scores(extra, vector, lexical, bonus)])
        pages = self._page_scores(rows, scores, factor)
        final = scores + ranking.page * np.array([pages[d] for d in self.doc_of[rows]])
        hits: list[Hit] = []
        seen: set[str] = set()
        for i in np.argsort(-final, kind="stable"):
            row = int(rows[i])
            cite = f"{self.doc_of[row]}#{self.slug_of[row]}"
            if cite in seen:
                continue
            seen.add(cite)
            hits.append(self._hit(row, float(final[i])))
            if len(hits) == k:
                break
        return hits
