"""The one composition of the stages. The CLI, the workspace and `evals/` all draft through it, so a
record made in the workspace and one scored by an evaluator come from the same code.

    pipeline = Pipeline.start(settings)            # models and corpus load once per process
    record = pipeline.draft_file(Path("call.wav"))  # audio, JSON or text
"""

from __future__ import annotations

import platform
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import assistant
from assistant.extract import ExtractOptions, Extractor
from assistant.extract.analysis import Analyser
from assistant.extract.classifier import FactorHead
from assistant.knowledge import Knowledge, load_knowledge
from assistant.models import ModelLoader
from assistant.records import DraftRecord, Transcript
from assistant.settings import Settings
from assistant.transcript_io import InputError, is_audio, read_transcript

if TYPE_CHECKING:
    from assistant.guidance import Guidance

Progress = Callable[[str, float], None]


class Pipeline:
    def __init__(
        self,
        settings: Settings,
        loader: ModelLoader,
        head: FactorHead | None = None,
        guidance: Guidance | None = None,
    ) -> None:
        self.settings = settings
        self.loader = loader
        self._head = head
        self._guidance = guidance

    @classmethod
    def start(cls, settings: Settings, encoder: str = "minilm") -> Pipeline:
        return cls(settings, ModelLoader(settings, encoder=encoder))

    @cached_property
    def knowledge(self) -> Knowledge:
        return load_knowledge(self.settings.corpus_dir)

    @cached_property
    def analyser(self) -> Analyser:
        return Analyser(self.loader.nlp, self.knowledge)

    @cached_property
    def head(self) -> FactorHead | None:
        if self._head is not None:
            return self._head
        if not self.settings.use_classifier:
            return None
        return FactorHead.load(self.settings.resolved_classifier_path())

    @cached_property
    def extractor(self) -> Extractor:
        head = self.head
        options = ExtractOptions(use_classifier=head is not None)
        return Extractor(self.analyser, self.loader.encoder if head else None, head, options)

    @cached_property
    def guidance(self) -> Guidance:
        if self._guidance is not None:
            return self._guidance
        from assistant.guidance import Guidance

        # drafting reads the pages, key questions and pathway rules but never searches the index, so
        # it is not synced here: a fresh data folder would spend seconds embedding the corpus before
        # the first record. Guidance.search syncs it on first use; the workspace syncs it at start.
        return Guidance.open(self.settings, self.loader, sync=False)

    def warm_up(self) -> None:
        """Load everything now rather than on the first call. The encoder (torch, transformers, MiniLM)
        loads in a second thread while spaCy and the corpus matchers are built in this one."""
        with ThreadPoolExecutor(max_workers=1) as pool:
            encoder = pool.submit(lambda: self.loader.encoder)
            _ = self.analyser, self.head
            encoder.result()  # re-raises a loading error here, in the caller's thread
        _ = self.extractor, self.guidance.matcher()

    def read(self, path: Path, progress: Progress | None = None) -> Transcript:
        if is_audio(path):
            from assistant.transcribe import transcribe_file

            size_mb = path.stat().st_size / 1024 / 1024 if path.exists() else 0
            if size_mb > self.settings.max_upload_mb:
                raise InputError(
                    f"{path}: the recording is {size_mb:.0f} MB, over the {self.settings.max_upload_mb:g} MB limit "
                    "(FRONTDOOR_MAX_UPLOAD_MB)"
                )
            report = (lambda f: progress("transcribing", f)) if progress else None
            return transcribe_file(path, self.loader, self.settings, progress=report)
        return read_transcript(path, self.settings.max_transcript_mb)

    def draft_file(self, path: Path, progress: Progress | None = None) -> DraftRecord:
        transcript = self.read(path, progress)
        return self.draft(transcript, progress)

    def draft(self, transcript: Transcript, progress: Progress | None = None) -> DraftRecord:
        if progress:
            progress("extracting", 0.0)
        findings = self.extractor.extract(transcript)
        if progress:
            progress("consulting guidance", 0.5)
        questions, pathway = self.guidance.advise(transcript, findings)
        if progress:
            progress("done", 1.0)
        return DraftRecord(
            call_id=transcript.id,
            caller=findings.caller,
            factors=findings.factors,
            parents_aware=findings.parents_aware,
            parents_aware_evidence=findings.parents_aware_evidence,
            child_voice=findings.child_voice,
            entities=findings.entities,
            pathway=pathway,
            questions=questions,
            transcript=transcript,
            provenance=self.provenance(findings.produced_by),
        )

    def provenance(self, extraction: dict[str, Any]) -> dict[str, Any]:
        head = self.head
        return {
            "frontdoor": assistant.__version__,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "python": platform.python_version(),
            "models": {
                **self.loader.describe(),
                **({"classifier": {"version": head.version, "encoder": head.encoder}} if head else {}),
            },
            "knowledge": dict(self.knowledge.versions),
            "extraction": extraction.get("options", {}),
            "guidance": self.guidance.provenance(),
        }
