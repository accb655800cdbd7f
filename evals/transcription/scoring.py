"""Scores for transcripts: word error rate on normalised text, and speaker accuracy by word.

Normalisation (both sides): lower case, hyphens as spaces, punctuation removed, spaces collapsed.
Speaker accuracy: hypothesis words are aligned to reference words (jiwer's alignment); over the
aligned pairs (hits and substitutions) it is the share whose speakers agree.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import jiwer

_PUNCTUATION = re.compile(r"[^\w\s]")


def normalise(text: str) -> list[str]:
    text = text.lower().replace("’", "'").replace("-", " ")
    return _PUNCTUATION.sub("", text).split()


def speaker_words(turns: Sequence[tuple[str, str]]) -> tuple[list[str], list[str]]:
    """(words, speaker of each word) from (speaker, text) turns."""
    words: list[str] = []
    speakers: list[str] = []
    for speaker, text in turns:
        tokens = normalise(text)
        words += tokens
        speakers += [speaker] * len(tokens)
    return words, speakers


@dataclass(frozen=True)
class Score:
    ref_words: int
    errors: int
    substitutions: int
    deletions: int
    insertions: int
    aligned: int
    speaker_agree: int

    @property
    def wer(self) -> float:
        return self.errors / max(self.ref_words, 1)

    @property
    def speaker_accuracy(self) -> float:
        return self.speaker_agree / max(self.aligned, 1)

    def __add__(self, other: Score) -> Score:
        return Score(*(a + b for a, b in zip(self.as_tuple(), other.as_tuple(), strict=True)))

    def as_tuple(self) -> tuple[int, ...]:
        return (
            self.ref_words,
            self.errors,
            self.substitutions,
            self.deletions,
            self.insertions,
            self.aligned,
            self.speaker_agree,
        )


def score(
    reference: Sequence[tuple[str, str]],
    hypothesis: Sequence[tuple[str, str]],
    speaker_map: Callable[[str], str] = lambda s: s,
) -> Score:
    ref_words, ref_speakers = speaker_words(reference)
    hyp_words, hyp_speakers = speaker_words(hypothesis)
    if not ref_words:
        raise ValueError("empty reference")
    if not hyp_words:
        return Score(len(ref_words), len(ref_words), 0, len(ref_words), 0, 0, 0)
    out = jiwer.process_words(" ".join(ref_words), " ".join(hyp_words))
    aligned = agree = 0
    for chunk in out.alignments[0]:
        if chunk.type in ("equal", "substitute"):
            for offset in range(chunk.ref_end_idx - chunk.ref_start_idx):
                aligned += 1
                ref_speaker = ref_speakers[chunk.ref_start_idx + offset]
                hyp_speaker = speaker_map(hyp_speakers[chunk.hyp_start_idx + offset])
                agree += ref_speaker == hyp_speaker
    errors = out.substitutions + out.deletions + out.insertions
    return Score(len(ref_words), errors, out.substitutions, out.deletions, out.insertions, aligned, agree)


def best_mapping_score(reference: Sequence[tuple[str, str]], hypothesis: Sequence[tuple[str, str]]) -> Score:
    """For recordings without worker/caller roles: the better of the two ways to pair the speakers."""
    ref_names = sorted({s for s, _ in reference})
    hyp_names = sorted({s for s, _ in hypothesis})
    best: Score | None = None
    for flip in (False, True):
        pairing = dict(zip(hyp_names, ref_names[::-1] if flip else ref_names, strict=False))
        candidate = score(reference, hypothesis, lambda s, p=pairing: p.get(s, "?"))  # type: ignore[misc]
        if best is None or candidate.speaker_agree > best.speaker_agree:
            best = candidate
    assert best is not None
    return best
