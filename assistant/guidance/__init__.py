"""Guidance: retrieval over the local corpus, unanswered key questions and a pathway with citations.
Entry point: :class:`Guidance` (``Guidance.open(settings, loader)``, then ``advise``)."""

from assistant.guidance.service import Guidance

__all__ = ["Guidance"]
