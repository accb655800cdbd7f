"""Training examples for the factor classifier: the taxonomy's example sentences and confusables,
and the caller's sentences of labelled calls (a sentence holding a gold quote is an example of
that factor; the call's other sentences are counter-examples of factors the call does not have)."""

from __future__ import annotations

from assistant.extract.analysis import Analyser, Sentence
from assistant.extract.classifier import TrainingExample
from assistant.extract.status import Trigger, find_triggers
from assistant.extract.status_head import StatusExample, trigger_kinds
from assistant.knowledge import Taxonomy
from assistant.labelled import GoldFactor, LabelledCall

TOPIC_STATUSES = {"present", "possible", "historical"}


def taxonomy_examples(taxonomy: Taxonomy) -> list[TrainingExample]:
    out = [TrainingExample(text, {f.id}) for f in taxonomy.factors for text in f.examples]
    out.extend(TrainingExample(text, set()) for text in taxonomy.confusables)
    return out


def _gold_spans(call: LabelledCall, statuses: set[str] | None = None) -> list[tuple[GoldFactor, int, int, int]]:
    """Each gold quote (of a factor with one of ``statuses``; all by default) where it first occurs:
    the gold factor, the turn and the quote's character span in that turn."""
    spans = []
    for gold in call.gold.factors.values():
        if statuses is not None and gold.status not in statuses:
            continue
        for quote in gold.evidence:
            for turn_index, turn in enumerate(call.transcript.turns):
                at = turn.text.find(quote)
                if at >= 0:
                    spans.append((gold, turn_index, at, at + len(quote)))
                    break
    return spans


def _held(spans: list[tuple[GoldFactor, int, int, int]], sentence: Sentence) -> set[str]:
    """The factors of the gold quotes that overlap ``sentence``."""
    return {g.factor for g, t, s, e in spans if t == sentence.turn and s < sentence.end_char and e > sentence.start_char}


def call_examples(analyser: Analyser, calls: list[LabelledCall]) -> list[TrainingExample]:
    out: list[TrainingExample] = []
    for call in calls:
        text = analyser.analyse(call.transcript)
        spans = _gold_spans(call, TOPIC_STATUSES)
        denials = _gold_spans(call, {"ruled_out"})
        # a factor ruled out in the call is spoken of nowhere else in it: the sentence that denies it says
        # nothing reliable of it, every other one is a counter-example ("she's been coming home drunk" of
        # a teenager whose parents' drinking was ruled out)
        in_call = {f for f, g in call.gold.factors.items() if g.status != "ruled_out"}
        for sentence in text.sentences:
            if sentence.speaker == "worker":
                continue
            positives = _held(spans, sentence)
            context = call.transcript.turns[sentence.turn].text
            unknown = (in_call | _held(denials, sentence)) - positives
            out.append(TrainingExample(sentence.text, positives, unknown=unknown, context=context))
    return out


def status_examples(analyser: Analyser, calls: list[LabelledCall]) -> list[StatusExample]:
    """Each caller sentence that holds a gold quote, with that factor's gold status and kind (one example
    per sentence, status and kind) and the kinds of status trigger in it."""
    out: dict[tuple[str, str, str, bool], StatusExample] = {}
    kinds_of = {f.id: f.kind for f in analyser.knowledge.taxonomy.factors}
    for call in calls:
        text = analyser.analyse(call.transcript)
        triggers: dict[int, list[Trigger]] = {}
        for gold, turn, start, end in _gold_spans(call):
            sentence = next(
                (
                    s
                    for s in text.by_turn.get(turn, [])
                    if s.speaker != "worker" and start < s.end_char and end > s.start_char
                ),
                None,
            )
            if sentence is None:
                continue
            if turn not in triggers:
                triggers[turn] = find_triggers(analyser, text.docs[turn])
            kinds = trigger_kinds(triggers[turn], sentence.span.start, sentence.span.end)
            context = call.transcript.turns[turn].text
            strength = kinds_of.get(gold.factor) == "strength"
            out.setdefault(
                (call.transcript.id, sentence.text, gold.status, strength),
                StatusExample(sentence.text, gold.status, kinds, context, strength),
            )
    return list(out.values())
