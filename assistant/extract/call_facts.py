"""Facts about the call rather than the family: who is calling, whether the family knows, and the
child's own words. All phrase lists come from the corpus."""

from __future__ import annotations

import weakref
from typing import Any

from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc

from assistant.extract.analysis import Analyser, CallText, Sentence
from assistant.extract.mentions import quote_bounds
from assistant.extract.referents import names_an_adult
from assistant.knowledge import GAP
from assistant.records import CallerInfo, ChildVoice, Evidence

_TURN_DECAY = 0.6  # each later caller turn counts this much less when naming a role
_INTRODUCED = 3.0  # a role word right after "I'm", "calling from"... counts this much more
_CALLER_TURNS = 8  # caller turns read for the role

_NEGATIONS = {"not", "never"}
_KINDS = ("caller", "strong", "weak")
_GAP_TOKENS = 12
_RIGHT_AFTER = 2  # tokens (a comma, a pronoun) between an answer's yes or no and words that outrank it
_GAP_STOPS = _NEGATIONS | {"if", "whether"}  # words a gap never holds ("told her I wouldn't be calling")
_NEGATED_BEFORE = 2  # a negation this close before a gapped "yes" phrase makes it say no
_NO_BEFORE = 3  # tokens before a "yes" phrase searched for corpus `no_before` words
_OPEN_BEFORE = 4  # tokens before a yes or no phrase searched for corpus `open_question_words`

Match = tuple[str, int, int]  # (label, start token, end token)
Matcher = Any  # a PhraseMatcher or a _GapMatcher: called on a doc, gives (label key, start, end)


class _GapMatcher:
    """Phrases whose parts may have a few words between them: "told (her|mum) ... (ringing|calling)"
    matches "told her that I'd be ringing you". Each part is a phrase of its own, so the alternatives
    of the parts are not multiplied out. Called like a PhraseMatcher: (label key, start, end) tuples.
    A gap holds no negation, "if" or "whether" ("told her I wouldn't be calling" is not "told her ...
    calling"), and a negation just before a "yes" phrase makes it say no ("I haven't told her I'm calling"),
    a hedge (corpus `hedges`) unknown ("he might have told her I was ringing")."""

    def __init__(self, analyser: Analyser, groups: dict[str, list[str]]) -> None:
        self.strings = analyser.nlp.vocab.strings
        self.strings.add("unknown")
        self.hedges = frozenset(h.lower() for h in analyser.knowledge.parents_aware.hedges)
        self.parts = PhraseMatcher(analyser.nlp.vocab, attr="NORM")
        part_ids: dict[str, str] = {}
        self.chains: dict[str, list[tuple[str, tuple[str, ...]]]] = {}  # first part -> (label, parts)
        for label, phrases in groups.items():
            for phrase in phrases:
                texts = [t.strip() for t in phrase.split(GAP)]
                if len(texts) < 2 or not all(texts):
                    continue
                ids = []
                for text in texts:
                    if text not in part_ids:
                        part_ids[text] = f"part{len(part_ids)}"
                        self.parts.add(part_ids[text], [analyser.make(text)])
                    ids.append(part_ids[text])
                self.chains.setdefault(ids[0], []).append((label, tuple(ids)))
        for label in groups:
            self.strings.add(label)

    def __len__(self) -> int:
        return sum(len(c) for c in self.chains.values())

    def __call__(self, doc: Doc) -> list[tuple[int, int, int]]:
        if not self.chains:
            return []
        found: dict[str, list[tuple[int, int]]] = {}
        for key, s, e in self.parts(doc):
            found.setdefault(self.strings[key], []).append((s, e))
        out: list[tuple[int, int, int]] = []
        for first, chains in self.chains.items():
            for s, e in found.get(first, []):
                for label, ids in chains:
                    end = self._rest(doc, found, ids[1:], e)
                    if end is None:
                        continue
                    before = doc[max(0, s - _NEGATED_BEFORE) : s]
                    if label.endswith("yes") and any(t.norm_ in _NEGATIONS for t in before):
                        label = label[: -len("yes")] + "no"
                    elif label.endswith("yes") and any(t.norm_ in self.hedges for t in before):
                        label = "unknown"
                    out.append((self.strings[label], s, end))
        return out

    def _rest(self, doc: Doc, found: dict[str, list[tuple[int, int]]], ids: tuple[str, ...], after: int) -> int | None:
        """The end of the nearest chain of the parts `ids` starting within the gap after token `after`."""
        if not ids:
            return after
        for s, e in sorted(found.get(ids[0], [])):
            if not after <= s <= after + _GAP_TOKENS or _punctuated_break(doc, after, s):
                continue
            if any(t.norm_ in _GAP_STOPS for t in doc[after:s]):
                continue
            end = self._rest(doc, found, ids[1:], e)
            if end is not None:
                return end
        return None


