"""Training examples for the factor classifier: the taxonomy's example sentences and confusables,
and the caller's sentences of labelled calls (a sentence holding a gold quote is an example of
that factor; the call's other sentences are counter-examples of factors the call does not have)."""

from __future__ import annotations

from assistant.extract.analysis import Analyser
from assistant.extract.classifier import TrainingExample
from assistant.extract.status import find_triggers
from assistant.extract.status_head import StatusExample, trigger_kinds
from assistant.knowledge import Taxonomy
from assistant.labelled import LabelledCall

TOPIC_STATUSES = {"present", "possible", "historical"}


def taxonomy_examples(taxonomy: Taxonomy) -> list[TrainingExample]:
    out = [TrainingExample(text, {f.id}) for f in taxonomy.factors for text in f.examples]
    out.extend(TrainingExample(text, set()) for text in taxonomy.confusables)
    return out


def call_examples(analyser: Analyser, calls: list[LabelledCall]) -> list[TrainingExample]:
    out: list[TrainingExample] = []
    for call in calls:
        text = analyser.analyse(call.transcript)
        spans: list[tuple[str, int, int, int]] = []  # factor, turn, start, end of each gold quote
        for gold in call.gold.factors.values():
            if gold.status not in TOPIC_STATUSES:
                continue
            for quote in gold.evidence:
                for turn_index, turn in enumerate(call.transcript.turns):
                    at = turn.text.find(quote)
                    if at >= 0:
                        spans.append((gold.factor, turn_index, at, at + len(quote)))
                        break
        in_call = set(call.gold.factors)
        for sentence in text.sentences:
            if sentence.speaker == "worker":
                continue
            positives = {
                f for f, t, s, e in spans if t == sentence.turn and s < sentence.end_char and e > sentence.start_char
            }
            out.append(TrainingExample(sentence.text, positives, unknown=in_call - positives))
    return out


def status_examples(analyser: Analyser, calls: list[LabelledCall]) -> list[StatusExample]:
    """Each caller sentence that holds a gold quote, with that factor's gold status (one example per
    sentence and status) and the kinds of status trigger in it."""
    out: dict[tuple[str, str, str], StatusExample] = {}
    for call in calls:
        text = analyser.analyse(call.transcript)
        triggers: dict[int, list] = {}
        for gold in call.gold.factors.values():
            for quote in gold.evidence:
                for sentence in text.sentences:
                    if sentence.speaker == "worker":
                        continue
                    turn = call.transcript.turns[sentence.turn].text
                    at = turn.find(quote)
                    if at < 0 or not (at < sentence.end_char and at + len(quote) > sentence.start_char):
                        continue
                    if sentence.turn not in triggers:
                        triggers[sentence.turn] = find_triggers(analyser, text.docs[sentence.turn])
                    span = sentence.span
                    kinds = trigger_kinds(triggers[sentence.turn], span.start, span.end)
                    out.setdefault((call.transcript.id, sentence.text, gold.status), StatusExample(sentence.text, gold.status, kinds))
                    break
    return list(out.values())
