"""Export a confirmed record in every format at once, and the JSON of the contract."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path

from assistant.export.blocks import ExportError
from assistant.export.documents import require_confirmed, write_record_docx, write_record_pdf
from assistant.export.letters import LetterTemplate, load_letter_template, write_letter_docx, write_letter_pdf
from assistant.settings import Settings
from assistant.store.review import ConfirmedRecord
from assistant.store.store import RecordStore

__all__ = ["ExportError", "export_all", "record_json"]


def record_json(confirmed: ConfirmedRecord) -> str:
    """The confirmed record as JSON: every ``triage-record/1`` field, plus the review (decisions, agreed pathway,
    actions, worker, confirmed_by/at, versions). NotConfirmedError for a draft."""
    return require_confirmed(confirmed).to_json()


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._") or "record"


def export_all(
    store: RecordStore,
    record_id: str,
    out_dir: Path,
    settings: Settings,
    *,
    version: int | None = None,
    labels: Mapping[str, str] | None = None,
    template: LetterTemplate | None = None,
) -> dict[str, Path]:
    """Write the JSON, the record (DOCX, PDF) and the feedback letter (DOCX, PDF) of the latest (or given) confirmed
    version into ``out_dir``. Returns {"json", "record_docx", "record_pdf", "letter_docx", "letter_pdf"} -> path.

    Raises NotConfirmedError for a record never confirmed, NotFoundError for an unknown id, ExportError when a file
    cannot be written, LetterTemplateError when corpus/letters is wrong.
    """
    confirmed = store.get_confirmed(record_id, version)
    letter = template or load_letter_template(settings.corpus_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"{_safe(confirmed.call_id)}-{_safe(confirmed.record_id)}-v{confirmed.version}"
    json_path = out_dir / f"{stem}.json"
    tmp = out_dir / f".{stem}.json.{os.getpid()}.tmp"
    try:
        tmp.write_text(record_json(confirmed) + "\n", encoding="utf-8")
        os.replace(tmp, json_path)
    except OSError as exc:
        raise ExportError(
            f"Could not write {json_path}: {exc.strerror or exc}; check the folder and free space."
        ) from exc
    finally:
        tmp.unlink(missing_ok=True)
    return {
        "json": json_path,
        "record_docx": write_record_docx(confirmed, out_dir / f"{stem}-record.docx", labels),
        "record_pdf": write_record_pdf(confirmed, out_dir / f"{stem}-record.pdf", labels),
        "letter_docx": write_letter_docx(confirmed, out_dir / f"{stem}-letter.docx", letter, labels),
        "letter_pdf": write_letter_pdf(confirmed, out_dir / f"{stem}-letter.pdf", letter, labels),
    }
