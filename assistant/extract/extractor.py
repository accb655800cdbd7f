"""The extraction stage: Transcript -> Findings."""

from __future__ import annotations

from dataclasses import dataclass

from assistant.extract.analysis import Analyser, CallText
from assistant.extract.call_facts import caller_role, child_voice, parents_aware
from assistant.extract.classifier import ClassifierError, FactorHead
from assistant.extract.entities import EntityFinder
from assistant.extract.features import FeatureError, layered, sentence_features
from assistant.extract.fusion import doubted_strength, fuse
from assistant.extract.mentions import Mention, quote_bounds
from assistant.extract.rules import RuleMentions
from assistant.extract.status import find_triggers, status_from
from assistant.extract.status_head import trigger_kinds
from assistant.knowledge import Knowledge
from assistant.models import Encoder
from assistant.records import Findings, Transcript

UNANCHORED_ORDER = ("other_person", "possible", "historical", "negated")


@dataclass(frozen=True)
class ExtractOptions:
    """How rules and classifier are fused; recorded in every record's provenance."""

    use_classifier: bool = True
    classifier_only_threshold: float = 0.7  # a factor found by the classifier alone needs this probability (tuned by CV on dev)
    # the same for a strength (None: classifier_only_threshold). 0.5 helped two blind sets (F1 0.731 -> 0.751,
    # 0.707 -> 0.731) and, once an audit had added the strengths dev's gold left out, dev CV too (0.807 -> 0.817
    # with the hidden-layer head); see evals/reports/README.md
    strength_only_threshold: float | None = 0.5
    rule_base_confidence: float = 0.55  # a rule mention's confidence is this plus agreement * classifier p
    rule_agreement_weight: float = 0.4
    doubt_threshold: float | None = 0.5  # cue words the classifier gives less than this lose to an explicit denial or past (dev CV: 0.2 to 0.5 the same; 0.5 on 60 new calls: one negation/time error fewer)
    strength_cue_floor: float | None = 0.05  # cue words for a strength the classifier gives less than this are dropped (fusion)
    doubted_denial: float | None = 0.8  # a denial read by the rules in a sentence the classifier gives at least this: the status head reads it (dev CV 0.7 to 0.9 the same)


