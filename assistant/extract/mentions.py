"""A mention: one place in the call where a factor comes up, with the status read there."""

from __future__ import annotations

from dataclasses import dataclass

from spacy.tokens import Span

from assistant.records import Evidence, Transcript

_MAX_QUOTE_TOKENS = 32
_QUOTE_REACH = 12  # tokens either side of a cue when a sentence is too long to quote whole


@dataclass
class Mention:
    factor: str
    status: str
    confidence: float
    turn: int
    char_start: int
    char_end: int
    source: str  # rules | classifier | dialogue
    sentence: int | None = None
    support: float | None = None  # the classifier's probability for this factor in this sentence, where it ran
    supporting: bool = False  # from a supporting cue: kept only where the factor is found otherwise

    def evidence(self, transcript: Transcript) -> Evidence:
        return evidence_at(transcript, self.turn, self.char_start, self.char_end)


def evidence_at(transcript: Transcript, turn_index: int, char_start: int, char_end: int) -> Evidence:
    """The words [char_start, char_end) of a turn as evidence, timed by their words where the
    transcript has word times, else by the turn."""
    turn = transcript.turns[turn_index]
    quote = turn.text[char_start:char_end]
    start, end = turn.start, turn.end
    if turn.words:
        offset = 0
        times = []
        for word in turn.words:
            found = turn.text.find(word.word.strip(), offset)
            if found < 0:
                continue
            offset = found + len(word.word.strip())
            if found < char_end and offset > char_start:
                times.append((word.start, word.end))
        if times:
            start, end = times[0][0], times[-1][1]
    return Evidence(quote=quote, turn=turn_index, start=start, end=end)


def quote_bounds(sentence: Span, cue_start: int | None = None, cue_end: int | None = None) -> tuple[int, int]:
    """Character bounds (within the turn) of the words to quote: the sentence, or a window around
    the cue when the sentence is long."""
    span = sentence
    if len(sentence) > _MAX_QUOTE_TOKENS and cue_start is not None and cue_end is not None:
        lo = max(sentence.start, cue_start - _QUOTE_REACH)
        hi = min(sentence.end, cue_end + _QUOTE_REACH)
        span = sentence.doc[lo:hi]
    # trim punctuation and spaces at the edges so the quote reads cleanly and stays verbatim
    tokens = [t for t in span if not t.is_space]
    while tokens and tokens[-1].is_punct and tokens[-1].text not in {"?", "!", "."}:
        tokens.pop()
    while tokens and tokens[0].is_punct:
        tokens.pop(0)
    if not tokens:
        return span.start_char, span.end_char
    return tokens[0].idx, tokens[-1].idx + len(tokens[-1].text)
