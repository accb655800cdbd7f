"""The guidance stage: the guidance corpus, its search index, the key questions a call has not yet
answered and the suggested pathway, each citing its guidance source.

    guidance = Guidance.open(settings, loader)
    questions, pathway = guidance.advise(transcript, findings)
"""

from assistant.guidance.service import Guidance

__all__ = ["Guidance"]
