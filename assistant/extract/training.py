"""Training examples for the factor classifier: the taxonomy's example sentences and confusables,
and the caller's sentences of labelled calls (a sentence holding a gold quote is an example of
that factor; the call's other sentences are counter-examples of factors the call does not have)."""

from __future__ import annotations

from assistant.extract.analysis import Analyser
from assistant.extract.classifier import TrainingExample
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
