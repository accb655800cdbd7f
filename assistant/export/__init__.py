"""Exports of confirmed records (drafts never export: :class:`assistant.store.NotConfirmedError`).

    confirmed = store.get_confirmed(record_id)               # latest confirmed version (or NotConfirmedError)
    record_json(confirmed) -> str                            # triage-record/1 fields plus the review additions
    write_record_docx(confirmed, path) / write_record_pdf(confirmed, path)      # printable record
    letter = load_letter_template(settings.corpus_dir)       # corpus/letters/feedback-letter.yaml (practice leads edit)
    write_letter_docx(confirmed, path, letter) / write_letter_pdf(confirmed, path, letter)
    export_all(store, record_id, out_dir, settings) -> dict[str, Path]   # all five files, from the latest confirmed

``labels`` (factor id -> human label) may be passed to the writers; without it ids are shown in words.
"""

from assistant.export.documents import write_record_docx, write_record_pdf
from assistant.export.letters import (
    LetterTemplate,
    LetterTemplateError,
    load_letter_template,
    render_letter,
    write_letter_docx,
    write_letter_pdf,
)
from assistant.export.service import ExportError, export_all, record_json

__all__ = [
    "ExportError",
    "LetterTemplate",
    "LetterTemplateError",
    "export_all",
    "load_letter_template",
    "record_json",
    "render_letter",
    "write_letter_docx",
    "write_letter_pdf",
    "write_record_docx",
    "write_record_pdf",
]
