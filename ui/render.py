"""Pure rendering of a record for the review view: HTML for the transcript, Markdown for the rest."""

from __future__ import annotations

import html
import re

from assistant.records import Transcript
from assistant.store import RecordView, ReviewedFactor

STATUS_WORDS = {
    "present": "present",
    "possible": "possible",
    "historical": "historical",
    "ruled_out": "ruled out",
}


def words(identifier: str | None) -> str:
    return (identifier or "").replace("_", " ")


def clock(seconds: float | None) -> str:
    if seconds is None:
        return ""
    whole = int(seconds)
    return f"{whole // 60:02d}:{whole % 60:02d}"


def span(start: float | None, end: float | None) -> str:
    if start is None:
        return ""
    return f"{clock(start)}–{clock(end)}" if end is not None else clock(start)


def _mark(text: str, quotes: list[str]) -> str:
    """HTML of ``text`` with every quote (whitespace-insensitive) wrapped in <mark>."""
    spans: list[tuple[int, int]] = []
    for quote in quotes:
        parts = [re.escape(p) for p in quote.split()]
        if not parts:
            continue
        for m in re.finditer(r"\s+".join(parts), text):
            spans.append((m.start(), m.end()))
    spans.sort()
    out, pos = [], 0
    for start, end in spans:
        if start < pos:
            continue
        out.append(html.escape(text[pos:start]))
        out.append(f"<mark>{html.escape(text[start:end])}</mark>")
        pos = end
    out.append(html.escape(text[pos:]))
    return "".join(out)


def transcript_html(transcript: Transcript, factor: ReviewedFactor | None = None) -> str:
    """The transcript as numbered turns with speaker and times; the selected factor's quotes are marked."""
    quotes: dict[int, list[str]] = {}
    if factor is not None:
        for ev in factor.evidence:
            quotes.setdefault(ev.turn, []).append(ev.quote)
    rows = []
    for i, turn in enumerate(transcript.turns):
        when = span(turn.start, turn.end)
        flags = f" <em>({html.escape(', '.join(turn.flags))})</em>" if turn.flags else ""
        cls = "fd-turn fd-hit" if i in quotes else "fd-turn"
        rows.append(
            f'<div class="{cls}" id="turn-{i}"><span class="fd-meta">#{i} · <b>{html.escape(turn.speaker)}</b>'
            f"{' · ' + when if when else ''}</span>{flags}<br>{_mark(turn.text, quotes.get(i, []))}</div>"
        )
    return '<div class="fd-transcript">' + "\n".join(rows) + "</div>"


def evidence_md(factor: ReviewedFactor | None) -> str:
    if factor is None:
        return "Select a factor to see its evidence marked in the transcript."
    lines = [f"**{words(factor.factor)}** ({factor.kind}, {STATUS_WORDS[factor.status]}, decision: {factor.decision})"]
    for ev in factor.evidence:
        when = span(ev.start, ev.end)
        lines.append(f"- turn {ev.turn}{' at ' + when if when else ''}: “{ev.quote}”")
    if factor.note:
        lines.append(f"- note: {factor.note}")
    return "\n".join(lines)


def _factor_line(f: ReviewedFactor) -> str:
    conf = f"{f.confidence:.2f}" if f.confidence is not None else "added by a person"
    quotes = "; ".join(f"“{ev.quote}” (turn {ev.turn}{', ' + span(ev.start, ev.end) if ev.start is not None else ''})"
                       for ev in f.evidence)  # fmt: skip
    struck = "~~" if f.decision == "rejected" else ""
    return (
        f"- {struck}**{words(f.factor)}**{struck} · {STATUS_WORDS[f.status]} · confidence {conf} · "
        f"*{f.decision}*<br>{html.escape(quotes)}"
    )


def factors_md(view: RecordView, kind: str) -> str:
    title = "Risks" if kind == "risk" else "Strengths"
    items = [f for f in view.review.factors if f.kind == kind]
    if not items:
        return f"### {title}\nNone found."
    return f"### {title}\n" + "\n".join(_factor_line(f) for f in items)


def header_md(view: RecordView) -> str:
    r = view.review
    status = "**confirmed**" if view.status == "confirmed" else "draft"
    return (
        f"**Record** `{view.record_id}` · call `{r.call_id}` · version {view.version} ({status}) · "
        f"caller: {words(r.caller_role)} · parents aware: {r.parents_aware} · "
        f"last change by {view.updated_by}"
    )


def pathway_md(view: RecordView) -> str:
    p = view.draft.pathway
    lines = [f"### Suggested pathway: {words(p.suggested)}", p.rationale, ""]
    if p.reasons:
        lines.append("**Reasons**")
        lines += [f"- {r.text}" for r in p.reasons]
    if p.would_change:
        lines.append("**What would change it**")
        lines += [f"- {w}" for w in p.would_change]
    if p.sources:
        lines.append("**Guidance cited**")
        lines += [f"- `{s}`" for s in p.sources]
    agreed = view.review.agreed_pathway
    lines.append("")
    reason = view.review.pathway_reason
    lines.append(f"**Agreed pathway:** {words(agreed)} — {reason}" if agreed else "**Agreed pathway:** not yet")
    return "\n".join(lines)


def questions_md(view: RecordView) -> str:
    qs = view.draft.questions
    if not qs:
        return "### Questions still to ask\nNone: the key questions were answered."
    lines = ["### Questions still to ask"]
    lines += [f"- {q.text} <small>({words(q.factor) or 'every call'}; `{q.source}`)</small>" for q in qs]
    if view.draft.child_voice:
        lines.append("\n**The child's voice**")
        lines += [f"- “{c.quote}” (turn {c.turn})" for c in view.draft.child_voice]
    if view.draft.entities:
        lines.append("\n**Named in the call** <small>(for checking against records; not findings)</small>")
        for kind in ("person", "age", "organisation", "place", "date"):
            named = [f"{html.escape(e.text)} (turn {e.evidence[0].turn})" for e in view.draft.entities if e.kind == kind]
            if named:
                lines.append(f"- {kind}: " + "; ".join(named))
    return "\n".join(lines)


def actions_md(view: RecordView) -> str:
    acts = view.review.actions
    if not acts:
        return "**Agreed actions:** none yet."
    return "**Agreed actions**\n" + "\n".join(f"- `{a.id}` {a.who}: {a.what} by {a.by_when.isoformat()}" for a in acts)


CSS = """
.fd-transcript { max-height: 520px; overflow-y: auto; font-size: 0.95em; }
.fd-turn { padding: 4px 6px; border-bottom: 1px solid #e5e7eb; }
.fd-turn.fd-hit { background: #fffbeb; }
.fd-meta { color: #6b7280; font-size: 0.85em; }
mark { background: #fde047; padding: 0 2px; }
"""
