"""Assertion status of a mention from the trigger rules of corpus/status_rules.yaml (ConText style):
which triggers reach the mention, and what status they give it."""

from __future__ import annotations

from dataclasses import dataclass

from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc
from spacy.util import filter_spans

from assistant.extract.analysis import Analyser

# When several kinds of trigger reach one mention, the first of these that applies decides.
_PRECEDENCE = ("other_person", "historical", "negated", "possible")
STATUS_OF = {"historical": "historical", "negated": "ruled_out", "possible": "possible"}
SENTENCE_DISTANCE = 20  # how far a sentence-wide trigger counts as, against the nearer ones


@dataclass(frozen=True)
class Trigger:
    category: str
    direction: str
    scope: int
    start: int
    end: int
    passes: frozenset[str] = frozenset()  # a terminator: categories whose reach it does not end
    contrast: bool = False  # a terminator that sets clauses against each other ("but"): contrast triggers reach past it


def find_triggers(analyser: Analyser, doc: Doc) -> list[Trigger]:
    """Triggers in a turn; where phrases overlap the longest wins (so 'no longer' beats 'no')."""
    matches = analyser.triggers(doc)
    spans = filter_spans([doc[s:e] for _, s, e in matches])
    keep = {(s.start, s.end) for s in spans}
    out: dict[tuple[int, int, int], Trigger] = {}
    for key, start, end in matches:
        if (start, end) not in keep:
            continue
        # one phrase may have several rules (e.g. "since" reaching both ways and past a "but"): all apply
        category, direction, scope, passes, contrast = analyser.trigger_info[analyser.nlp.vocab.strings[key]]
        out[(start, end, key)] = Trigger(category, direction, scope, start, end, passes, contrast)
    return sorted(out.values(), key=lambda t: t.start)


def categories_reaching(
    triggers: list[Trigger], sent_start: int, sent_end: int, start: int, end: int, concord: bool = False
) -> dict[str, int]:
    """Categories of the triggers in the sentence [sent_start, sent_end) that reach tokens [start, end),
    each with the distance in tokens of its nearest trigger. With ``concord`` (a strength's cue words), a
    cue that is itself negated ("never missed a day") is not negated again by a "no" that agrees with it
    ("No, he's never missed a day"): the answer's "no" is concord, not a denial. Risks' cue words do not
    read so ("no new phones, no money" lists denials)."""
    inside = [t for t in triggers if t.start >= sent_start and t.end <= sent_end]
    terminators = [t for t in inside if t.category == "terminate"]
    self_negated = concord and any(t.category == "negated" and t.start < end and t.end > start for t in inside)
    found: dict[str, int] = {}
    for trig in inside:
        if trig.category in {"terminate", "pseudo"} or (trig.start < end and trig.end > start):
            continue
        if self_negated and trig.category == "negated":
            continue
        if trig.direction == "sentence":
            found[trig.category] = min(found.get(trig.category, SENTENCE_DISTANCE), SENTENCE_DISTANCE)
            continue  # reaches every mention in its sentence
        if trig.direction == "contrast":
            # reaches what was said before the contrast word ("but", "though") that comes before it:
            # "she had depression after Ruby, but she's been alright with that side since"
            contrast = max(
                (t for t in terminators if t.contrast and t.end <= trig.start), key=lambda t: t.start, default=None
            )
            if contrast is not None and end <= contrast.start:
                gap = contrast.start - end
                found[trig.category] = min(found.get(trig.category, gap), gap)
            continue
        if trig.end <= start and trig.direction in {"forward", "both"}:
            gap_from, gap_to = trig.end, start
        elif trig.start >= end and trig.direction in {"backward", "both"}:
            gap_from, gap_to = end, trig.start
        else:
            continue
        if gap_to - gap_from >= trig.scope:
            continue
        if any(gap_from <= t.start and t.end <= gap_to and trig.category not in t.passes for t in terminators):
            continue
        found[trig.category] = min(found.get(trig.category, gap_to - gap_from), gap_to - gap_from)
    return found


def status_from(categories: dict[str, int] | set[str]) -> str | None:
    """The mention's status, or None when it is about someone outside the child's household. Where
    several kinds of trigger reach a mention the nearest decides ("I don't know, I think she *might*
    be drinking": possible); at equal distance the order of _PRECEDENCE."""
    if isinstance(categories, set):
        categories = dict.fromkeys(categories, SENTENCE_DISTANCE)
    if "other_person" in categories:
        return None
    ranked = [c for c in _PRECEDENCE if c in categories and c != "other_person"]
    if not ranked:
        return "present"
    nearest = min(ranked, key=lambda c: (categories[c], _PRECEDENCE.index(c)))
    return STATUS_OF[nearest]


def carried_back(triggers: list[Trigger], next_start: int, next_end: int) -> dict[str, int]:
    """Categories that the next sentence's contrast triggers give this one, when that sentence opens with a
    contrast word ("She had postnatal depression after Tyler. But she's been well for years now.")."""
    inside = [t for t in triggers if t.start >= next_start and t.end <= next_end]
    opener = next((t for t in inside if t.category == "terminate" and t.contrast and t.start <= next_start + 1), None)
    if opener is None:
        return {}
    return {t.category: SENTENCE_DISTANCE for t in inside if t.direction == "contrast" and t.start >= opener.end}


def told_in_past(doc: Doc, start: int, end: int, recent: PhraseMatcher | None) -> bool:
    """Whether the clause of tokens [start, end) is told in the simple past ("he was off work", "she went
    through rehab", "had been drinking") and says nothing that makes it recent ("on Saturday")."""
    token = doc[start:end].root
    while token.pos_ not in {"VERB", "AUX"} and token.head is not token:
        token = token.head
    if token.pos_ not in {"VERB", "AUX"}:
        return False
    auxes = [c for c in token.children if c.dep_ in {"aux", "auxpass"}]
    past_perfect = token.tag_ == "VBN" and any(a.lower_ in {"'d", "d", "had"} for a in auxes)  # "they'd fled"
    if not past_perfect and any(a.tag_ in {"VBZ", "VBP", "MD"} for a in auxes):
        return False  # "has been", "is being", "will be"
    if not past_perfect and token.tag_ != "VBD" and not any(a.tag_ == "VBD" for a in auxes):
        return False
    clause = doc[token.left_edge.i : token.right_edge.i + 1]
    return recent is None or not recent(clause)  # matched within the clause only
