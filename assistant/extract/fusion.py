"""Fuse rule, dialogue and classifier mentions into one factor list with call-level status,
confidence and verbatim evidence."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping

from assistant.extract.mentions import Mention
from assistant.extract.rules import call_level_status
from assistant.records import ACTIVE_STATUSES, Evidence, Factor, Transcript

MAX_EVIDENCE = 3
CLASSIFIER_OVERRIDE = 0.9
DENIALS_THAT_HOLD = frozenset({"dialogue", "rules"})  # sources of a denial that no classifier finding in the same turn overrides
INACTIVE = frozenset({"ruled_out", "historical"})  # a classifier-only mention this sure may still raise the status to present


def _settle_conflict(mentions: list[Mention], doubt: float | None) -> list[Mention]:
    """Where the call both rules a factor out (or places it in the past) and has cue words that read as
    current, the current reading stands only if the classifier agrees with it: cue words the classifier
    doubts (support below `doubt`) lose to an explicit "no" or "that was years ago"."""
    if doubt is None:
        return mentions
    inactive = [m for m in mentions if m.status in INACTIVE and m.source != "classifier"]
    if not inactive:
        return mentions
    kept = [m for m in mentions if m.status in INACTIVE or m.support is None or m.support >= doubt]
    return kept or mentions


def doubted_strength(mention: Mention, kinds: Mapping[str, str], floor: float | None) -> bool:
    """A strength on cue words alone that the classifier all but rules out (support below `floor`):
    it would falsely reassure ("she seemed bright enough"). Cue words for a risk are never dropped."""
    return (
        floor is not None
        and mention.source == "rules"
        and mention.support is not None
        and mention.support < floor
        and mention.status in ACTIVE_STATUSES
        and kinds[mention.factor] == "strength"
    )


def fuse(
    mentions: list[Mention],
    kinds: Mapping[str, str],
    transcript: Transcript,
    doubt: float | None = None,
    strength_floor: float | None = None,
) -> list[Factor]:
    by_factor: dict[str, list[Mention]] = defaultdict(list)
    for mention in mentions:
        if doubted_strength(mention, kinds, strength_floor):
            continue
        by_factor[mention.factor].append(mention)
    factors: list[Factor] = []
    for factor_id, group in by_factor.items():
        substantive = [m for m in group if m.source != "question"]
        if not substantive:
            continue  # a worker's question is never evidence by itself
        anchored = [m for m in substantive if m.source != "classifier"]
        if anchored:
            # where cue words or the caller's answer fix the status, the classifier's guesses do not override
            # it, nor a "no" to the worker's question in the same answer ("No, dad doesn't drink at all")
            denied_in = {m.turn for m in anchored if m.source in DENIALS_THAT_HOLD and m.status == "ruled_out"}
            substantive = anchored + [m for m in substantive if m.source == "classifier" and m.status == "present"
                                      and m.confidence >= CLASSIFIER_OVERRIDE and m.turn not in denied_in]
        substantive = _settle_conflict(substantive, doubt)
        status = call_level_status([m.status for m in substantive])
        chosen = sorted(
            (m for m in substantive if m.status == status), key=lambda m: (-m.confidence, m.turn, m.char_start)
        )
        evidence: list[Evidence] = []
        seen: set[tuple[int, int, int]] = set()
        for mention in chosen:
            key = (mention.turn, mention.char_start, mention.char_end)
            if key in seen:
                continue
            seen.add(key)
            evidence.append(mention.evidence(transcript))
            if mention.source == "dialogue":
                # show what was asked next to the answer
                for q in group:
                    if q.source == "question" and q.status == status and q.turn == mention.turn - 1:
                        evidence.append(q.evidence(transcript))
                        break
            if len(evidence) >= MAX_EVIDENCE:
                break
        sources = sorted({m.source for m in chosen})
        confidence = max(m.confidence for m in chosen)
        confidence = min(0.99, confidence + 0.05 * (len(sources) - 1) + 0.02 * (len(chosen) - 1))
        factors.append(
            Factor(
                factor=factor_id,
                kind=kinds[factor_id],  # type: ignore[arg-type]
                status=status,  # type: ignore[arg-type]
                confidence=round(confidence, 3),
                evidence=evidence,
                detected_by=sources,
            )
        )
    order = {k: i for i, k in enumerate(kinds)}
    return sorted(factors, key=lambda f: (f.kind != "risk", order[f.factor]))
