"""The guidance stage's one entry point for the pipeline, the CLI and the workspace.

guidance = Guidance.open(settings, loader)      # once per process
questions, pathway = guidance.advise(transcript, findings)
guidance.search("bruise on a baby", k=5)
guidance.provenance()                          # versions for the draft record
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from assistant.guidance.documents import DocumentProblem, GuidanceDocument, corpus_version, read_corpus
from assistant.guidance.index import GuidanceIndex, Hit, SyncReport
from assistant.guidance.pathway import PathwayDecider
from assistant.guidance.pathway_rules import PathwayRules, load_pathway_rules
from assistant.guidance.questions import (
    KeyQuestions,
    QuestionMatcher,
    QuestionMatching,
    collect_key_questions,
    load_question_matching,
)
from assistant.guidance.search import HybridSearcher, Vocabulary, load_vocabulary
from assistant.models import Encoder, ModelLoader
from assistant.records import Findings, Pathway, Question, Transcript
from assistant.settings import Settings
from assistant.stored_vectors import StoredVectors

log = logging.getLogger(__name__)

GUIDANCE_SUBDIR = "guidance"
INDEX_SUBDIR = "guidance_index"
VECTORS_SUBDIR = "corpus_vectors"


def guidance_dir(settings: Settings) -> Path:
    return settings.corpus_dir / GUIDANCE_SUBDIR


def index_dir(settings: Settings) -> Path:
    return settings.data_dir / INDEX_SUBDIR


@dataclass
class Guidance:
    """The guidance corpus, its index, the key questions and the pathway rules, loaded once."""

    settings: Settings
    encoder: Encoder
    docs: list[GuidanceDocument]
    problems: list[DocumentProblem]
    warnings: list[str]
    index: GuidanceIndex
    rules: PathwayRules
    matching: QuestionMatching
    key_questions: KeyQuestions
    vocabulary: Vocabulary
    versions: dict[str, str]
    last_sync: SyncReport | None = None
    _searcher: HybridSearcher | None = field(default=None, init=False, repr=False)
    _matcher: QuestionMatcher | None = field(default=None, init=False, repr=False)
    _fixed: StoredVectors | None = field(default=None, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def open(
        cls,
        settings: Settings,
        loader: ModelLoader,
        *,
        sync: bool = True,
        on_plan: Callable[[int], None] | None = None,
        on_progress: Callable[[int], None] | None = None,
    ) -> Guidance:
        """Read the corpus and rules (raising a clear error for a broken rules file), open the index
        (rebuilding a broken one) and bring it up to date unless ``sync`` is False."""
        docs, problems = read_corpus(guidance_dir(settings))
        for problem in problems:
            log.warning("guidance document skipped: %s", problem)
        rules, rules_version = load_pathway_rules(settings.corpus_dir)
        matching, matching_version = load_question_matching(settings.corpus_dir)
        vocabulary, vocabulary_version = load_vocabulary(settings.corpus_dir)
        key_questions, warnings = collect_key_questions(docs, matching)
        warnings += _check_sources(docs, rules)
        for warning in warnings:
            log.warning("%s", warning)
        encoder = loader.encoder
        index = GuidanceIndex.open(index_dir(settings), encoder)
        guidance = cls(
            settings=settings,
            encoder=encoder,
            docs=docs,
            problems=problems,
            warnings=warnings,
            index=index,
            rules=rules,
            matching=matching,
            key_questions=key_questions,
            vocabulary=vocabulary,
            versions={
                "corpus": corpus_version(docs),
                "pathway_rules": rules_version,
                "question_matching": matching_version,
                "search_vocabulary": vocabulary_version,
                "encoder": encoder.name,
            },
        )
        if sync:
            guidance.sync(on_plan=on_plan, on_progress=on_progress)
        return guidance

    # -- index -----------------------------------------------------------------------------------
    @property
    def corpus_version(self) -> str:
        return self.versions["corpus"]

    def provenance(self) -> dict[str, str]:
        return dict(self.versions)

    def sync(
        self, on_plan: Callable[[int], None] | None = None, on_progress: Callable[[int], None] | None = None
    ) -> SyncReport:
        with self._lock:
            self.last_sync = self.index.sync(self.docs, on_plan=on_plan, on_progress=on_progress)
            self._searcher = None
        if self.last_sync.rebuilt:
            log.warning("%s; it was rebuilt from the corpus", self.last_sync.rebuilt)
        return self.last_sync

    def search(self, query: str, k: int = 5) -> list[Hit]:
        """The best passage of each of the ``k`` most relevant sections. An index not yet synced in this
        process is brought up to date first; a broken one is rebuilt from the corpus and the search run
        again."""
        from chromadb.errors import ChromaError

        if self.last_sync is None:  # opened with sync=False (as drafting does): bring the index up to date now
            self.sync()
        try:
            return self.searcher().search(query, k)
        except ChromaError as exc:
            log.warning("guidance search failed (%s); rebuilding the index from the corpus", exc)
            failure = exc
        with self._lock:
            self.index = GuidanceIndex.rebuild(self.index.folder, self.encoder, f"search failed ({failure})")
            self.last_sync = self.index.sync(self.docs)
            self._searcher = None
        return self.searcher().search(query, k)

    def searcher(self) -> HybridSearcher:
        if self._searcher is None:
            self._searcher = HybridSearcher(self.index, self.vocabulary, self.fixed_vectors())
        return self._searcher

    # -- advice ----------------------------------------------------------------------------------
    def doc(self, doc_id: str) -> GuidanceDocument | None:
        return next((d for d in self.docs if d.id == doc_id), None)

    def factor_page(self, factor: str) -> GuidanceDocument | None:
        return next((d for d in self.docs if d.factors == (factor,)), None)

    def pathway_page(self, pathway: str) -> GuidanceDocument | None:
        return next((d for d in self.docs if d.pathways == (pathway,) and not d.factors), None)

    def labels(self) -> dict[str, str]:
        return {d.factors[0]: d.title for d in self.docs if len(d.factors) == 1}

    def fixed_vectors(self) -> StoredVectors:
        """The encoder for corpus texts (key questions, the taxonomy's examples), remembered on disk."""
        if self._fixed is None:
            self._fixed = StoredVectors(self.encoder, self.settings.data_dir / VECTORS_SUBDIR)
        return self._fixed

    def matcher(self) -> QuestionMatcher:
        if self._matcher is None:
            self._matcher = QuestionMatcher(self.encoder, self.key_questions, self.matching, self.fixed_vectors())
            for warning in self._matcher.unmatched_hints:
                log.warning("%s", warning)
            self.warnings.extend(self._matcher.unmatched_hints)
        return self._matcher

    def questions(self, transcript: Transcript, findings: Findings) -> list[Question]:
        statuses = {f.factor: f.status for f in findings.factors if f.kind == "risk"}
        return self.matcher().unanswered(transcript, statuses, findings.child_voice)

    def pathway(self, transcript: Transcript, findings: Findings) -> Pathway:
        decider = PathwayDecider(self.rules, self.labels())
        pathway, decision = decider.suggest(findings, transcript)
        sources: list[str] = []
        page = self.pathway_page(pathway.suggested)
        if page is not None:
            sources.append(_cite(page, self.rules.sources.pathway_section))
        risks = [r.factor for r in pathway.reasons if r.factor]
        for factor in [*decision.driving, *risks]:
            fpage = self.factor_page(factor)
            if fpage is not None:
                sources.append(_cite(fpage, self.rules.sources.factor_section))
        if decision.stepped_down:
            for f in findings.factors:
                spage = self.factor_page(f.factor) if f.kind == "strength" and f.status == "present" else None
                if spage is not None:
                    sources.append(_cite(spage, self.rules.sources.factor_section))
        if page is not None and page.section(self.rules.sources.would_change_section):
            sources.append(page.cite(self.rules.sources.would_change_section))
        return pathway.model_copy(update={"sources": list(dict.fromkeys(sources))})

    def advise(self, transcript: Transcript, findings: Findings) -> tuple[list[Question], Pathway]:
        """Unanswered key questions and the suggested pathway, each citing the guidance."""
        return self.questions(transcript, findings), self.pathway(transcript, findings)


def _cite(doc: GuidanceDocument, slug: str) -> str:
    """Cite the named section, or the page's first section when it has no such section."""
    if doc.section(slug) is not None or not doc.sections:
        return doc.cite(slug)
    return doc.cite(doc.sections[0].slug)


def _check_sources(docs: list[GuidanceDocument], rules: PathwayRules) -> list[str]:
    warnings = []
    for pathway in rules.pathways:
        if not any(d.pathways == (pathway,) and not d.factors for d in docs):
            warnings.append(f"no pathway page for {pathway} (a page with pathways: [{pathway}] and no factors)")
    for factor in rules.factors:
        page = next((d for d in docs if d.factors == (factor,)), None)
        if page is None:
            warnings.append(f"no factor page for {factor}")
        elif page.section(rules.sources.factor_section) is None:
            warnings.append(f"{page.path}: no '{rules.sources.factor_section}' section to cite for {factor}")
    return warnings
