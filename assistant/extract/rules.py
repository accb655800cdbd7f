"""Rule-based mentions: taxonomy cue phrases in what the caller says, with the status the trigger
rules give them, and the caller's answers to the worker's questions."""

from __future__ import annotations

from collections.abc import Mapping

from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from assistant.extract.analysis import NOT_CUE, SIGN, SUPPORT, Analyser, CallText, Sentence
from assistant.extract.children import ChildReferents
from assistant.extract.mentions import Mention, quote_bounds
from assistant.extract.referents import AdultReferents, clause_subject, names_an_adult, said_of
from assistant.extract.status import (
    Trigger,
    carried_back,
    categories_reaching,
    find_triggers,
    status_from,
    told_in_past,
)

RULE_CONFIDENCE = 0.75
DIALOGUE_CONFIDENCE = 0.7
_PRIORITY = {"present": 3, "possible": 2, "historical": 1, "ruled_out": 0}
CUE_KINDS = ("cue", "sign", "support")


def cue_matches(analyser: Analyser, doc: Doc) -> list[tuple[str, int, int, str]]:
    """(factor, start, end, kind) cue matches in a turn, kind one of CUE_KINDS; overlapping cues of one
    factor kept once (the longest; at the same length a cue before a sign before a supporting cue)."""
    strings = analyser.nlp.vocab.strings
    found: dict[str, list] = {}
    kinds: dict[tuple[str, int, int], str] = {}
    not_cues: dict[str, list[tuple[int, int]]] = {}
    for matcher in (analyser.cues_norm, analyser.cues_lemma):
        for key, start, end in matcher(doc):
            label = strings[key]
            if label.endswith(NOT_CUE):
                not_cues.setdefault(label.removesuffix(NOT_CUE), []).append((start, end))
                continue
            factor, kind = label, "cue"
            for suffix, name in ((SIGN, "sign"), (SUPPORT, "support")):
                if label.endswith(suffix):
                    factor, kind = label.removesuffix(suffix), name
            previous = kinds.get((factor, start, end))
            if previous is None or CUE_KINDS.index(kind) < CUE_KINDS.index(previous):
                kinds[(factor, start, end)] = kind
            found.setdefault(factor, []).append(doc[start:end])
    out = []
    for factor, spans in found.items():
        # "missing school" is no missing episode: a cue inside one of the factor's not_cues is dropped
        spans = [s for s in spans if not any(a <= s.start and s.end <= b for a, b in not_cues.get(factor, []))]
        ranked = sorted(spans, key=lambda s: CUE_KINDS.index(kinds[(factor, s.start, s.end)]))
        for s in filter_spans(ranked):
            out.append((factor, s.start, s.end, kinds[(factor, s.start, s.end)]))
    return sorted(out, key=lambda m: (m[1], m[0]))


def speaker_is_caller(sentence: Sentence) -> bool:
    return sentence.speaker in {"caller", "unknown"}


