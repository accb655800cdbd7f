"""Turn any failure of a handler into a message for the person, never a traceback.

Known failures (store, input, knowledge, export errors) carry a message written for people; anything else is logged
with its traceback and shown as one line that says it was logged.
"""

from __future__ import annotations

import logging

from assistant.knowledge import KnowledgeError
from assistant.store.errors import ConflictError, PermissionDeniedError, StoreError
from assistant.transcript_io import InputError

log = logging.getLogger(__name__)


def explain(exc: BaseException) -> str:
    """A one-paragraph message for ``exc``; unexpected errors are logged here with their traceback."""
    if isinstance(exc, ConflictError):
        return f"Someone else changed this record. {exc} Use **Reload record** to see the latest version."
    if isinstance(exc, PermissionDeniedError):
        return f"Not allowed: {exc}"
    if isinstance(exc, StoreError | InputError | KnowledgeError):
        return str(exc)
    from assistant.guidance.documents import DocumentError

    if isinstance(exc, DocumentError | ValueError | OSError):
        return f"{type(exc).__name__}: {exc}"
    log.exception("unexpected error in the workspace", exc_info=exc)
    return f"Something went wrong ({type(exc).__name__}: {exc}). It has been logged; nothing was saved by this step."


def failure(exc: BaseException) -> str:
    """The status line (Markdown) for a failed step."""
    return f"**Not done:** {explain(exc)}"


def success(text: str) -> str:
    return f"**Done:** {text}"
