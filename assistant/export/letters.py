"""The consultation feedback letter to the referrer. Its wording is data: ``corpus/letters/feedback-letter.yaml``."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from string import Template
from typing import Any

from pydantic import BaseModel, ConfigDict

from assistant.corpus_file import read_mapping, validate
from assistant.export.blocks import Bullets, Document, ExportError, Heading, Para, write_docx, write_pdf
from assistant.records import CALLER_ROLES, PATHWAYS
from assistant.store.review import ConfirmedRecord

LETTER_FILE = Path("letters") / "feedback-letter.yaml"
COMMON_FIELDS = (
    "referrer_name",
    "referrer_organisation",
    "caller_role",
    "call_id",
    "record_id",
    "version",
    "date",
    "worker_name",
    "agreed_pathway",
    "suggested_pathway",
    "pathway_reason",
)
STATUSES = ("present", "possible", "historical", "ruled_out")


class LetterTemplateError(ExportError):
    """The letter template is missing or wrong; the message names the file and the field."""


class LetterTemplate(BaseModel):
    """The wording of the feedback letter (see the comments in the YAML file for placeholders)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str
    from_lines: list[str]
    date_line: str
    reference_line: str
    salutation_named: str
    salutation_unnamed: str
    opening: str
    outcome_heading: str
    outcomes: dict[str, str]
    reasons_heading: str
    reasons_intro: str
    concerns_intro: str
    strengths_intro: str
    factor_line: str
    actions_heading: str
    actions_intro: str
    actions_none: str
    action_line: str
    closing: str
    sign_off: str
    signature_lines: list[str]
    pathway_labels: dict[str, str]
    status_labels: dict[str, str]
    strength_status_labels: dict[str, str]
    caller_role_labels: dict[str, str]
    source: str = ""


def _fill(text: str, values: Mapping[str, str], where: str) -> str:
    try:
        return Template(text).substitute(values)
    except KeyError as exc:
        raise LetterTemplateError(
            f"{where} uses the unknown placeholder ${exc.args[0]}; the placeholders are listed at the top of the file."
        ) from exc
    except ValueError as exc:
        raise LetterTemplateError(f"{where} has a stray '$' ({exc}); write $$ for a dollar sign.") from exc


def _check(template: LetterTemplate, source: str) -> None:
    dummy = dict.fromkeys(COMMON_FIELDS, "x")
    for name, value in template.model_dump().items():
        if name == "source":
            continue
        extra = {"action_line": ("who", "what", "by_when"), "factor_line": ("factor", "status")}.get(name, ())
        values = {**dummy, **dict.fromkeys(extra, "x")}
        if isinstance(value, dict):
            items = [(f"{name}[{k}]", v) for k, v in value.items()]
        elif isinstance(value, list):
            items = [(f"{name}[{i}]", v) for i, v in enumerate(value)]
        else:
            items = [(name, value)]
        for field, text in items:
            _fill(text, values, f"{source}: {field}")
    for name, needed in (
        ("outcomes", PATHWAYS),
        ("pathway_labels", PATHWAYS),
        ("status_labels", STATUSES),
        ("strength_status_labels", STATUSES),
        ("caller_role_labels", CALLER_ROLES),
    ):
        missing = [k for k in needed if k not in getattr(template, name)]
        if missing:
            raise LetterTemplateError(f"{source}: {name} has no entry for {', '.join(missing)}.")


def load_letter_template(corpus_dir: Path) -> LetterTemplate:
    """Read and check ``corpus_dir/letters/feedback-letter.yaml``; :class:`LetterTemplateError` says what is wrong."""
    path = corpus_dir / LETTER_FILE
    raw, _ = read_mapping(path, LetterTemplateError)
    template = validate(LetterTemplate, {**raw, "source": str(path)}, path, LetterTemplateError)
    _check(template, str(path))
    return template


def _label(factor: str, labels: Mapping[str, str] | None) -> str:
    if labels and factor in labels:
        return labels[factor]
    return factor.replace("_", " ").capitalize()


def letter_date(confirmed: ConfirmedRecord) -> str:
    """The confirmation date as British usage writes it, e.g. 3 January 2025 (local time of this machine)."""
    local = confirmed.confirmed_at.astimezone()
    return f"{local.day} {local:%B %Y}"