def _punctuated_break(doc: Doc, lo: int, hi: int) -> bool:
    """Whether a sentence that ends in punctuation ends between tokens lo and hi. A gap stays within
    its sentence, but a break the parser guessed in unpunctuated speech-recognition text ("i said to
    mum | id pass this on") does not stop it."""
    return any(doc[i].is_sent_start and doc[i - 1].is_punct for i in range(max(lo, 1), hi + 1))


class _Cues:
    """Phrase matchers for the call facts beyond those the analyser holds, built once per analyser
    from its knowledge. The analyser's own: `roles` (role words), `self_reference`, `aware` (the
    yes and no phrases) and `answers` (first words of an answer)."""

    def __init__(self, analyser: Analyser) -> None:
        roles = analyser.knowledge.caller_roles
        aware = analyser.knowledge.parents_aware

        def matcher(groups: dict[str, list[str]]) -> PhraseMatcher:
            found = PhraseMatcher(analyser.nlp.vocab, attr="NORM")
            for label, phrases in groups.items():
                plain = [p for p in phrases if GAP not in p]
                if plain:
                    found.add(label, [analyser.make(p) for p in plain])
            return found

        def with_gaps(groups: dict[str, list[str]]) -> list[Matcher]:
            gapped = _GapMatcher(analyser, groups)
            return [matcher(groups), gapped] if len(gapped) else [matcher(groups)]

        self.roles = {
            "caller": matcher(roles.caller_phrases),
            "strong": [analyser.roles, analyser.role_lemmas],
            "weak": matcher(roles.weak_roles),
        }
        self.others = matcher({"before": roles.others_before, "after": roles.others_after})
        self.question = matcher(
            {
                "question": aware.question_words,
                "call": aware.call_words,
                "family": aware.family_words,
                "asks": aware.question_phrases,
            }
        )
        self.not_question = matcher({"mask": aware.not_question_words})
        # the analyser's `aware` holds the yes and no phrases without gaps; those with gaps match here
        statement_gaps = _GapMatcher(analyser, {"yes": aware.yes_phrases, "no": aware.no_phrases})
        self.statements: list[Matcher] = [analyser.aware, statement_gaps]
        self.answers: list[Matcher] = [
            analyser.aware,
            statement_gaps,
            *with_gaps(
                {
                    "unknown": aware.unknown_phrases,
                    "answer_yes": aware.answer_yes_phrases,
                    "answer_no": aware.answer_no_phrases,
                }
            ),
        ]
        self.parent = with_gaps({"parent": aware.parent_caller})
        self.no_before = frozenset(w.lower() for w in aware.no_before)
        self.open_question = frozenset(w.lower() for w in aware.open_question_words)


_CUES: weakref.WeakKeyDictionary[Analyser, _Cues] = weakref.WeakKeyDictionary()


def _cues(analyser: Analyser) -> _Cues:
    cues = _CUES.get(analyser)
    if cues is None:
        cues = _CUES[analyser] = _Cues(analyser)
    return cues


def _labelled(matchers: Matcher | list[Matcher], doc: Doc, lo: int = 0, hi: int | None = None) -> list[Match]:
    """Matches inside tokens [lo, hi), the longest first where they overlap (at a tie, the one that
    ends later: its head word is the more specific, "the school nurse" is a nurse), in text order."""
    hi = len(doc) if hi is None else hi
    strings = doc.vocab.strings
    found = [
        (strings[k], s, e)
        for matcher in (matchers if isinstance(matchers, list) else [matchers])
        for k, s, e in matcher(doc)
        if lo <= s and e <= hi
    ]
    taken: set[int] = set()
    kept: list[Match] = []
    for label, s, e in sorted(found, key=lambda m: (-(m[2] - m[1]), -m[2], m[1])):
        if taken.isdisjoint(range(s, e)):
            taken.update(range(s, e))
            kept.append((label, s, e))
    return sorted(kept, key=lambda m: m[1])


