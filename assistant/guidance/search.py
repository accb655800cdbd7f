"""Hybrid search over the guidance index: dense candidates from chromadb, re-ranked with BM25, the
query's intent and the page each passage is on.

Only the query is read with ``corpus/search_vocabulary.yaml`` (see
:mod:`assistant.guidance.search_vocabulary`); the passages are indexed as written.

1. Candidates: the ``candidates`` nearest entries in chromadb (a section question found there
   brings its section's passages), the ``lexical_candidates`` best BM25 passages, then every
   passage of the ``page_candidates`` best pages (so a page that is found brings all its sections
   into the ranking, not only the one that resembles the query most).
   With ``questions``, the passages of the ``question_candidates`` sections whose questions (the
   page's ``section_questions``) are closest to the query join too.
2. Dense score = cosine(query, passage), raised by ``questions`` * how much the closest of its
   section's questions is closer still (1: the larger of the two; 0: questions ignored).
   Passage score = dense score + lexical * BM25 (scaled to the best match; with
   ``question_words``, BM25 reads each passage with its section's questions)
   + intent (when the section answers the kind of question asked)
   + page * (mean of the page's ``page_passages`` best passage scores
             + factor * how much more the query resembles the page's factor's example sentences than
               the average factor's; pages about no factor get 0).
3. Each section is represented by its best passage; sections are returned best first, except that
   with ``intent_first`` the best section of each page that answers the query's intent takes that
   page's first place (the order of the pages is kept): the page decides where, the intent which section.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from assistant.guidance.chunking import QUESTION
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

    def __init__(self, index: GuidanceIndex, vocabulary: Vocabulary, fixed: Encoder | None = None) -> None:
        """``fixed`` encodes the corpus's own texts (the factors' examples), e.g. a StoredVectors that
        keeps them on disk; by default the index's encoder."""
        self.index = index
        self.vocabulary = vocabulary
        got = index.store.get(include=["documents", "metadatas", "embeddings"])
        dim = index.encoder.dim
        every = np.asarray(got["embeddings"], dtype=np.float32).reshape(len(got["ids"]), dim)
        is_question = np.array([m.get("kind") == QUESTION for m in got["metadatas"]], dtype=bool)
        passage = np.flatnonzero(~is_question)
        question = np.flatnonzero(is_question)
        self.ids: list[str] = [got["ids"][i] for i in passage]
        self.texts: list[str] = [got["documents"][i] for i in passage]
        self.metas = [got["metadatas"][i] for i in passage]
        self.vectors = every[passage]
        self.row = {chunk_id: row for row, chunk_id in enumerate(self.ids)}
        self.doc_of = np.array([str(m["doc_id"]) for m in self.metas], dtype=object)
        self.slug_of = np.array([str(m["slug"]) for m in self.metas], dtype=object)
        rows_of: dict[str, list[int]] = {}
        for row, doc in enumerate(self.doc_of.tolist()):
            rows_of.setdefault(doc, []).append(row)
        self.doc_rows = {doc: np.array(rows, dtype=np.int64) for doc, rows in rows_of.items()}
        # sections: each passage's section, and each section question's (a question whose section
        # has no passage is dropped)
        section_ids: dict[tuple[str, str], int] = {}
        self.section_of = np.array(
            [section_ids.setdefault((d, s), len(section_ids)) for d, s in zip(self.doc_of, self.slug_of, strict=True)],
            dtype=np.int64,
        )
        section_rows: dict[int, list[int]] = {}
        for row, sec in enumerate(self.section_of.tolist()):
            section_rows.setdefault(sec, []).append(row)
        self.section_rows = [np.array(section_rows[i], dtype=np.int64) for i in range(len(section_ids))]
        q_metas = [got["metadatas"][i] for i in question]
        known = [j for j, m in enumerate(q_metas) if (str(m["doc_id"]), str(m["slug"])) in section_ids]
        self.question_vectors = every[question[known]] if known else np.zeros((0, dim), dtype=np.float32)
        self.question_section = np.array(
            [section_ids[(str(q_metas[j]["doc_id"]), str(q_metas[j]["slug"]))] for j in known], dtype=np.int64
        )
        self.question_of = {got["ids"][question[j]]: int(sec) for j, sec in zip(known, self.question_section, strict=True)}
        self.index_size = len(got["ids"])  # passages and questions: what the vector index holds
        lexical_texts = self.texts
        if vocabulary.ranking.question_words and len(question):
            asked: dict[int, list[str]] = {}
            for j, sec in zip(known, self.question_section.tolist(), strict=True):
                asked.setdefault(sec, []).append(got["documents"][question[j]])
            lexical_texts = [
                "\n".join([text, *asked.get(sec, [])]) for text, sec in zip(self.texts, self.section_of.tolist(), strict=True)
            ]
        self.lexical = LexicalIndex(self.ids, lexical_texts)
        self.factors = FactorExamples.encode(fixed or index.encoder, vocabulary.examples)
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

    def question_likeness(self, vector: np.ndarray) -> np.ndarray | None:
        """Per section, the cosine of its closest question to the query (-1 for a section without
        questions); None when questions are switched off or there are none."""
        if not self.vocabulary.ranking.questions or not len(self.question_vectors):
            return None
        best = np.full(len(self.section_rows), -1.0, dtype=np.float64)
        np.maximum.at(best, self.question_section, (self.question_vectors @ vector).astype(np.float64))
        return best

    def _scores(
        self,
        rows: np.ndarray,
        vector: np.ndarray,
        lexical: np.ndarray,
        bonus: dict[str, float],
        questions: np.ndarray | None = None,
    ) -> np.ndarray:
        """Passage scores before the page score."""
        ranking = self.vocabulary.ranking
        section = np.array([bonus.get(s, 0.0) for s in self.slug_of[rows]], dtype=np.float64)
        dense = (self.vectors[rows] @ vector).astype(np.float64)
        if questions is not None:
            dense += ranking.questions * np.maximum(questions[self.section_of[rows]] - dense, 0.0)
        return dense + ranking.lexical * lexical[rows] + section

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

    def candidate_rows(
        self, vector: np.ndarray, lexical: np.ndarray, questions: np.ndarray | None = None
    ) -> np.ndarray:
        """Rows of the dense, lexical and (with ``questions``) closest-question candidates."""
        ranking = self.vocabulary.ranking
        n = min(ranking.candidates, self.index_size)
        rows: set[int] = set()
        for i, _ in self.index.nearest(vector, n):
            if i in self.row:
                rows.add(self.row[i])
            elif i in self.question_of:  # a section question stands for its section's passages
                rows.update(self.section_rows[self.question_of[i]].tolist())
        top = min(ranking.lexical_candidates, len(lexical))
        if top and float(lexical.max()) > 0:
            best: Sequence[int] = np.argpartition(-lexical, top - 1)[:top].tolist()
            rows.update(r for r in best if lexical[r] > 0)
        top = min(ranking.question_candidates, len(self.section_rows))
        if questions is not None and top:
            for sec in np.argpartition(-questions, top - 1)[:top].tolist():
                if questions[sec] > -1.0:
                    rows.update(self.section_rows[sec].tolist())
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
        questions = self.question_likeness(vector)
        rows = self.candidate_rows(vector, lexical, questions)
        scores = self._scores(rows, vector, lexical, bonus, questions)
        if ranking.page_candidates:
            pages = self._page_scores(rows, scores, factor)
            best_pages = sorted(pages, key=lambda d: -pages[d])[: ranking.page_candidates]
            extra = np.setdiff1d(np.concatenate([self.doc_rows[d] for d in best_pages]), rows)
            if len(extra):
                rows = np.concatenate([rows, extra])
                scores = np.concatenate([scores, self._scores(extra, vector, lexical, bonus, questions)])
        pages = self._page_scores(rows, scores, factor)
        final = scores + ranking.page * np.array([pages[d] for d in self.doc_of[rows]])
        order: list[int] = []  # positions in rows: each section's best passage, best first
        seen: set[tuple[str, str]] = set()
        for i in np.argsort(-final, kind="stable").tolist():
            key = (self.doc_of[rows[i]], self.slug_of[rows[i]])
            if key not in seen:
                seen.add(key)
                order.append(i)
        if ranking.intent_first and bonus:
            order = self._intent_first(order, rows, bonus)
        return [self._hit(int(rows[i]), float(final[i])) for i in order[:k]]

    def _intent_first(self, order: list[int], rows: np.ndarray, bonus: dict[str, float]) -> list[int]:
        """On each page, its best section that answers the intent moves to the page's first place."""
        promoted: dict[str, int] = {}
        for i in order:
            doc = str(self.doc_of[rows[i]])
            if doc not in promoted and self.slug_of[rows[i]] in bonus:
                promoted[doc] = i
        out: list[int] = []
        started: set[str] = set()
        for i in order:
            doc = str(self.doc_of[rows[i]])
            if doc not in started:
                started.add(doc)
                if doc in promoted:
                    out.append(promoted[doc])
            if promoted.get(doc) != i:
                out.append(i)
        return out
