"""Linguistic analysis of a call with spaCy: sentences per turn, normalised tokens, and phrase
matchers built once from the corpus knowledge. Parsing only: no decisions are made here."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span

from assistant.knowledge import GAP, Knowledge
from assistant.records import Transcript

# Contractions that spaCy splits off without a norm of their own ("im" -> "i" + "m").
# "n't" too: the tokenizer gives "doesn't" the norm "not" but a corpus phrase "does n't" keeps "n't".
_NORM_FIX = {"m": "am", "'m": "am", "re": "are", "'re": "are", "ve": "have", "'ve": "have", "ll": "will",
             "'ll": "will", "mom": "mum", "mam": "mum", "n't": "not", "n’t": "not", "’m": "am", "’re": "are",
             "’ve": "have", "did": "did"}  # fmt: skip  # "did": spaCy norms the "did" of an unpunctuated "didnt" as "do"
_LONG_SENTENCE = 45  # tokens; unpunctuated speech is cut into windows of this size
_WINDOW_STRIDE = 30


def normalise(doc: Doc) -> Doc:
    for token in doc:
        fixed = _NORM_FIX.get(token.lower_)
        if fixed:
            token.norm_ = fixed
        token.lemma_ = token.lemma_.lower()
    return doc


@dataclass
class Sentence:
    index: int
    turn: int
    speaker: str
    span: Span
    is_question: bool

    @property
    def text(self) -> str:
        return self.span.text

    @property
    def start_char(self) -> int:
        return self.span.start_char

    @property
    def end_char(self) -> int:
        return self.span.end_char


@dataclass
class CallText:
    transcript: Transcript
    docs: list[Doc]
    sentences: list[Sentence]
    by_turn: dict[int, list[Sentence]] = field(default_factory=dict)

    def turn_text(self, turn: int) -> str:
        return self.transcript.turns[turn].text


SIGN = "~sign"  # suffix of the match label of a factor's signs
SUPPORT = "~support"  # suffix of the match label of a factor's supporting cues
NOT_CUE = "~not"  # suffix of the match label of a factor's not_cues


class Analyser:
    """Runs spaCy over a call's turns and holds every phrase matcher the extractor needs."""

    def __init__(self, nlp: Language, knowledge: Knowledge) -> None:
        self.nlp = nlp
        self.knowledge = knowledge
        vocab = nlp.vocab
        tax = knowledge.taxonomy
        # a sign is matched like a cue, under the label "<factor>~sign"; a supporting cue under "<factor>~support"
        cue_texts = (
            [(f.id, cue) for f in tax.factors for cue in f.cues]
            + [(f"{f.id}{SIGN}", sign) for f in tax.factors for sign in f.signs]
            + [(f"{f.id}{SUPPORT}", cue) for f in tax.factors for cue in f.supporting_cues]
            + [(f"{f.id}{NOT_CUE}", phrase) for f in tax.factors for phrase in f.not_cues]
        )
        self.cues_norm = PhraseMatcher(vocab, attr="NORM")
        self.cues_lemma = PhraseMatcher(vocab, attr="LEMMA")
        q_texts = [(f.id, cue) for f in tax.factors for cue in f.question_cues + f.cues + f.signs]
        # each distinct phrase through the tagger once (cue phrases also serve as question cues)
        phrases = list(dict.fromkeys(c for _, c in cue_texts + q_texts))
        lemma_of = dict(zip(phrases, self._pipe_light(phrases), strict=True))
        for factor_id, cue in cue_texts:
            lemma_doc = lemma_of[cue]
            self.cues_norm.add(factor_id, [self.make(cue)])
            # a cue written in base form also matches its inflections ("slap" -> "slapped"); one that
            # is not ("missing") matches only as written, so it does not match "missed"
            if len(lemma_doc) and all(t.lemma_ == t.lower_ or t.pos_ in {"PRON", "DET"} for t in lemma_doc):
                self.cues_lemma.add(factor_id, [lemma_doc])
        self.question_cues = PhraseMatcher(vocab, attr="LEMMA")
        for factor_id, cue in q_texts:
            q_doc = lemma_of[cue]
            if len(q_doc):
                self.question_cues.add(factor_id, [q_doc])
        rules = knowledge.status_rules
        self.triggers = PhraseMatcher(vocab, attr="NORM")
        # match label -> (category, direction, scope, categories a terminator lets through)
        self.trigger_info: dict[str, tuple[str, str, int, frozenset[str], bool]] = {}
        for i, rule in enumerate(rules.rules):
            key = f"trigger{i}"
            scope = rule.scope or (rules.backward_scope if rule.direction == "backward" else rules.forward_scope)
            self.trigger_info[key] = (rule.category, rule.direction, scope, frozenset(rule.passes), rule.contrast)
            self.triggers.add(key, [self.make(p) for p in rule.phrases])
        self.recent = (
            self._matcher(rules.past_tense.recent, "recent") if rules.past_tense and rules.past_tense.recent else None
        )
        dialogue = knowledge.dialogue
        self.openers = self._matcher(dialogue.question_openers, "opener")
        self.answers = PhraseMatcher(vocab, attr="NORM")
        for polarity in ("negative", "affirmative", "uncertain", "historical", "statements"):
            self.answers.add(polarity, [self.make(p) for p in getattr(dialogue.answers, polarity)])
        self.positive_state = self._matcher(dialogue.positive_state_words, "ok")
        self.requests = self._matcher(dialogue.request_openers, "request")
        roles = knowledge.caller_roles
        self.self_reference = self._matcher(roles.self_reference, "self")
        self.roles = PhraseMatcher(vocab, attr="NORM")
        # the same role words by lemma, so a plural counts too ("one of the school nurses", "midwives")
        self.role_lemmas = PhraseMatcher(vocab, attr="LEMMA")
        for role, phrases in roles.roles.items():
            self.roles.add(role, [self.make(p) for p in phrases])
            self.role_lemmas.add(role, list(self._pipe_light(p.replace(" '", "'") for p in phrases)))
        aware = knowledge.parents_aware
        self.aware = PhraseMatcher(vocab, attr="NORM")
        # phrases with a gap are matched part by part in call_facts; here only the plain ones
        self.aware.add("yes", [self.make(p) for p in aware.yes_phrases if GAP not in p])
        self.aware.add("no", [self.make(p) for p in aware.no_phrases if GAP not in p])
        voice = knowledge.child_voice
        self.voice_phrases = self._matcher(voice.phrases, "voice") if voice.phrases else None

    def introductions(self, doc: Doc) -> list[tuple[int, int]]:
        """Token spans where a caller names their own job ("I'm a probation officer"): words there
        describe the caller, not the family."""
        window = self.knowledge.caller_roles.self_reference_window
        ends = [e for _, _, e in self.self_reference(doc)]
        found = {(s, e) for matcher in (self.roles, self.role_lemmas) for _, s, e in matcher(doc)}
        return sorted((s, e) for s, e in found if any(0 <= s - end <= window for end in ends))

    def make(self, text: str) -> Doc:
        # corpus phrases write contractions apart ("i 'm"); rejoined, they split as in speech ("i" + "'m")
        return normalise(self.nlp.make_doc(text.replace(" '", "'")))

    def _pipe_light(self, texts: Iterable[str]) -> Iterable[Doc]:
        enabled = {"tok2vec", "tagger", "attribute_ruler", "lemmatizer"}
        disabled = [name for name in self.nlp.pipe_names if name not in enabled]
        for doc in self.nlp.pipe(texts, disable=disabled, batch_size=256):
            yield normalise(doc)

    def _matcher(self, phrases: list[str], key: str) -> PhraseMatcher:
        matcher = PhraseMatcher(self.nlp.vocab, attr="NORM")
        matcher.add(key, [self.make(p) for p in phrases])
        return matcher

    def analyse(self, transcript: Transcript) -> CallText:
        docs = [normalise(d) for d in self.nlp.pipe((t.text for t in transcript.turns), batch_size=64)]
        sentences: list[Sentence] = []
        by_turn: dict[int, list[Sentence]] = {}
        for turn_index, (turn, doc) in enumerate(zip(transcript.turns, docs, strict=True)):
            for span in self._sentence_spans(doc):
                if not span.text.strip() or all(t.is_punct or t.is_space for t in span):
                    continue
                sentence = Sentence(
                    index=len(sentences),
                    turn=turn_index,
                    speaker=turn.speaker,
                    span=span,
                    is_question=self._is_question(span),
                )
                sentences.append(sentence)
                by_turn.setdefault(turn_index, []).append(sentence)
        return CallText(transcript=transcript, docs=docs, sentences=sentences, by_turn=by_turn)

    @staticmethod
    def _sentence_spans(doc: Doc) -> Iterable[Span]:
        for sent in doc.sents:
            if len(sent) <= _LONG_SENTENCE:
                yield sent
                continue
            start = sent.start
            while start < sent.end:
                end = min(start + _LONG_SENTENCE, sent.end)
                if sent.end - end < 10:
                    end = sent.end
                yield doc[start:end]
                if end == sent.end:
                    break
                start += _WINDOW_STRIDE

    def _is_question(self, span: Span) -> bool:
        if any(t.text == "?" for t in span):
            return True
        if any(t.text in {".", "!", "?"} for t in span.doc):
            return False  # punctuated text marks its questions
        # unpunctuated speech: a question opener anywhere in the stretch
        return bool(self.openers(span.as_doc()))