def _said(cues: _Cues, matcher: Matcher | list[Matcher], doc: Doc, lo: int = 0, hi: int | None = None) -> list[Match]:
    """Yes/no phrases in text order. A "yes" phrase followed by a negation says no ("she does" in
    "she doesn't"), and so does one a few words after a `no_before` word ("neither of them knows
    we've rung"); a yes or no phrase a few words after an `open_question_words` word is asked, not
    said: unknown ("whether anyone's said to her we're referring", "I couldn't tell you if she knows")."""
    out = []
    for label, s, e in _labelled(matcher, doc, lo, hi):
        start = doc[s].sent.start
        negated_after = e < len(doc) and doc[e].norm_ in _NEGATIONS
        no_before = {t.norm_ for t in doc[max(start, s - _NO_BEFORE) : s]} & cues.no_before
        if label.endswith("yes") and (negated_after or no_before):
            label = label[: -len("yes")] + "no"
        if label in {"yes", "no"} and {t.norm_ for t in doc[max(start, s - _OPEN_BEFORE) : s]} & cues.open_question:
            label = "unknown"
        out.append((label, s, e))
    return out


def _evidence(call: CallText, turn: int, lo: int, hi: int) -> Evidence:
    t = call.transcript.turns[turn]
    return Evidence(quote=t.text[lo:hi], turn=turn, start=t.start, end=t.end)


def _quote(call: CallText, turn: int, start: int, end: int) -> Evidence:
    """The sentence of the turn that holds tokens [start, end), as evidence."""
    doc = call.docs[turn]
    sentence = next((s for s in call.by_turn.get(turn, []) if s.span.start <= start < s.span.end), None)
    lo, hi = quote_bounds(sentence.span if sentence else doc[start].sent, start, end)
    return _evidence(call, turn, lo, hi)


# -- who is calling --------------------------------------------------------------------------------


def caller_role(analyser: Analyser, call: CallText) -> CallerInfo:
    """The role whose words the caller uses of themselves: near an introduction ("I'm the DSL at"),
    early in the call and not about someone else ("the police said to ring you") count most."""
    cfg = analyser.knowledge.caller_roles
    cues = _cues(analyser)
    scores: dict[str, float] = {}
    where: dict[str, tuple[float, int, int, int]] = {}
    caller_turns = [i for i, t in enumerate(call.transcript.turns) if t.speaker in {"caller", "unknown"}]
    for rank, turn in enumerate(caller_turns[:_CALLER_TURNS]):
        doc = call.docs[turn]
        selfs = [e for _, _, e in analyser.self_reference(doc)]
        others = _labelled(cues.others, doc)
        found = [(kind, role, s, e) for kind, m in cues.roles.items() for role, s, e in _labelled(m, doc)]
        taken: set[int] = set()
        # longest first; then first-person phrases, role words, shared titles; then the one ending later
        for kind, role, start, end in sorted(found, key=lambda f: (-(f[3] - f[2]), _KINDS.index(f[0]), -f[3], f[2])):
            if not taken.isdisjoint(range(start, end)):
                continue  # a longer phrase here already counted ("probation officer" over "officer")
            taken.update(range(start, end))
            if kind != "caller" and _about_someone_else(doc, others, start, end, cfg.others_window):
                continue
            gaps = [start - e for e in selfs if 0 <= start - e <= cfg.self_reference_window]
            gap = 0 if kind == "caller" else (min(gaps) if gaps else None)
            if role in cfg.introduced_only and (gap is None or gap > cfg.introduced_only_window):
                continue  # "her mum" names the family unless the caller says "I'm her mum"
            weight = 1.0 if gap is None else _INTRODUCED * (1.0 - 0.5 * gap / (cfg.self_reference_window + 1))
            if kind == "weak":
                weight *= cfg.weak_weight
            weight *= (_TURN_DECAY**rank) * (1.0 + 0.1 * (end - start))
            scores[role] = scores.get(role, 0.0) + weight
            if weight > where.get(role, (0.0, 0, 0, 0))[0]:
                where[role] = (weight, turn, start, end)
    if not scores:
        return CallerInfo(role=cfg.fallback)
    role = max(scores, key=lambda r: scores[r])
    _, turn, start, end = where[role]
    return CallerInfo(role=role, evidence=[_quote(call, turn, start, end)])


