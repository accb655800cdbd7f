"""A short plain-text reading of a draft record, for the terminal."""

from __future__ import annotations

from assistant.records import DraftRecord


def summarise(record: DraftRecord) -> str:
    lines = [f"Draft record {record.call_id} (a draft: a social worker must review and confirm it)"]
    lines.append(f"  caller: {record.caller.role}; family aware of the call: {record.parents_aware}")
    for kind, title in (("risk", "Risks"), ("strength", "Strengths")):
        items = [f for f in record.factors if f.kind == kind]
        lines.append(f"  {title}:" + ("" if items else " none found"))
        for factor in items:
            quote = factor.evidence[0]
            lines.append(
                f"    - {factor.factor} [{factor.status}, {factor.confidence:.2f}] "
                f"turn {quote.turn}: \"{quote.quote}\""
            )
    if record.child_voice:
        lines.append("  The child's words:")
        lines.extend(f"    - turn {v.turn}: \"{v.quote}\"" for v in record.child_voice)
    if record.entities:
        lines.append("  Named in the call (for reference, not findings):")
        lines.extend(f"    - {e.kind}: {e.text} (turn {e.evidence[0].turn})" for e in record.entities)
    lines.append(f"  Suggested pathway: {record.pathway.suggested}: {record.pathway.rationale}")
    if record.questions:
        lines.append("  Questions not yet answered:")
        lines.extend(f"    - {q.text} ({q.source})" for q in record.questions)
    return "\n".join(lines)
