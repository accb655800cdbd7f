"""Transcription: a recording of a consultation call becomes a :class:`~assistant.records.Transcript`
of worker and caller turns with times, locally, with faster-whisper.

    transcript = transcribe_file(Path("call.wav"), loader, settings, progress=print)

Stereo recordings with one party a channel (as call recorders make them) are transcribed a channel
at a time and labelled by ``settings.worker_channel``. One-channel recordings are transcribed once
and split into two voices with resemblyzer's voice encoder; the voice that greets or asks the most
questions is the worker. ``settings.swap_speakers`` swaps the result. See docs/transcription.md.
"""

from __future__ import annotations

import importlib.metadata
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import assistant
from assistant.models import ModelLoader
from assistant.records import Speaker, Transcript
from assistant.settings import Settings
from assistant.transcribe.audio import Recording, load_recording
from assistant.transcribe.channels import stereo_layout
from assistant.transcribe.errors import AudioError
from assistant.transcribe.options import TranscribeOptions
from assistant.transcribe.recognise import judged_silent, recognise
from assistant.transcribe.roles import RoleDecision, decide_roles, load_role_hints
from assistant.transcribe.turns import Atom, VoiceAt, atoms, build_turns

__all__ = ["AudioError", "TranscribeOptions", "transcribe_file"]

Progress = Callable[[float], None]