def _about_someone_else(doc: Doc, others: list[Match], start: int, end: int, window: int) -> bool:
    """'I rang the police', 'the police said to ring you': the role is not the caller's."""
    sentence = doc[start].sent
    for label, s, e in others:
        if doc[s].sent != sentence:
            continue
        if (label == "before" and 0 <= start - e <= window) or (label == "after" and 0 <= s - end <= window):
            return True
    return False


# -- does the family know --------------------------------------------------------------------------


def parents_aware(analyser: Analyser, call: CallText) -> tuple[str, list[Evidence]]:
    """yes / no / unknown: the caller's answer to the worker asking about it (questions about the
    call before questions about the family), else the caller's own statement, else whether the caller
    is the child's parent."""
    cues = _cues(analyser)
    turns = call.transcript.turns
    prompts: list[tuple[int, int, str]] = []  # (order, worker turn, what the worker's words assume)
    for index, turn in enumerate(turns[:-1]):
        if turn.speaker != "worker" or turns[index + 1].speaker == "worker":
            continue
        sentences = call.by_turn.get(index, [])
        asked = [_prompt(cues, s, last=i == len(sentences) - 1) for i, s in enumerate(sentences)]
        asked_about_call = [a for a in asked if a is not None and a[0]]
        best = next(iter(asked_about_call or [a for a in asked if a is not None]), None)
        if best is not None:
            prompts.append((0 if best[0] else 1, index, best[1]))
    for _, index, assumed in sorted(prompts, key=lambda p: p[:2]):
        answered = _answer(analyser, cues, call, index + 1, assumed)
        if answered is not None:
            return answered
    for index, turn in enumerate(turns):
        if turn.speaker == "worker":
            continue
        stated = [m for m in _said(cues, cues.statements, call.docs[index]) if m[0] != "unknown"]
        if stated:
            label, start, end = stated[0]
            return label, [_quote(call, index, start, end)]
    for index in [i for i, t in enumerate(turns) if t.speaker != "worker"][:_CALLER_TURNS]:
        parent = _labelled(cues.parent, call.docs[index])
        if parent:
            _, start, end = parent[0]
            return "yes", [_quote(call, index, start, end)]
    return "unknown", []


def _prompt(cues: _Cues, sentence: Sentence, last: bool) -> tuple[bool, str] | None:
    """Whether a worker's sentence asks about the family knowing: (it names the call, what it assumes),
    or None. A statement ("So mum doesn't know you're calling.") asks when it ends the worker's turn
    and says yes or no itself; in unpunctuated speech the last sentence of the turn may ask."""
    span = sentence.span
    doc = span.doc
    masked: set[int] = set()
    for _, s, e in _labelled(cues.not_question, doc, span.start, span.end):
        masked.update(range(s, e))
    strings = doc.vocab.strings
    found: dict[str, list[set[int]]] = {}
    for key, s, e in cues.question(doc):  # every match: "contacted" may be a question word and a call word
        if span.start <= s and e <= span.end and masked.isdisjoint(range(s, e)):
            found.setdefault(strings[key], []).append(set(range(s, e)))

    def apart(label: str) -> bool:  # a question word and a `label` word that are different words
        return any(q.isdisjoint(o) for q in found.get("question", []) for o in found.get(label, []))

    about_call, about_family = apart("call") or "asks" in found, apart("family")
    if not (about_call or about_family):
        return None
    said = _said(cues, cues.statements, doc, span.start, span.end)
    assumed = said[0][0] if said else "yes"
    unpunctuated = not any(t.text in {".", "!", "?"} for t in doc)
    if not (sentence.is_question or (last and (said or unpunctuated))):
        return None
    return about_call, assumed


