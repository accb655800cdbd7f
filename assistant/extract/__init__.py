"""Extraction: Transcript -> Findings (factors with status and verbatim evidence, caller role,
parents_aware, the child's words). Entry point: :class:`Extractor`."""

from assistant.extract.extractor import ExtractOptions, Extractor

__all__ = ["ExtractOptions", "Extractor"]
