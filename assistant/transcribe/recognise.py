"""Running faster-whisper over one channel of audio and keeping every segment, flagged where Whisper
itself doubts it (never dropped)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from assistant.records import Word
from assistant.transcribe.audio import SAMPLE_RATE
from assistant.transcribe.options import TranscribeOptions
from assistant.transcribe.whisper_model import WhisperHandle

LOW_CONFIDENCE = "low_confidence"
NO_SPEECH = "no_speech"


@dataclass
class Segment:
    """One Whisper segment, in seconds from the start of the recording."""

    start: float
    end: float
    text: str
    words: list[Word]
    avg_logprob: float
    no_speech_prob: float
    compression_ratio: float
    flags: list[str] = field(default_factory=list)


def judged_silent(flags: list[str]) -> bool:
    """Whisper's own rule for a window it would skip as silence: improbable text and a high
    no-speech probability together. Front Door keeps such text, as a turn of its own."""
    return NO_SPEECH in flags and LOW_CONFIDENCE in flags


def segment_flags(
    avg_logprob: float, no_speech_prob: float, compression_ratio: float, options: TranscribeOptions
) -> list[str]:
    flags = []
    if avg_logprob < options.low_confidence_logprob or compression_ratio > options.repetitive_compression_ratio:
        flags.append(LOW_CONFIDENCE)
    if no_speech_prob > options.no_speech_prob:
        flags.append(NO_SPEECH)
    return flags


def recognise(
    whisper: WhisperHandle,
    audio: np.ndarray,
    options: TranscribeOptions,
    progress: Callable[[float], None] | None = None,
) -> tuple[list[Segment], float]:
    """(segments, seconds spent in faster-whisper) for one channel."""
    started = time.perf_counter()
    duration = max(len(audio) / SAMPLE_RATE, 1e-6)
    raw_segments, _info = whisper.model.transcribe(audio, **options.whisper_kwargs())
    segments: list[Segment] = []
    for raw in raw_segments:
        text = raw.text.strip()
        words = [
            Word(word=w.word.strip(), start=round(w.start, 3), end=round(w.end, 3), probability=round(w.probability, 4))
            for w in (raw.words or [])
            if w.word.strip()
        ]
        segments.append(
            Segment(
                start=round(raw.start, 3),
                end=round(raw.end, 3),
                text=text,
                words=words,
                avg_logprob=round(raw.avg_logprob, 4),
                no_speech_prob=round(raw.no_speech_prob, 4),
                compression_ratio=round(raw.compression_ratio, 3),
                flags=segment_flags(raw.avg_logprob, raw.no_speech_prob, raw.compression_ratio, options),
            )
        )
        if progress:
            progress(min(1.0, raw.end / duration))
    if progress:
        progress(1.0)
    return segments, time.perf_counter() - started
