"""Whom a cue is about, read from the parse: an adult who was hurt (the `adult_victims` of
corpus/status_rules.yaml), or someone the factor is not about (a factor's `not_subjects` in
corpus/taxonomy.yaml: the caller, mum), named or as the "she" that stands for them. Reading only: the
words come from the corpus."""

from __future__ import annotations

from collections.abc import Mapping

from spacy.tokens import Doc, Span, Token

from assistant.knowledge import AdultVictims

_FEMININE = frozenset({"she", "her", "herself"})
_MASCULINE = frozenset({"him", "his", "himself"})
_SUBJECTS = frozenset({"nsubj", "nsubjpass"})
# how far a word of the cue's clause may be from its subject: "I'm (fairly) confident", "hopeful rather than confident"
_CLAUSE_DEPS = frozenset({"acomp", "attr", "conj", "advmod", "amod", "pobj", "prep"})
_HAVING = frozenset({"have", "get"})  # "mum has panic attacks": the one who has it
_NEXT_TO = 2  # tokens between a name and the adult's word it stands next to ("the mum, Stacey")
_APPOSED = "appos"  # or a name set beside the adult's word by a comma ("Her partner, Ryan Holt,")...
_APPOSED_REACH = 4  # ...this many tokens from it at most
_PRONOUN_REACH = (10, 4)  # tokens before and after a cue searched for "she"/"her"


class AdultReferents:
    def __init__(self, rules: AdultVictims, reporting_verbs: frozenset[str] = frozenset()) -> None:
        self.reporting_verbs = reporting_verbs
        self.factors = frozenset(rules.factors)
        self.redirect_to = rules.redirect_to
        self.adults = frozenset(rules.adults)
        self.partners = frozenset(rules.partners)
        self.children = frozenset(rules.children)
        self.window = rules.window

    def adult_names(self, docs: list[Doc]) -> dict[str, str]:
        """Names that stand next to an adult's word somewhere in the call ("Her partner Dean", "Mum, Sophie"),
        each with that word (lemma), which may say whether the adult is a "he" or a "she"."""
        names: dict[str, str] = {}
        for doc in docs:
            for token in doc:
                if token.pos_ != "PROPN":
                    continue
                name = full_name(token)
                beside = next(
                    (
                        t
                        for t in (name.head, *name.children)
                        if t.i != name.i
                        and self._is_adult_word(t)
                        and (
                            abs(t.i - name.i) <= _NEXT_TO
                            or (_APPOSED in (t.dep_, name.dep_) and abs(t.i - name.i) <= _APPOSED_REACH)
                        )
                    ),
                    None,
                )
                if beside is not None:
                    names.setdefault(token.lower_, beside.lemma_.lower())
        return names

    def hurt_adult(self, doc: Doc, start: int, end: int, adult_names: Mapping[str, str]) -> bool:
        """Whether the cue doc[start:end] is about an adult woman who was hurt, not the child."""
        if any(t.lower_ in _MASCULINE for t in doc[start:end]):
            return False
        before, after = _PRONOUN_REACH
        near = doc[max(0, start - before) : min(len(doc), end + after)]
        if not any(t.lower_ in _FEMININE or t.lemma_.lower() in self.adults for t in near):
            return False  # no "she", "her" or adult woman's word ("mum had a split lip") near the cue
        sentence = doc[start].sent
        if any(self._her_partner(doc, i) for i in range(end + 1, sentence.end)):
            return True  # "she had bruises on her neck ... said it's just her boyfriend messing about"
        verb = doc[start].head
        cue_ancestors = set(doc[start].ancestors)
        for i in range(end - 1, max(-1, start - self.window), -1):
            token = doc[i]
            if self._her_partner(doc, i):
                return True  # "her partner hit her": the woman whose partner he is
            kind = self._kind(token, adult_names)
            if kind is None or token.dep_ == "poss":
                continue  # "her mum's boyfriend": the possessor is not the one hurt
            doing = token.head == verb or start <= token.head.i < end + 3
            if token.dep_ in _SUBJECTS and doing and token.head.lemma_ not in _HAVING:
                continue  # the one doing the hurting ("mum slapped her"), not the one who has it ("mum had a bruise")
            if token.dep_ in _SUBJECTS and token.head.lemma_ in self.reporting_verbs and token.head in cue_ancestors:
                continue  # the one telling of it ("mum said she had a bruise")
            return kind == "adult"
        return False

    def _kind(self, token: Token, adult_names: Mapping[str, str]) -> str | None:
        lemma = token.lemma_.lower()
        if lemma in self.adults:
            return "adult"
        if lemma in self.children:
            return "child"
        if token.pos_ == "PROPN":
            return "adult" if token.lower_ in adult_names else "child"  # a name not known as an adult's: the child's
        return None

    def _her_partner(self, doc: Doc, i: int) -> bool:
        """Whether token i is a partner word straight after "her" ("her boyfriend")."""
        return i > 0 and doc[i].lemma_.lower() in self.partners and doc[i - 1].lower_ == "her"

    def _is_adult_word(self, token: Token) -> bool:
        lemma = token.lemma_.lower()
        return lemma in self.adults or lemma in self.partners


