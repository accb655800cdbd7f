"""From recognised segments with voices to turns: each word (or, without word times, each segment)
takes the voice heard at its time; everything is put in time order; consecutive stretches of one
speaker become one turn, carrying the flags of what went into it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from assistant.records import Speaker, Turn, Word
from assistant.transcribe.recognise import Segment, judged_silent

SPEAKER_UNCERTAIN = "speaker_uncertain"
FAR_FROM_VOICE_S = 1.0  # a word this far from any embedded stretch of speech has a guessed voice

# (start, end) -> (voice, margin, distance to the nearest voiced stretch in seconds)
VoiceAt = Callable[[float, float], tuple[int, float | None, float]]


@dataclass(frozen=True)
class Atom:
    """The smallest stretch that gets a voice: a word, or a whole segment without word times."""

    voice: int
    start: float
    end: float
    text: str
    words: tuple[Word, ...]
    segment: Segment
    uncertain: bool


def atoms(segments: Sequence[Segment], voice_at: VoiceAt, use_words: bool, margin_floor: float) -> list[Atom]:
    out: list[Atom] = []
    for segment in segments:
        if use_words and segment.words:
            for word in segment.words:
                voice, margin, distance = voice_at(word.start, word.end)
                uncertain = (margin is not None and margin < margin_floor) or distance > FAR_FROM_VOICE_S
                out.append(Atom(voice, word.start, word.end, word.word, (word,), segment, uncertain))
        else:
            voice, margin, distance = voice_at(segment.start, segment.end)
            uncertain = (margin is not None and margin < margin_floor) or distance > FAR_FROM_VOICE_S
            out.append(Atom(voice, segment.start, segment.end, segment.text, (), segment, uncertain))
    return out


def _merge_flags(flag_lists: Sequence[Sequence[str]]) -> list[str]:
    merged: list[str] = []
    for flags in flag_lists:
        merged.extend(flag for flag in flags if flag not in merged)
    return merged


def build_turns(atom_list: Sequence[Atom], speaker_of: Callable[[int], Speaker], keep_words: bool) -> list[Turn]:
    ordered = sorted(atom_list, key=lambda a: (a.start, a.end))

    def key(atom: Atom) -> tuple[Speaker, bool]:
        # What Whisper heard in a window it would have skipped as silence stands apart, so its flags mark just it.
        return speaker_of(atom.voice), judged_silent(atom.segment.flags)

    groups: list[list[Atom]] = []
    for atom in ordered:
        if groups and key(groups[-1][-1]) == key(atom):
            groups[-1].append(atom)
        else:
            groups.append([atom])
    turns = []
    for group in groups:
        segments: list[Segment] = []
        for atom in group:
            if not any(atom.segment is s for s in segments):
                segments.append(atom.segment)
        weights = [sum(1 for a in group if a.segment is s) for s in segments]
        flags = _merge_flags([s.flags for s in segments])
        # A turn is uncertain when a third or more of its words had a weak or guessed voice.
        if sum(a.uncertain for a in group) * 3 >= len(group):
            flags.append(SPEAKER_UNCERTAIN)
        turns.append(
            Turn(
                speaker=speaker_of(group[0].voice),
                text=" ".join(a.text for a in group).strip(),
                start=round(min(a.start for a in group), 3),
                end=round(max(a.end for a in group), 3),
                words=[w for a in group for w in a.words] if keep_words else [],
                flags=flags,
                avg_logprob=round(
                    sum(w * s.avg_logprob for w, s in zip(weights, segments, strict=True)) / sum(weights), 4
                ),
                no_speech_prob=max(s.no_speech_prob for s in segments),
            )
        )
    return turns
