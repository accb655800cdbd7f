"""The printable record of a confirmed consultation (DOCX and PDF, same content)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from assistant.export.blocks import Bullets, Document, Heading, Para, Table, write_docx, write_pdf
from assistant.store.errors import NotConfirmedError
from assistant.store.review import ConfirmedRecord, ReviewedFactor

DECISIONS = {
    "accepted": "accepted",
    "changed": "changed by reviewer",
    "added": "added by reviewer",
    "rejected": "rejected",
}


def require_confirmed(record: Any) -> ConfirmedRecord:
    """``record`` if it is a :class:`ConfirmedRecord`; :class:`NotConfirmedError` for a draft or anything else."""
    if isinstance(record, ConfirmedRecord):
        return record
    rid = getattr(record, "record_id", None) or getattr(record, "call_id", None) or type(record).__name__
    raise NotConfirmedError(f"Only confirmed records can be exported; {rid} is a draft. Review and confirm it first.")


def _words(identifier: str, labels: Mapping[str, str] | None = None) -> str:
    if labels and identifier in labels:
        return labels[identifier]
    return identifier.replace("_", " ").capitalize()


def _when(confirmed: ConfirmedRecord) -> str:
    local = confirmed.confirmed_at.astimezone()
    return f"{local.day} {local:%B %Y %H:%M}"


def _evidence(f: ReviewedFactor) -> str:
    return "\n".join(f"\u201c{e.quote}\u201d (turn {e.turn})" for e in f.evidence)


def _factor_rows(factors: list[ReviewedFactor], labels: Mapping[str, str] | None) -> list[list[str]]:
    rows = []
    for f in factors:
        status = _words(f.status)
        if f.draft_status and f.draft_status != f.status:
            status += f" (assistant: {_words(f.draft_status).lower()})"
        decision = DECISIONS.get(f.decision, f.decision) + (f": {f.note}" if f.note else "")
        rows.append([_words(f.factor, labels), f.kind, status, decision, _evidence(f)])
    return rows


def render_record(confirmed: ConfirmedRecord, labels: Mapping[str, str] | None = None) -> Document:
    """The confirmed record as a document: who, outcome and reasons, factors with decisions and quotes, actions."""
    c = require_confirmed(confirmed)
    referrer = ", ".join(x for x in (c.referrer.name, c.referrer.organisation) if x) or "not recorded"
    blocks: list[Any] = [
        Table(
            ["", ""],
            [
                ["Call", c.call_id],
                [
                    "Record",
                    f"{c.record_id}, version {c.version} (confirmed from draft version {c.confirmed_from_version})",
                ],
                ["Worker", c.worker_name],
                ["Confirmed by", f"{c.confirmed_by} on {_when(c)}"],
                ["Caller", _words(c.caller.role)],
                ["Referrer", referrer],
                ["Parents aware", c.parents_aware],
            ],
            widths=[1, 3],
        ),
        Heading("Outcome"),
        Para(f"Agreed pathway: {_words(c.pathway.agreed)}", bold=True),
        Para(f"Reason: {c.pathway.reason}"),
        Para(f"The assistant suggested: {_words(c.pathway.suggested)}. {c.pathway.rationale}".strip()),
    ]
    if c.pathway.sources:
        blocks.append(Para("Guidance cited: " + "; ".join(c.pathway.sources)))
    header = ["Factor", "Kind", "Status", "Decision", "Evidence"]
    widths = [1.3, 0.7, 1.2, 1.3, 2.5]
    blocks += [Heading("Factors agreed")]
    blocks.append(Table(header, _factor_rows(c.factors, labels), widths) if c.factors else Para("None."))
    if c.rejected_factors:
        blocks += [
            Heading("Assistant suggestions rejected"),
            Table(header, _factor_rows(c.rejected_factors, labels), widths),
        ]
    if c.child_voice:
        blocks += [
            Heading("The child's voice"),
            Bullets([f"\u201c{v.quote}\u201d (turn {v.turn})" for v in c.child_voice]),
        ]
    blocks.append(Heading("Agreed actions"))
    if c.actions:
        rows = [[a.who, a.what, f"{a.by_when.day} {a.by_when:%B %Y}"] for a in c.actions]
        blocks.append(Table(["Who", "What", "By when"], rows, widths=[1.2, 3, 1]))
    else:
        blocks.append(Para("No actions agreed."))
    if c.questions:
        blocks += [Heading("Questions the call did not answer"), Bullets([q.text for q in c.questions])]
    if c.note:
        blocks += [Heading("Reviewer's note"), Para(c.note)]
    return Document(
        title=f"Consultation record: {c.call_id}",
        blocks=blocks,
        footer=f"Front Door · {c.record_id} version {c.version} · confirmed by {c.confirmed_by} · {_when(c)}",
    )


def write_record_docx(confirmed: ConfirmedRecord, path: Path, labels: Mapping[str, str] | None = None) -> Path:
    """Write the printable record as DOCX (NotConfirmedError for a draft)."""
    return write_docx(render_record(confirmed, labels), path)


def write_record_pdf(confirmed: ConfirmedRecord, path: Path, labels: Mapping[str, str] | None = None) -> Path:
    """Write the printable record as PDF (NotConfirmedError for a draft)."""
    return write_pdf(render_record(confirmed, labels), path)