def _versions(packages: tuple[str, ...]) -> dict[str, str]:
    out = {"frontdoor": assistant.__version__}
    for package in packages:
        try:
            out[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            out[package] = "not installed"
    return out


def _part(progress: Progress | None, start: float, span: float) -> Progress | None:
    if progress is None:
        return None
    return lambda fraction: progress(min(1.0, start + span * fraction))


def _swap(speaker: Speaker, swap: bool) -> Speaker:
    if not swap:
        return speaker
    return {"worker": "caller", "caller": "worker"}.get(speaker, speaker)  # type: ignore[return-value]


def _no_speech(path: Path) -> AudioError:
    return AudioError(
        path,
        "contains no speech that could be transcribed (silence or noise only); check that this is the right "
        "recording and that the call was recorded",
    )


def transcribe_file(
    path: Path,
    loader: ModelLoader,
    settings: Settings,
    progress: Progress | None = None,
    *,
    options: TranscribeOptions | None = None,
) -> Transcript:
    """Transcribe one recording. Raises :class:`AudioError` (naming the file) when it cannot be used.

    ``options`` (for evaluations) replaces the options built from ``settings``.
    """
    started = time.perf_counter()
    path = Path(path)
    options = options or TranscribeOptions.from_settings(settings)
    recording = load_recording(path, options.max_upload_mb, options.max_audio_seconds)
    decoded_at = time.perf_counter()
    whisper = loader.whisper
    audio_info: dict[str, Any] = {**recording.info.to_dict(), "duration": round(recording.duration, 3)}
    if recording.notes:
        audio_info["notes"] = recording.notes

    layout = stereo_layout(*recording.channels) if len(recording.channels) == 2 else None
    if layout is not None:
        audio_info["channels_layout"] = layout.to_dict()
    packages: tuple[str, ...] = ("faster-whisper", "ctranslate2", "av")
    if layout is not None and layout.layout == "split":
        atom_list, speaker_of, speakers, timing = _by_channel(recording, whisper, options, progress)
    else:
        one_voice: Speaker | None = None
        if layout is not None and layout.layout in ("left_only", "right_only"):
            # Only one channel carries sound: its voices are split; a single voice takes that channel's party.
            channel = 0 if layout.layout == "left_only" else 1
            audio = recording.channels[channel]
            one_voice = "worker" if channel == options.worker_channel else "caller"
        else:
            audio = recording.mono()
        atom_list, speaker_of, speakers, timing = _by_voice(
            path, audio, loader, whisper, options, settings, one_voice, progress
        )
        packages += ("resemblyzer",)
    if not atom_list or all(judged_silent(atom.segment.flags) for atom in atom_list):
        # Nothing heard, or only what Whisper itself would have skipped as silence.
        raise _no_speech(path)
    turns = build_turns(atom_list, speaker_of, keep_words=options.word_timestamps)
    if progress:
        progress(1.0)
    finished = time.perf_counter()
    produced_by = {
        "stage": "transcribe",
        "model": whisper.describe(),
        "options": options.to_dict(),
        "language": options.language,
        "audio": audio_info,
        "speakers": speakers,
        "durations": {
            "audio_seconds": round(recording.duration, 3),
            "decode_seconds": round(decoded_at - started, 3),
            "transcription_seconds": round(timing["transcription"], 3),
            "diarisation_seconds": round(timing["diarisation"], 3),
            "total_seconds": round(finished - started, 3),
            "real_time_factor": round((finished - started) / max(recording.duration, 1e-6), 4),
        },
        "versions": _versions(packages),
    }
    return Transcript(id=path.stem, turns=turns, source=str(path), audio=path.name, produced_by=produced_by)


def _fixed_voice(voice: int) -> VoiceAt:
    def voice_at(start: float, end: float) -> tuple[int, float | None, float]:
        return voice, None, 0.0

    return voice_at


def _by_channel(
    recording: Recording, whisper: Any, options: TranscribeOptions, progress: Progress | None
) -> tuple[list[Atom], Callable[[int], Speaker], dict[str, Any], dict[str, float]]:
    """One party a channel: each channel transcribed on its own; voice = channel."""
    atom_list: list[Atom] = []
    seconds = 0.0
    for channel, audio in enumerate(recording.channels):
        segments, spent = recognise(whisper, audio, options, _part(progress, 0.5 * channel, 0.5))
        seconds += spent
        atom_list += atoms(segments, _fixed_voice(channel), options.word_timestamps, 0.0)

    def speaker_of(channel: int) -> Speaker:
        return _swap("worker" if channel == options.worker_channel else "caller", options.swap_speakers)

    speakers = {
        "method": "channels",
        "worker_channel": options.worker_channel,
        "swapped": options.swap_speakers,
    }
    return atom_list, speaker_of, speakers, {"transcription": seconds, "diarisation": 0.0}


def _by_voice(
    path: Path,
    audio: Any,
    loader: ModelLoader,
    whisper: Any,
    options: TranscribeOptions,
    settings: Settings,
    one_voice: Speaker | None,
    progress: Progress | None,
) -> tuple[list[Atom], Callable[[int], Speaker], dict[str, Any], dict[str, float]]:
    """One channel: transcribed once, then split into voices and roles."""
    from assistant.transcribe.diarise import diarise

    segments, seconds = recognise(whisper, audio, options, _part(progress, 0.0, 0.9))
    if all(judged_silent(segment.flags) for segment in segments):
        raise _no_speech(path)
    diarisation = diarise(loader.voice_encoder, audio, segments, options.one_voice_similarity)
    if progress:
        progress(0.97)
    atom_list = atoms(segments, diarisation.voice_at, options.word_timestamps, options.uncertain_speaker_margin)
    decision = _roles(atom_list, diarisation.voices, settings, one_voice)
    worker = decision.worker_voice

    def speaker_of(voice: int) -> Speaker:
        if worker is None:
            base: Speaker = one_voice or "unknown"
        else:
            base = "worker" if voice == worker else "caller"
        return _swap(base, options.swap_speakers)

    speakers = {
        "method": "voices",
        **diarisation.to_dict(),
        "one_voice_similarity": options.one_voice_similarity,
        "roles": decision.to_dict(),
        "swapped": options.swap_speakers,
    }
    return atom_list, speaker_of, speakers, {"transcription": seconds, "diarisation": diarisation.seconds}


def _roles(atom_list: list[Atom], voices: int, settings: Settings, one_voice: Speaker | None) -> RoleDecision:
    if voices < 2 and one_voice is not None:
        return RoleDecision(None, "channel", {})
    stretches = [(a.voice, a.start, a.text) for a in sorted(atom_list, key=lambda a: a.start)]
    return decide_roles(stretches, max(voices, 1), load_role_hints(settings.corpus_dir))
