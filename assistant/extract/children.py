"""Whether the one a cue is said of is the child: a word for a child ("the lad") or a name the call
gives a child ("Jordan who's sixteen", "Girl's called Jade Morris, fourteen", "the lad, Kieran"). A
factor about a parent or carer (`not_the_child` in corpus/taxonomy.yaml) is no evidence when said of
the child: a teenager's own drinking is not a parent's. A "he" or "she" is never taken for the child
here: whom it stands for is misread too often to drop a parent's worry for it. Reading only: the words
come from corpus/child_voice.yaml."""

from __future__ import annotations

from collections.abc import Collection

from spacy.tokens import Doc, Span, Token

from assistant.extract.referents import full_name
from assistant.knowledge import ChildVoice

_PRONOUNS = frozenset({"he", "she", "they", "him", "her", "them", "his", "hers", "their"})
_PERSON_PRONOUNS = frozenset({"he", "she", "i", "we", "you", "they", "him", "her", "them"})
_PLACE_WORDS = frozenset({"from", "in", "at", "near", "around", "outside", "into"})  # "from Aylsham"
_NAME_TO_WORD = 4  # tokens between a name and the child's word beside it ("the lad, Kieran")
_NAME_TO_AGE = 8  # tokens from a name to its age ("Chloe Barker, she's fifteen")
# the only words that may come between a name and its age
_NAME_TO_AGE_WORDS = frozenset(
    {
        "who",
        "'s",
        "’s",
        "is",
        "was",
        "whos",
        "she",
        "he",
        "shes",
        "hes",
        "aged",
        "age",
        "just",
        "only",
        "nearly",
        "turned",
    }
)
_AFTER_AN_AGE = frozenset({"and", "but", "so", "now", "next", "in", "this", "last"})  # "Tilly's six and Jake's nine"
_AGE_UNITS = frozenset({"year", "years", "month", "months", "week", "weeks"})
_OWN = frozenset({"my", "our"})  # "my daughter Sarah": a grandparent's daughter is the child's mother


def person_before(doc: Doc, start: int, sentence_start: int, person_words: Collection[str]) -> Token | None:
    """The nearest word for a person at or before ``start`` in its sentence: a pronoun, a name, or one of
    ``person_words`` ("*Jordan*'s been smoking weed", "because *Jade* came home very drunk", "*mum*'s
    drinking"). Spoken sentences parse poorly, so the words are read in order rather than from the parse."""
    for i in range(start, sentence_start - 1, -1):
        tok = doc[i]
        if tok.pos_ == "PRON" and tok.lower_ in _PERSON_PRONOUNS:
            return tok
        if tok.pos_ == "PROPN" and not _a_place(tok):
            return tok
        if tok.pos_ == "NOUN" and (tok.lower_ in person_words or tok.lemma_.lower() in person_words):
            return tok
    return None


def _a_place(tok: Token) -> bool:
    """ "from Aylsham", "in Norwich": a name after a preposition of place."""
    return tok.dep_ == "pobj" and tok.head.lower_ in _PLACE_WORDS  # (spaCy's entity types are no guide in speech)


def _as_subject(token: Token) -> bool:
    """Whether a person word is the one doing or having what follows: the subject, the owner ("Jordan's
    drinking"), or a word straight before "is"/"has"/"was" that a spoken sentence's parse missed."""
    nxt = token.doc[token.i + 1].lower_ if token.i + 1 < len(token.doc) else ""
    return token.dep_ in {"nsubj", "nsubjpass", "poss"} or nxt in {"'s", "’s", "is", "was", "has", "had"}


class ChildReferents:
    """The call's child, as the words and names that stand for them (corpus/child_voice.yaml)."""

    def __init__(self, voice: ChildVoice) -> None:
        self.words = frozenset(voice.speakers) - _PRONOUNS
        self.ages = frozenset(voice.minor_ages)
        self.person_words = (
            frozenset(voice.speakers) | set(voice.not_child) | set(voice.female_words) | set(voice.male_words)
        )

    def names(self, docs: list[Doc]) -> frozenset[str]:
        """Names (lower case, each word of a full name) the call gives a child: beside a word for a child,
        or followed by a child's age."""
        found: set[str] = set()
        for doc in docs:
            for token in doc:
                if token.pos_ != "PROPN" or token.lower_ in self.person_words or _a_place(token):
                    continue
                if self._beside_child_word(token) or self._age_follows(token):
                    found.add(token.lower_)
        return frozenset(found)

    def said_of(self, words: Span, names: frozenset[str]) -> bool:
        """Whether the cue ``words`` are said of the child ("Jordan's been smoking weed"); ``names`` are
        the call's child names (``names(docs)``)."""
        who = person_before(words.doc, words.start, words.sent.start, self.person_words)
        return who is not None and _as_subject(who) and self.is_child(who, names)

    def is_child(self, subject: Token, names: frozenset[str]) -> bool:
        """Whether ``subject`` (the one words are said of) is the child; ``names`` are the call's child names."""
        if subject.lemma_.lower() in self.words or subject.lower_ in self.words:
            return True
        if subject.pos_ == "PROPN":
            return subject.lower_ in names
        return False  # a "he" or "she": who it stands for is too often misread to drop a parent's worry

    def _beside_child_word(self, name: Token) -> bool:
        """ "the lad, Kieran", "a little girl sky": a name beside a word for a child, not "my daughter Sarah"
        (a grandparent's daughter is the child's mother)."""
        head = full_name(name)
        return any(
            t.i != head.i
            and (t.lemma_.lower() in self.words or t.lower_ in self.words)
            and abs(t.i - head.i) <= _NAME_TO_WORD
            and not any(c.lower_ in _OWN for c in t.children)
            for t in (head.head, *head.children)
        )

    def _age_follows(self, name: Token) -> bool:
        """ "Jordan who's sixteen", "Chloe Barker, she's fifteen", "Tilly's six": the name, then only the
        words that join a name to its age, then a child's age (not "two years", "three kids")."""
        doc = name.doc
        end = min(name.sent.end, name.i + 1 + _NAME_TO_AGE)
        for i in range(name.i + 1, end):
            tok = doc[i]
            if tok.lower_ in self.ages:
                if i > 0 and doc[i - 1].text == "-":
                    return False  # "thirty-eight": the end of a larger number
                rest = [t.lower_ for t in doc[i + 1 : i + 5]]
                if rest and rest[0] in _AGE_UNITS | {"-"}:
                    return "old" in rest  # "two years" is a time, "two years old" an age
                return not rest or doc[i + 1].is_punct or rest[0] in _AFTER_AN_AGE
            part_of_name = tok.pos_ == "PROPN" and (tok.head == name or name.head == tok)
            if not (part_of_name or tok.is_punct or tok.lower_ in _NAME_TO_AGE_WORDS):
                return False  # other words first ("becky's two er ellie who's nine"): not this name's age
        return False