def _answer(
    analyser: Analyser, cues: _Cues, call: CallText, turn: int, assumed: str
) -> tuple[str, list[Evidence]] | None:
    """The verdict of the caller's answer, None when it does not say. A phrase about the call decides
    first (a doubt whether the family knows wins over 'I haven't told her'); else the first of the
    short answer phrases ("she does", "not yet") and the answer's first words ("yes": what the
    worker assumed; "no"; "not sure": unknown), or a yes or no said on its own at the answer's end."""
    doc = call.docs[turn]
    said = _said(cues, cues.answers, doc)
    labels = {label for label, _, _ in said}
    if "unknown" in labels and not labels & {"yes", "answer_yes"}:
        said = [m for m in said if m[0] == "unknown"]
    about_call = [m for m in said if not m[0].startswith("answer_")]
    if about_call:
        label, start, end = about_call[0]
        return label, [_quote(call, turn, start, end)]
    short = [(label.removeprefix("answer_"), s, e) for label, s, e in said]
    strings = doc.vocab.strings
    polar: list[tuple[str, int, int]] = []
    dialogue = analyser.knowledge.dialogue
    sentences = list(doc.sents)
    # a yes or no said on its own at the end of the answer ("She's not in any state to know anything. No.")
    last_words = len([t for t in sentences[-1] if not t.is_punct]) if sentences else 0
    closing = sentences[-1] if len(sentences) > 1 and last_words <= dialogue.closing_answer_words else None
    for key, s, e in analyser.answers(doc):
        verdict = {"affirmative": assumed, "negative": "no", "uncertain": "unknown"}.get(strings[key])
        at_end = closing is not None and closing.start <= s and e <= closing.end
        if verdict is not None and (s < dialogue.answer_window or at_end):
            polar.append((verdict, s, e))
    if not short and not polar:
        return None
    label, start, end = min(short + polar, key=lambda m: (m[1], -(m[2] - m[1])))
    if (label, start, end) in polar:
        # "No, she does." / "No, she knows.": words that say what the family knows, straight after the
        # yes or no, decide (the yes or no may answer the worker's wording rather than the fact)
        after = [m for m in short if end <= m[1] <= end + _RIGHT_AFTER]
        if after:
            label, start, end = min(after, key=lambda m: m[1])
    return label, [_quote(call, turn, start, end)]


# -- the child's own words -------------------------------------------------------------------------


def child_voice(analyser: Analyser, call: CallText) -> list[ChildVoice]:
    cfg = analyser.knowledge.child_voice
    verbs, speakers, not_child = set(cfg.reporting_verbs), set(cfg.speakers), set(cfg.not_child)
    genders = cfg.pronoun_genders()
    out: list[ChildVoice] = []
    for sentence in call.sentences:
        if sentence.speaker == "worker":
            continue
        span = sentence.span
        hit = False
        for token in span:
            if token.lemma_ not in verbs or token.pos_ not in {"VERB", "AUX"}:
                continue
            if token.dep_ in {"relcl", "pcomp", "acl"} or any(c.tag_ in {"WP", "WDT"} for c in token.children):
                continue  # "what he said", "the thing she told me": a reference, not the words
            nxt = token.doc[token.i + 1] if token.i + 1 < len(token.doc) else None
            direct = nxt is not None and nxt.text in {",", ":", '"', "“", "'"}
            if not direct and not any(c.dep_ in {"ccomp", "xcomp"} for c in token.children):
                continue  # words are reported only where the verb carries them
            subjects = [c for c in token.children if c.dep_ in {"nsubj", "nsubjpass"}]
            for subj in subjects:
                words = {subj.lower_, subj.lemma_} | {t.lower_ for t in subj.subtree}
                if words & not_child:
                    continue
                if subj.pos_ == "PRON" and names_an_adult(call.docs, sentence.turn, subj, speakers, not_child, genders):
                    continue  # "Mum's been low. She said she can't sleep": she is mum
                if (
                    subj.lower_ in speakers
                    or subj.lemma_ in speakers
                    or subj.ent_type_ == "PERSON"
                    or (subj.pos_ == "PROPN")
                ):
                    hit = True
            if hit:
                break
        if not hit and analyser.voice_phrases is not None and analyser.voice_phrases(span.as_doc()):
            hit = True
        if hit:
            lo, hi = quote_bounds(span)
            turn = call.transcript.turns[sentence.turn]
            out.append(ChildVoice(quote=turn.text[lo:hi], turn=sentence.turn, start=turn.start, end=turn.end))
    return out
