"""The people, ages, organisations, places and dates a call names, for the social worker's reference
(checking a name or a school against records, when something happened). They are not findings: nothing
here is judged or scored. Which spaCy labels count, words never listed and how ages are said all come
from corpus/entities.yaml."""

from __future__ import annotations

from spacy.matcher import Matcher
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from assistant.extract.analysis import Analyser, CallText, Sentence
from assistant.extract.mentions import evidence_at, quote_bounds
from assistant.knowledge import KnowledgeError
from assistant.records import Entity, Evidence

MAX_EVIDENCE = 3  # turns quoted for one entity; the first is where it was first named
_AGE = "age"


class EntityFinder:
    def __init__(self, analyser: Analyser) -> None:
        config = analyser.knowledge.entities
        self.labels = config.labels
        self.ignore = set(config.ignore)
        self.not_age = set(config.ages.not_followed_by)
        self.ages = Matcher(analyser.nlp.vocab)
        for i, pattern in enumerate(config.ages.patterns):
            try:
                self.ages.add(f"{_AGE}{i}", [pattern])
            except ValueError as exc:  # spaCy names the bad attribute or operator
                raise KnowledgeError(f"entities.yaml: ages.patterns.{i}: not a spaCy token pattern: {exc}") from exc

    def find(self, call: CallText) -> list[Entity]:
        found: dict[tuple[str, str], Entity] = {}
        for sentence in call.sentences:
            for kind, span in self._in_sentence(sentence):
                text = span.text.strip()
                key = (kind, _normal(text))
                if not key[1] or key[1] in self.ignore:
                    continue
                lo, hi = quote_bounds(sentence.span, span.start, span.end)
                evidence = evidence_at(call.transcript, sentence.turn, lo, hi)
                entity = found.get(key) or _same_person(found, key)
                if entity is None:
                    found[key] = Entity(text=text, kind=kind, evidence=[evidence])  # type: ignore[arg-type]
                elif len(entity.evidence) < MAX_EVIDENCE and _new_turn(entity.evidence, evidence):
                    entity.evidence.append(evidence)
        return list(found.values())

    def _in_sentence(self, sentence: Sentence) -> list[tuple[str, Span]]:
        span = sentence.span
        doc = span.doc  # the matcher gives token positions within the sentence
        matches = [doc[span.start + s : span.start + e] for _, s, e in self.ages(span)]
        ages = [a for a in filter_spans(matches) if self._is_age(a)]
        out: list[tuple[str, Span]] = [(_AGE, a) for a in ages]
        for ent in span.ents:
            kind = self.labels.get(ent.label_)
            if kind is None or any(a.start < ent.end and ent.start < a.end for a in ages):
                continue  # "14 years old" is spaCy's DATE and our age: listed once, as an age
            out.append((kind, ent))
        return sorted(out, key=lambda item: item[1].start)

    def _is_age(self, span: Span) -> bool:
        doc: Doc = span.doc
        after = doc[span.end].lower_ if span.end < len(doc) else ""
        return after not in self.not_age


def _normal(text: str) -> str:
    words = text.lower().removeprefix("the ").removesuffix("'s").removesuffix("’s")
    return " ".join(words.split()).strip(" .,!?;:-\"'")


def _same_person(found: dict[tuple[str, str], Entity], key: tuple[str, str]) -> Entity | None:
    """'Kayden' after 'Kayden Smith' (or before it) is the same person: listed once."""
    kind, name = key
    if kind != "person":
        return None
    for (other_kind, other), entity in found.items():
        if other_kind == "person" and (other.startswith(name + " ") or name.startswith(other + " ")):
            return entity
    return None


def _new_turn(evidence: list[Evidence], candidate: Evidence) -> bool:
    return all(e.turn != candidate.turn for e in evidence)
