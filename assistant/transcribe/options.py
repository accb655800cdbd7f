"""How a recording is transcribed: every choice in one frozen value, built from settings and recorded
in ``Transcript.produced_by`` so a transcript says exactly what made it."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from assistant.settings import Settings
from assistant.transcribe.vocabulary import load_vocabulary

# Whisper's own failure thresholds (as in openai-whisper): below this average log probability a
# decode counts as failed, above this gzip ratio the text is repetitive, above this no-speech
# probability the window is probably not speech.
LOW_CONFIDENCE_LOGPROB = -1.0
REPETITIVE_COMPRESSION_RATIO = 2.4
NO_SPEECH_PROB = 0.6


@dataclass(frozen=True)
class TranscribeOptions:
    language: str = "en"
    beam_size: int = 2
    word_timestamps: bool = True
    # Silero VAD (shipped inside faster-whisper) removes silence and noise before decoding.
    vad_filter: bool = True
    vad_min_silence_ms: int = 2000
    vad_speech_pad_ms: int = 400
    # Each 30-second window is decoded with the previous window's text as its prompt. Measured
    # (docs/transcription.md): lower WER, and no hallucinated "Thank you." in the last short window;
    # repetition loops are still caught by the temperature fallback, which also resets the prompt.
    condition_on_previous_text: bool = True
    temperature: tuple[float, ...] = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)
    # faster-whisper skips silences longer than this before a suspected hallucination and decodes again
    # from the speech; it needs word timestamps and is ignored without them. Measured: docs/transcription.md.
    hallucination_silence_threshold: float | None = 2.0
    # Domain vocabulary, given as hot words (before every window) when FRONTDOOR_WHISPER_VOCABULARY is on;
    # initial_prompt (before the first window only) is there to be measured against it.
    hotwords: str | None = None
    initial_prompt: str | None = None
    # Flags for the reviewer; flagged segments are kept.
    low_confidence_logprob: float = LOW_CONFIDENCE_LOGPROB
    repetitive_compression_ratio: float = REPETITIVE_COMPRESSION_RATIO
    no_speech_prob: float = NO_SPEECH_PROB
    # Speakers
    worker_channel: int = 0
    swap_speakers: bool = False
    one_voice_similarity: float = 0.93
    uncertain_speaker_margin: float = 0.02
    # Limits
    max_audio_seconds: float = 3 * 3600.0
    max_upload_mb: float = 500.0

    @classmethod
    def from_settings(cls, settings: Settings) -> TranscribeOptions:
        hotwords = None
        if settings.whisper_vocabulary:
            hotwords = load_vocabulary(settings.corpus_dir).hotwords()
        return cls(
            beam_size=settings.whisper_beam_size,
            word_timestamps=settings.word_timestamps,
            hotwords=hotwords,
            worker_channel=settings.worker_channel,
            swap_speakers=settings.swap_speakers,
            max_audio_seconds=settings.max_audio_seconds,
            max_upload_mb=settings.max_upload_mb,
        )

    def whisper_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for ``faster_whisper.WhisperModel.transcribe``."""
        return {
            "language": self.language,
            "beam_size": self.beam_size,
            "word_timestamps": self.word_timestamps,
            "vad_filter": self.vad_filter,
            "vad_parameters": {
                "min_silence_duration_ms": self.vad_min_silence_ms,
                "speech_pad_ms": self.vad_speech_pad_ms,
            },
            "condition_on_previous_text": self.condition_on_previous_text,
            "temperature": list(self.temperature),
            "hallucination_silence_threshold": (self.hallucination_silence_threshold if self.word_timestamps else None),
            "hotwords": self.hotwords,
            "initial_prompt": self.initial_prompt,
            # Whisper would skip windows it judges silent; we keep them and flag them instead.
            "no_speech_threshold": None,
            "log_prob_threshold": self.low_confidence_logprob,
            "compression_ratio_threshold": self.repetitive_compression_ratio,
        }

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["temperature"] = list(self.temperature)
        return data