def full_name(token: Token) -> Token:
    """The word a name stands with: "Stacey" in "Stacey Crane" stands with "Crane", the name it is part of."""
    while token.dep_ == "compound" and token.head.pos_ == "PROPN" and token.head != token:
        token = token.head
    return token


def said_of(span: Span, who: frozenset[str]) -> bool:
    """Whether the subject of the cue's clause holds one of the words `who`: "*I*'m fairly confident", "*we*'re
    hopeful rather than confident", "*mum* got tearful"."""
    subject = clause_subject(span)
    if subject is None:
        return False
    return bool(({t.lower_ for t in subject.subtree} | {subject.lemma_.lower()}) & who)


def clause_subject(span: Span) -> Token | None:
    """The subject of the clause the cue words `span` belong to ("*she* was tearful"), if the parse gives one."""
    inside = {t.i for t in span}
    node = next((t for t in span if t.head.i not in inside or t.head == t), span[0])
    for _ in range(4):
        subjects = [c for c in node.children if c.dep_ in _SUBJECTS and c.i not in inside]
        if subjects:
            return subjects[0]
        if node.dep_ not in _CLAUSE_DEPS and not (node.dep_ == "dobj" and node.head.lemma_ in _HAVING):
            return None
        if node.head == node:
            return None
        node = node.head
    return None


_PRONOUNS = {"she", "her", "he", "him"}
_LOOKBACK_TURNS = 3  # turns before the sentence searched for whom a pronoun stands for


def names_an_adult(
    docs: list[Doc],
    turn: int,
    pronoun: Token,
    speakers: set[str],
    not_child: set[str],
    genders: dict[str, set[str]],
    adult_names: Mapping[str, str] | None = None,
) -> bool:
    """Whether a "he" or "she" that reports words stands for an adult: the nearest earlier word of
    its gender for a person (in this turn or the few before, either speaker) is a word for an adult
    (not_child: "mum", "dad") rather than one for a child or a name, and the sentence does not speak of
    an adult of that gender itself, or it is a name the call gives an adult of that gender or of none
    (``adult_names``: "her partner Mark", not "mum's boyfriend Dean" for a "she"). Words for
    someone's relative ("her mum") and possessors ("mum's partner") are passed over, and so is the one who tells of it ("mum says she's been cutting": she is
    not mum); with no such word it is the child."""
    gender = genders.get(pronoun.lower_)
    if not gender:
        return False
    spans = [docs[turn][: pronoun.i]] + [docs[t][:] for t in range(turn - 1, max(-1, turn - 1 - _LOOKBACK_TURNS), -1)]
    for span in spans:
        for tok in reversed(span):
            if tok.dep_ == "poss" or any(c.dep_ == "poss" for c in tok.children):
                continue
            word = tok.lower_
            if tok.pos_ in {"NOUN", "PROPN"} and word in gender and word in speakers | not_child:
                if tok.dep_ in _SUBJECTS and any(a.dep_ == "ccomp" and a.head == tok.head for a in pronoun.ancestors):
                    return False  # "mum says she's been cutting herself": the one telling is someone else
                if word not in not_child:
                    return False
                # "She said mum holds her head": who speaks of mum is not mum
                rest = pronoun.doc[pronoun.i + 1 : pronoun.sent.end]
                return not any(t.lower_ in gender and t.lower_ not in _PRONOUNS | speakers for t in rest)
            beside = (adult_names or {}).get(tok.lower_) if tok.pos_ == "PROPN" else None
            if beside is not None and not any(beside in words for g, words in genders.items() if g != pronoun.lower_):
                return True  # a name the call gives an adult ("her partner Mark ... he does the night feeds")
            if tok.pos_ == "PROPN" and tok.ent_type_ == "PERSON":
                return False  # a name: as likely the child as anyone
    return False
