"""The pathway suggestion: a transparent decision over the findings, driven by
``corpus/pathway_rules.yaml``. Every step that sets or changes the level becomes a reason the worker
reads, and the decision is re-run on small changes of the findings to say what would change it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from assistant.guidance.pathway_rules import PathwayRules
from assistant.records import ACTIVE_STATUSES, Findings, Pathway, PathwayReason, Transcript


@dataclass(frozen=True)
class UrgentCue:
    turn: int
    phrase: str
    quote: str


@dataclass
class Decision:
    level: int
    steps: list[PathwayReason] = field(default_factory=list)
    driving: list[str] = field(default_factory=list)
    stepped_down: bool = False


def _sentence_around(text: str, start: int, end: int) -> str:
    left = max(text.rfind(p, 0, start) for p in (". ", "? ", "! ")) + 1
    rights = [i for i in (text.find(p, end) for p in (". ", "? ", "! ")) if i >= 0]
    right = min(rights) + 1 if rights else len(text)
    return text[left:right].strip()


def find_urgent_cues(transcript: Transcript, rules: PathwayRules) -> list[UrgentCue]:
    pattern = rules.urgent.pattern()
    conditional = rules.urgent.conditional_pattern()
    found: list[UrgentCue] = []
    for index, turn in enumerate(transcript.turns):
        if turn.speaker not in rules.urgent.speakers:
            continue
        for match in pattern.finditer(turn.text):
            sentence = _sentence_around(turn.text, match.start(), match.end())
            if conditional is not None and conditional.search(sentence):
                continue
            if rules.urgent.ignore_questions and sentence.rstrip().endswith("?"):
                continue
            found.append(UrgentCue(index, match.group(0).lower(), sentence))
    return found


def _name(pathway: str) -> str:
    return pathway.replace("_", " ")


class PathwayDecider:
    """Applies the rules. ``labels`` names factors for people (from the corpus pages)."""

    def __init__(self, rules: PathwayRules, labels: Mapping[str, str] | None = None) -> None:
        self.rules = rules
        self.labels = dict(labels or {})

    def label(self, factor: str) -> str:
        return self.labels.get(factor, factor.replace("_", " ")).lower()

    def _factor_level(self, factor: str, status: str) -> int | None:
        rule = self.rules.factors.get(factor)
        target = getattr(rule, status, None) if rule is not None else None
        return None if target is None else self.rules.level(target)

    def decide(
        self,
        risks: Mapping[str, str],
        strengths: Sequence[str],
        parents_aware: str,
        urgent: Sequence[UrgentCue] = (),
    ) -> Decision:
        """``risks``: factor -> status of every risk the call discussed; ``strengths``: present strengths."""
        rules = self.rules
        pathways = rules.pathways
        contributions = []
        for factor, status in risks.items():
            level = self._factor_level(factor, status)
            if level is not None:
                contributions.append((level, factor, status))
        contributions.sort(key=lambda c: (-c[0], c[1]))
        decision = Decision(level=rules.level(rules.no_concern))
        for level, factor, status in contributions:
            decision.steps.append(
                PathwayReason(
                    factor=factor,
                    status=status,
                    text=f"{self.label(factor)} ({status}) points to {_name(pathways[level])}",
                )
            )
        if contributions and contributions[0][0] > decision.level:
            decision.level = contributions[0][0]
            decision.driving = [f for lvl, f, _ in contributions if lvl == decision.level]
        elif not contributions:
            decision.steps.append(PathwayReason(text=f"no risk in the call points beyond {_name(rules.no_concern)}"))

        active = {f: s for f, s in risks.items() if s in ACTIVE_STATUSES}
        present_strengths = set(strengths)
        for combo in rules.combinations:
            level = rules.level(combo.pathway)
            matched = [f for f, statuses in combo.when.items() if risks.get(f) in statuses]
            if combo.any_risk:
                extra = [f for f, s in risks.items() if s in combo.any_risk]
                if not extra:
                    continue
                matched += [f for f in extra if f not in matched]
            applies = all(risks.get(f) in statuses for f, statuses in combo.when.items()) and all(
                s in present_strengths for s in combo.with_strengths
            )
            if not applies or level <= decision.level:
                continue
            names = " with ".join(self.label(f) for f in matched)
            if combo.with_strengths:
                names += " and " + ", ".join(self.label(s) for s in combo.with_strengths)
            blocked = [s for s in combo.unless_strengths if s in present_strengths]
            if blocked:
                decision.steps.append(
                    PathwayReason(
                        text=f"{names} would point to {_name(combo.pathway)}, "
                        f"but not with {', '.join(self.label(s) for s in blocked)}"
                    )
                )
                continue
            decision.level = level
            decision.driving = matched
            decision.steps.append(PathwayReason(text=f"{names}: {combo.why} ({_name(combo.pathway)})"))

        for esc in rules.escalation:
            counted = [f for lvl, f, s in contributions if s in esc.statuses and lvl >= rules.level(esc.counting_from)]
            level = rules.level(esc.pathway)
            if len(counted) >= esc.min_risks and level > decision.level:
                decision.level = level
                decision.driving = counted
                names = ", ".join(self.label(f) for f in counted)
                decision.steps.append(PathwayReason(text=f"{names}: {esc.why} ({_name(esc.pathway)})"))

        for down in rules.step_down:
            if (
                pathways[decision.level] in down.applies_to
                and rules.level(down.to) < decision.level
                and (not down.driven_by or (decision.driving and set(decision.driving) <= set(down.driven_by)))
                and all(s in present_strengths for s in down.strengths_all)
                and len(present_strengths) >= down.min_strengths
                and parents_aware in down.parents_aware
                and all(s in down.only_when_all_risks for s in active.values())
            ):
                decision.level = rules.level(down.to)
                decision.stepped_down = True
                shown = down.strengths_all or sorted(present_strengths)
                decision.steps.append(
                    PathwayReason(
                        text=f"strengths ({', '.join(self.label(s) for s in shown)}): {down.why} ({_name(down.to)})"
                    )
                )
                break

        if urgent and rules.level(rules.urgent.pathway) > decision.level:
            decision.level = rules.level(rules.urgent.pathway)
            decision.driving = []
            first = urgent[0]
            decision.steps.append(
                PathwayReason(text=f"{rules.urgent.why}: \"{first.quote}\" (turn {first.turn}, cue '{first.phrase}')")
            )
        return decision

    def suggest(self, findings: Findings, transcript: Transcript) -> tuple[Pathway, Decision]:
        """The suggestion with rationale, reasons and what would change it (sources are added by the caller)."""
        risks: dict[str, str] = {}
        doubted: list[str] = []
        for f in findings.factors:
            if f.kind != "risk":
                continue
            status: str = f.status
            if status == "present" and f.confidence < self.rules.present_min_confidence:
                status = "possible"
                doubted.append(f.factor)
            previous = risks.get(f.factor)
            if previous is None or self._rank(f.factor, status) > self._rank(f.factor, previous):
                risks[f.factor] = status
        strengths = sorted({f.factor for f in findings.factors if f.kind == "strength" and f.status == "present"})
        urgent = find_urgent_cues(transcript, self.rules)
        decision = self.decide(risks, strengths, findings.parents_aware, urgent)
        for factor in doubted:
            if risks.get(factor) == "possible":
                decision.steps.insert(
                    0,
                    PathwayReason(
                        factor=factor,
                        status="present",
                        text=f"{self.label(factor)} was found with low confidence, so it counts as possible "
                        "until a person confirms it",
                    ),
                )
        suggested = self.rules.pathways[decision.level]
        pathway = Pathway(
            suggested=suggested,
            rationale=self._rationale(decision, strengths, findings),
            reasons=decision.steps,
            would_change=self._would_change(decision, risks, strengths, findings.parents_aware, urgent),
        )
        return pathway, decision

    def _rank(self, factor: str, status: str) -> tuple[int, int]:
        level = self._factor_level(factor, status)
        return (-1 if level is None else level, 1 if status in ACTIVE_STATUSES else 0)

    def _rationale(self, decision: Decision, strengths: Sequence[str], findings: Findings) -> str:
        suggested = _name(self.rules.pathways[decision.level])
        parts = [f"Suggested: {suggested}."]
        changing = [s.text for s in decision.steps if s.factor is None]
        driving = [s.text for s in decision.steps if s.factor in decision.driving]
        if driving:
            parts.append("Because " + "; ".join(driving) + ".")
        if changing:
            parts.append(" ".join(t[0].upper() + t[1:] + "." for t in changing))
        others = [s.text for s in decision.steps if s.factor is not None and s.factor not in decision.driving]
        if others:
            parts.append("Also noted: " + "; ".join(others) + ".")
        if strengths:
            parts.append("Strengths: " + ", ".join(self.label(s) for s in strengths) + ".")
        parts.append(f"Parents aware of the call: {findings.parents_aware}.")
        if findings.child_voice:
            parts.append(f'The child\'s voice: "{findings.child_voice[0].quote}".')
        return " ".join(parts)

    def _would_change(
        self,
        decision: Decision,
        risks: Mapping[str, str],
        strengths: Sequence[str],
        parents_aware: str,
        urgent: Sequence[UrgentCue],
    ) -> list[str]:
        pathways = self.rules.pathways
        out: list[str] = []

        def alt(changed: Mapping[str, str], strengths_: Sequence[str] = strengths, aware: str = parents_aware) -> int:
            return self.decide(changed, strengths_, aware, urgent).level

        for factor, status in sorted(risks.items()):
            if status == "possible":
                level = alt({**risks, factor: "present"})
                if level != decision.level:
                    out.append(f"if {self.label(factor)} is confirmed: {pathways[level]}")
        for factor in decision.driving:
            if risks.get(factor) in ACTIVE_STATUSES:
                level = alt({**risks, factor: "ruled_out"})
                if level < decision.level:
                    out.append(f"if {self.label(factor)} is ruled out: {pathways[level]}")
        if decision.stepped_down:
            out.append(f"if the strengths do not hold: {pathways[alt(risks, ())]}")
        consent = self.rules.consent
        if consent is not None and pathways[decision.level] in consent.pathways:
            out.append(f"{consent.note}; if the family do not agree and the concerns persist: {consent.if_refused}")
        urgent_level = self.rules.level(self.rules.urgent.pathway)
        if decision.level < urgent_level:
            out.append(f"if a child is in immediate danger now: {self.rules.urgent.pathway}")
        return list(dict.fromkeys(out))