class Extractor:
    def __init__(
        self,
        analyser: Analyser,
        encoder: Encoder | None = None,
        head: FactorHead | None = None,
        options: ExtractOptions | None = None,
    ) -> None:
        self.analyser = analyser
        self.knowledge: Knowledge = analyser.knowledge
        self.rules = RuleMentions(analyser)
        self.entities = EntityFinder(analyser)
        self.options = options or ExtractOptions()
        self.encoder = encoder if self.options.use_classifier else None
        self.head = head if self.options.use_classifier else None
        self.kinds = {f.id: f.kind for f in self.knowledge.taxonomy.factors}
        # risk -> the strengths whose cue words say it is absent
        self.opposed_by: dict[str, set[str]] = {}
        for f in self.knowledge.taxonomy.factors:
            for risk in f.opposes:
                self.opposed_by.setdefault(risk, set()).add(f.id)
        self.yields_to = {f.id: f.yields_to for f in self.knowledge.taxonomy.factors if f.yields_to}
        if self.encoder is not None and self.head is not None and self.head.features.layers != (-1,):
            try:
                layered(self.encoder, self.head.features.layers)
            except FeatureError as exc:
                raise ClassifierError(str(exc)) from exc

    def extract(self, transcript: Transcript) -> Findings:
        call = self.analyser.analyse(transcript)
        mentions = self.rules.find(call)
        if self.encoder is not None and self.head is not None:
            mentions = self._with_classifier(call, mentions)
        aware, aware_evidence = parents_aware(self.analyser, call)
        return Findings(
            caller=caller_role(self.analyser, call),
            factors=fuse(
                mentions,
                self.kinds,
                transcript,
                doubt=self.options.doubt_threshold if self.head else None,
                strength_floor=self.options.strength_cue_floor if self.head else None,
            ),
            parents_aware=aware,  # type: ignore[arg-type]
            parents_aware_evidence=aware_evidence,
            child_voice=child_voice(self.analyser, call),
            entities=self.entities.find(call),
            produced_by=self.describe(),
        )

    def describe(self) -> dict[str, object]:
        info: dict[str, object] = {
            "options": self.options.__dict__,
            "knowledge": dict(self.knowledge.versions),
        }
        if self.head is not None:
            info["classifier"] = {
                "version": self.head.version,
                "encoder": self.head.encoder,
                "features": self.head.features.to_dict(),
            }
        return info

    def _with_classifier(self, call: CallText, mentions: list[Mention]) -> list[Mention]:
        assert self.encoder is not None and self.head is not None
        sentences = [s for s in call.sentences if s.speaker != "worker"]
        if not sentences:
            return mentions
        turns = call.transcript.turns
        embeddings = sentence_features(
            self.encoder, [s.text for s in sentences], [turns[s.turn].text for s in sentences], self.head.features
        )
        probs = self.head.predict_proba(embeddings)
        column = {f: i for i, f in enumerate(self.head.factors)}
        row_of = {s.index: r for r, s in enumerate(sentences)}
        opts = self.options
        triggers = {t: find_triggers(self.analyser, call.docs[t]) for t in {s.turn for s in sentences}}
        read_by_head: dict[tuple[int, bool], str] = {}  # (sentence row, strength) -> the status head's status

        def head_status(r: int, factor: str) -> str:
            """The status head's reading of the whole sentence of row r for a factor (once a sentence and kind)."""
            assert self.head is not None and self.head.status is not None
            strength = self.kinds.get(factor) == "strength"
            if (r, strength) not in read_by_head:
                span = sentences[r].span
                kinds = trigger_kinds(triggers[sentences[r].turn], span.start, span.end)
                reader = self.head.strength_status if strength and self.head.strength_status else self.head.status
                read_by_head[(r, strength)] = reader.predict(embeddings[r], kinds, strength)[0]
            return read_by_head[(r, strength)]

        for mention in mentions:
            if mention.source == "rules" and mention.sentence in row_of and mention.factor in column:
                r = row_of[mention.sentence]
                p = float(probs[r, column[mention.factor]])
                mention.support = p
                mention.confidence = opts.rule_base_confidence + opts.rule_agreement_weight * p
                if (
                    mention.status == "ruled_out"
                    and opts.doubted_denial is not None
                    and p >= opts.doubted_denial
                    and self.head.status is not None
                ):
                    # "she's not missed a single day", "she doesn't mind, she'd take any help": a "not" the
                    # classifier reads as the factor being there; the status head reads the whole sentence
                    mention.status = head_status(r, mention.factor)
        covered = {(m.sentence, m.factor) for m in mentions}
        # strengths the rules found present by their cue words, by sentence
        strengths_said = {
            (m.sentence, m.factor)
            for m in mentions
            if m.source == "rules"
            and m.status == "present"
            and not m.supporting  # a supporting cue never shows a strength by itself
            and not doubted_strength(m, self.kinds, opts.strength_cue_floor)
        }
        for r, sentence in enumerate(sentences):
            for factor, c in column.items():
                p = float(probs[r, c])
                floor = opts.classifier_only_threshold
                if opts.strength_only_threshold is not None and self.kinds.get(factor) == "strength":
                    floor = opts.strength_only_threshold
                if p < max(floor, self.head.thresholds.get(factor, 0.5)):
                    continue
                if (sentence.index, factor) in covered:
                    continue
                span = sentence.span
                # status from every trigger in the sentence, as no cue word anchors the mention
                cats = {
                    t.category
                    for t in triggers[sentence.turn]
                    if span.start <= t.start and t.end <= span.end and t.category not in {"terminate", "pseudo"}
                }
                # no cue word anchors the mention, so a hedge anywhere in the sentence counts before a
                # "not" that may negate something else
                status = status_from({c: UNANCHORED_ORDER.index(c) for c in cats if c in UNANCHORED_ORDER})
                if status is None:
                    continue  # about someone outside the household
                if self.head.status is not None:
                    status = head_status(r, factor)  # the whole sentence: "never missed a day" is no denial
                if any((sentence.index, s) in strengths_said for s in self.opposed_by.get(factor, ())):
                    status = "ruled_out"  # "she never misses, ninety-six percent": the attendance is no worry
                lo, hi = quote_bounds(span)
                mentions.append(Mention(factor, status, p, sentence.turn, lo, hi, "classifier", sentence.index, p))
        return self._without_yielded(mentions)

    def _without_yielded(self, mentions: list[Mention]) -> list[Mention]:
        """Drops the cue words of a factor that yields to another found in the same sentence (taxonomy
        `yields_to`) where the classifier gives the factor less than its floor: "she had a split lip, he'd
        backhanded her" is domestic abuse, not the child's physical abuse. Denials are kept."""
        found = {(m.sentence, m.factor) for m in mentions if m.status != "ruled_out"}

        def yields(m: Mention) -> bool:
            if m.source != "rules" or m.status == "ruled_out" or m.support is None:
                return False
            floors = self.yields_to.get(m.factor, {})
            return any(m.support < floor and (m.sentence, other) in found for other, floor in floors.items())

        return [m for m in mentions if not yields(m)]