class RuleMentions:
    def __init__(self, analyser: Analyser) -> None:
        self.analyser = analyser
        self.dialogue = analyser.knowledge.dialogue
        self.openers_not_asked = frozenset(self.dialogue.openers_not_asked)
        self.question_starts = frozenset(q.split()[0] for q in self.dialogue.question_openers)
        self.kinds = {f.id: f.kind for f in analyser.knowledge.taxonomy.factors}
        self.not_subjects = {
            f.id: frozenset(f.not_subjects) for f in analyser.knowledge.taxonomy.factors if f.not_subjects
        }
        victims = analyser.knowledge.status_rules.adult_victims
        reporting = frozenset(analyser.knowledge.child_voice.reporting_verbs)
        self.adults = AdultReferents(victims, reporting) if victims else None
        voice = analyser.knowledge.child_voice
        self.child_words = set(voice.speakers)
        # words in a question that name the child: a child word or a "him"/"his" ("any worries for him?")
        self.child_mentions = frozenset(self.child_words) | {"him", "his", "he"}
        self.genders = voice.pronoun_genders()
        self.children = ChildReferents(voice)
        self.not_the_child = frozenset(f.id for f in analyser.knowledge.taxonomy.factors if f.not_the_child)

    def find(self, call: CallText) -> list[Mention]:
        triggers = [find_triggers(self.analyser, doc) for doc in call.docs]
        cues = [cue_matches(self.analyser, doc) for doc in call.docs]
        mentions = self._statements(call, triggers, cues)
        mentions.extend(self._answers(call, triggers, cues))
        # a supporting cue backs up a factor that other cues or an answer find, never reports it alone
        found = {m.factor for m in mentions if not m.supporting and m.source != "question"}
        return [m for m in mentions if not m.supporting or m.factor in found]

    def _not_the_subject(
        self, call: CallText, turn: int, cue: Span, factor: str, adult_names: Mapping[str, str] | None = None
    ) -> bool:
        """Whether the cue's clause is about one of the factor's `not_subjects`, by name or by a "she"/"he"
        that stands for them."""
        who = self.not_subjects[factor]
        if said_of(cue, who):
            return True
        subject = clause_subject(cue)
        return (
            subject is not None
            and subject.lower_ in self.genders
            and names_an_adult(call.docs, turn, subject, self.child_words, set(who), self.genders, adult_names)
        )

    def _statements(self, call: CallText, triggers: list[list[Trigger]], cues: list) -> list[Mention]:
        out: list[Mention] = []
        intro_spans = {
            i: (self.analyser.introductions(doc) if call.transcript.turns[i].speaker != "worker" else [])
            for i, doc in enumerate(call.docs)
        }
        adult_names = self.adults.adult_names(call.docs) if self.adults else {}
        child_names = self.children.names(call.docs) if self.not_the_child else frozenset()
        past = self.analyser.knowledge.status_rules.past_tense
        for sentence in call.sentences:
            if not speaker_is_caller(sentence):
                continue
            span = sentence.span
            doc = span.doc
            intros = intro_spans[sentence.turn]
            back = self._carried_back(call, sentence, triggers) if past and past.contrast_reaches_previous_sentence else {}
            found: list[tuple[str, int, int, str, str]] = []  # factor, start, end, kind, status
            for factor, start, end, kind in cues[sentence.turn]:
                if start < span.start or end > span.end:
                    continue
                if any(s < end and start < e for s, e in intros):
                    continue  # the caller's own job title ("probation officer"), not a fact about the family
                if factor in self.not_subjects and self._not_the_subject(call, sentence.turn, doc[start:end], factor, adult_names):
                    continue  # "I'm fairly confident", "mum got tearful", "how's mum? - she was tearful": not the child
                if factor in self.not_the_child and self.children.said_of(doc[start:end], child_names):
                    continue  # "Jordan's been smoking weed": the child's own, not a parent's
                if (
                    self.adults
                    and factor in self.adults.factors
                    and self.adults.hurt_adult(doc, start, end, adult_names)
                ):
                    if self.adults.redirect_to is None:
                        continue
                    factor = self.adults.redirect_to  # mum's black eye: harm to an adult, not to the child
                strength = self.kinds.get(factor) == "strength"
                cats = categories_reaching(triggers[sentence.turn], span.start, span.end, start, end, concord=strength)
                for category, distance in back.items():
                    cats.setdefault(category, distance)
                status = status_from(cats)
                if status is None:
                    continue
                if kind == "sign" and status == "present":
                    status = "possible"  # a sign alone (a bruise, an empty fridge) may have another explanation
                found.append((factor, start, end, kind, status))
            if past and past.same_factor:
                found = self._share_the_past(doc, found, triggers[sentence.turn])
            best: dict[tuple[str, str], Mention] = {}
            for factor, start, end, kind, status in found:
                lo, hi = quote_bounds(span, start, end)
                key = (factor, status)
                if key not in best or (best[key].supporting and kind != "support"):
                    best[key] = Mention(
                        factor,
                        status,
                        RULE_CONFIDENCE,
                        sentence.turn,
                        lo,
                        hi,
                        "rules",
                        sentence.index,
                        supporting=kind == "support",
                    )
            out.extend(best.values())
        return out

    def _share_the_past(
        self, doc: Doc, found: list[tuple[str, int, int, str, str]], triggers: list[Trigger]
    ) -> list[tuple[str, int, int, str, str]]:
        """A cue told in the simple past takes 'historical' from a cue of the same factor in its sentence
        that a historical trigger reaches ("a breakdown a couple of years ago, he was off work with
        depression"), unless a contrast word stands between them ("... but last month she tested positive")."""
        contrasts = [t.start for t in triggers if t.category == "terminate" and t.contrast]
        past = [(f, s) for f, s, _, _, status in found if status == "historical"]

        def shares(factor: str, start: int) -> bool:
            return any(
                f == factor and not any(min(s, start) <= c < max(s, start) for c in contrasts) for f, s in past
            )

        return [
            (f, s, e, k, "historical")
            if status == "present" and shares(f, s) and told_in_past(doc, s, e, self.analyser.recent)
            else (f, s, e, k, status)
            for f, s, e, k, status in found
        ]

    @staticmethod
    def _carried_back(call: CallText, sentence: Sentence, triggers: list[list[Trigger]]) -> dict[str, int]:
        """What the next sentence of the same turn says of this one when it opens with a contrast word."""
        same_turn = call.by_turn.get(sentence.turn, [])
        after = [s for s in same_turn if s.span.start >= sentence.span.end]
        if not after:
            return {}
        nxt = after[0].span
        return carried_back(triggers[sentence.turn], nxt.start, nxt.end)

    def _answers(self, call: CallText, triggers: list[list[Trigger]], cues: list) -> list[Mention]:
        """A worker's question naming a factor, answered yes/no/unsure by the caller's next turn."""
        out: list[Mention] = []
        turns = call.transcript.turns
        for turn_index, turn in enumerate(turns[:-1]):
            if turn.speaker != "worker" or turns[turn_index + 1].speaker == "worker":
                continue
            questions = [s for s in call.by_turn.get(turn_index, []) if s.is_question]
            asked: list[tuple[Sentence, str]] = []
            for question in reversed(questions):
                if self._is_request(question):
                    continue
                factors = self._asked_about(question)
                if factors:
                    asked = [(question, f) for f in sorted(factors)]
                    break
            if not asked:
                continue
            answer_turn = turn_index + 1
            answer_sentences = call.by_turn.get(answer_turn, [])
            if not answer_sentences:
                continue
            polarities = self._polarities(call.docs[answer_turn])
            if polarities == (None, None):
                continue
            answered_factors = {f for f, _, _, kind in cues[answer_turn] if kind != "support"}
            first = answer_sentences[0]
            # a short answer ("I'm not sure.") is quoted with the sentence that explains it
            last = answer_sentences[1] if len(first.span) < 6 and len(answer_sentences) > 1 else first
            for question, factor in asked:
                if factor in answered_factors:
                    continue  # the caller's own words about it are read as statements
                strength = self.kinds.get(factor) == "strength"
                polarity = polarities[strength]
                if polarity is None:
                    continue
                status = self._status(polarity, factor, question)
                if strength and status == "present":
                    continue  # "yes" to a question about a strength says too little; the caller's words decide
                lo, _ = quote_bounds(first.span, first.span.start, min(first.span.end, first.span.start + 1))
                _, hi = quote_bounds(last.span, last.span.start, min(last.span.end, last.span.start + 1))
                out.append(Mention(factor, status, DIALOGUE_CONFIDENCE, answer_turn, lo, hi, "dialogue", first.index))
                q_lo, q_hi = quote_bounds(question.span)
                out.append(
                    Mention(factor, status, DIALOGUE_CONFIDENCE, question.turn, q_lo, q_hi, "question", question.index)
                )
        return out

    def _is_request(self, question: Sentence) -> bool:
        head = question.span.doc[question.span.start : min(question.span.end, question.span.start + 4)].as_doc()
        return any(start <= 1 for _, start, _ in self.analyser.requests(head))

    def _asked_about(self, question: Sentence) -> set[str]:
        """Factors a worker's question names; where names overlap the longer wins ("mum's mental health")."""
        doc = question.span.as_doc()
        strings = self.analyser.nlp.vocab.strings
        matches = [(strings[k], s, e) for k, s, e in self.analyser.question_cues(doc)]
        kept = {(s.start, s.end) for s in filter_spans([doc[s:e] for _, s, e in matches])}
        asked = [(f, s, e) for f, s, e in matches if (s, e) in kept]
        # words naming two factors ("any mental health issues for mum?") ask about the one whose subject
        # the question names: not about a factor whose `not_subjects` it names, unless it also names the
        # child ("have the parents mentioned any worries for him?"), and never about none of them
        named = {t.lower_ for t in doc} - {"i", "we", "you"}
        if named & self.child_mentions:
            return {f for f, _, _ in asked}
        out: set[str] = set()
        for span in {(s, e) for _, s, e in asked}:
            sharing = [f for f, s, e in asked if (s, e) == span]
            kept_here = [f for f in sharing if len(sharing) == 1 or not (named & self.not_subjects.get(f, frozenset()))]
            out.update(kept_here or sharing)
        return out

    def _polarities(self, doc: Doc) -> tuple[str | None, str | None]:
        """How the answer opens, for a question about a risk and about a strength: negative, affirmative,
        uncertain, historical, or None (no answer word). Phrases that start in the first words are read
        whole ("they do n't" is not "they do"). An opening that states a strength ("he's never missed a
        day") is no answer about a strength; about a risk its "never" still answers."""
        strings = self.analyser.nlp.vocab.strings
        matches = [(strings[k], s, e) for k, s, e in self.analyser.answers(doc) if s < self.dialogue.answer_window]

        def opening(found: list[tuple[str, int, int]]) -> str | None:
            if not found:
                return None
            start = min(s for _, s, _ in found)
            polarity = max((e - s, label) for label, s, e in found if s == start)[1]
            return None if polarity == "statements" else polarity

        return opening([m for m in matches if m[0] != "statements"]), opening(matches)

    def _asks_if_fine(self, question: Sentence) -> bool:
        """Whether the question asks if things are fine ("is he okay at home?"), not counting the words
        that only open the turn ("okay, any worries at home?")."""
        doc = question.span.as_doc()
        opening = 0
        # an opener followed by punctuation, another opener or the start of a question ("okay any
        # worries?"); not one that is the question itself ("okay at home?")
        while (
            opening + 1 < len(doc)
            and doc[opening].lower_ in self.openers_not_asked
            and (
                doc[opening + 1].is_punct
                or doc[opening + 1].lower_ in self.openers_not_asked
                or doc[opening + 1].lower_ in self.question_starts
            )
        ):
            opening += 1
            while opening < len(doc) and doc[opening].is_punct:
                opening += 1
        return any(start >= opening for _, start, _ in self.analyser.positive_state(doc))

    def _status(self, polarity: str, factor: str, question: Sentence) -> str:
        inverted = self.kinds.get(factor) == "risk" and self._asks_if_fine(question)
        if polarity == "historical":
            return "historical"
        if polarity == "uncertain":
            return "possible"
        if polarity == "affirmative":
            return "ruled_out" if inverted else "present"
        return "present" if inverted else "ruled_out"


def call_level_status(statuses: list[str]) -> str:
    return max(statuses, key=lambda s: _PRIORITY[s])