def render_letter(
    confirmed: ConfirmedRecord, template: LetterTemplate, labels: Mapping[str, str] | None = None
) -> Document:
    """The letter as a document: outcome, reasons, agreed actions, the named worker and the date."""
    where = template.source or "letter template"
    values: dict[str, Any] = {
        "referrer_name": confirmed.referrer.name or "",
        "referrer_organisation": confirmed.referrer.organisation or "",
        "caller_role": template.caller_role_labels.get(confirmed.caller.role, confirmed.caller.role),
        "call_id": confirmed.call_id,
        "record_id": confirmed.record_id,
        "version": str(confirmed.version),
        "date": letter_date(confirmed),
        "worker_name": confirmed.worker_name,
        "agreed_pathway": template.pathway_labels[confirmed.pathway.agreed],
        "suggested_pathway": template.pathway_labels.get(confirmed.pathway.suggested, confirmed.pathway.suggested),
        "pathway_reason": confirmed.pathway.reason,
    }

    def fill(text: str, field: str, **more: str) -> str:
        return _fill(text, {**values, **more}, f"{where}: {field}")

    blocks: list[Any] = [Para("\n".join(fill(line, "from_lines") for line in template.from_lines))]
    addressee = [x for x in (confirmed.referrer.name, confirmed.referrer.organisation) if x]
    if addressee:
        blocks.append(Para("\n".join(addressee)))
    blocks += [
        Para(fill(template.date_line, "date_line") + "\n" + fill(template.reference_line, "reference_line")),
        Para(
            fill(template.salutation_named, "salutation_named")
            if confirmed.referrer.name
            else fill(template.salutation_unnamed, "salutation_unnamed")
        ),
        Para(fill(template.opening, "opening")),
        Heading(fill(template.outcome_heading, "outcome_heading")),
        Para(values["agreed_pathway"], bold=True),
        Para(fill(template.outcomes[confirmed.pathway.agreed], f"outcomes[{confirmed.pathway.agreed}]")),
        Heading(fill(template.reasons_heading, "reasons_heading")),
        Para(fill(template.reasons_intro, "reasons_intro")),
    ]
    for kind, intro, statuses, field in (
        ("risk", template.concerns_intro, template.status_labels, "concerns_intro"),
        ("strength", template.strengths_intro, template.strength_status_labels, "strengths_intro"),
    ):
        factors = [f for f in confirmed.factors if f.kind == kind]
        if factors:
            blocks.append(Para(fill(intro, field)))
            blocks.append(
                Bullets(
                    [
                        fill(
                            template.factor_line,
                            "factor_line",
                            factor=_label(f.factor, labels),
                            status=statuses[f.status],
                        )
                        for f in factors
                    ]
                )
            )
    blocks.append(Heading(fill(template.actions_heading, "actions_heading")))
    if confirmed.actions:
        blocks.append(Para(fill(template.actions_intro, "actions_intro")))
        blocks.append(
            Bullets(
                [
                    fill(
                        template.action_line,
                        "action_line",
                        who=a.who,
                        what=a.what,
                        by_when=f"{a.by_when.day} {a.by_when:%B %Y}",
                    )
                    for a in confirmed.actions
                ]
            )
        )
    else:
        blocks.append(Para(fill(template.actions_none, "actions_none")))
    blocks += [
        Para(fill(template.closing, "closing")),
        Para(fill(template.sign_off, "sign_off")),
        Para("\n".join(fill(line, "signature_lines") for line in template.signature_lines)),
    ]
    return Document(
        title=fill(template.title, "title"),
        blocks=blocks,
        footer=f"{confirmed.call_id} · record {confirmed.record_id} version {confirmed.version}",
    )


def write_letter_docx(
    confirmed: ConfirmedRecord, path: Path, template: LetterTemplate, labels: Mapping[str, str] | None = None
) -> Path:
    """Write the feedback letter as DOCX."""
    return write_docx(render_letter(confirmed, template, labels), path)


def write_letter_pdf(
    confirmed: ConfirmedRecord, path: Path, template: LetterTemplate, labels: Mapping[str, str] | None = None
) -> Path:
    """Write the feedback letter as PDF."""
    return write_pdf(render_letter(confirmed, template, labels), path)
