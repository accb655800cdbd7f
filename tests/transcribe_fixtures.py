"""Helpers for the transcription tests: audio made at test time (espeak-ng speech, tones, silence,
noise) and a fake Whisper with faster-whisper's interface. Nothing large is committed."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
import soundfile as sf

from assistant.transcribe.whisper_model import WhisperHandle

SR = 16000
ESPEAK_RATE = 22050
WORKER_VOICE = ("en-gb", 55, 165)
CALLER_VOICE = ("en-us+m3", 30, 150)


def require_espeak() -> str:
    """espeak-ng's path; in CI its absence fails the test, elsewhere it skips it."""
    found = shutil.which("espeak-ng")
    if found:
        return found
    message = "espeak-ng is not installed (apt-get install -y espeak-ng)"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


def speak(text: str, voice: tuple[str, int, int]) -> np.ndarray:
    name, pitch, speed = voice
    out = subprocess.run(
        [require_espeak(), "-v", name, "-p", str(pitch), "-s", str(speed), "--stdout", text],
        capture_output=True,
        check=True,
    ).stdout
    audio, rate = sf.read(io.BytesIO(out), dtype="float32")
    assert rate == ESPEAK_RATE
    return audio


@dataclass
class SpokenCall:
    path: Path
    turns: list[tuple[str, str, float, float]]  # speaker, text, start, end


def spoken_call(path: Path, turns: Sequence[tuple[str, str]], stereo: bool, gap: float = 0.5) -> SpokenCall:
    """Write a two-voice call (worker on the left in stereo) and return its reference turns."""
    left: list[np.ndarray] = []
    right: list[np.ndarray] = []
    reference = []
    t = 0.3
    lead = np.zeros(int(0.3 * ESPEAK_RATE), dtype=np.float32)
    left.append(lead)
    right.append(lead)
    pause = np.zeros(int(gap * ESPEAK_RATE), dtype=np.float32)
    for speaker, text in turns:
        audio = speak(text, WORKER_VOICE if speaker == "worker" else CALLER_VOICE)
        mine, other = (left, right) if speaker == "worker" else (right, left)
        mine += [audio, pause]
        other += [np.zeros_like(audio), pause]
        reference.append((speaker, text, t, t + len(audio) / ESPEAK_RATE))
        t += (len(audio) + len(pause)) / ESPEAK_RATE
    both = np.stack([np.concatenate(left), np.concatenate(right)], axis=1) * 0.8
    sf.write(path, both if stereo else both.sum(axis=1) * 0.7, ESPEAK_RATE, subtype="PCM_16")
    return SpokenCall(path, reference)


def tone(seconds: float, freq: float = 440.0, rate: int = SR, level: float = 0.3) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (level * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def silence(seconds: float, rate: int = SR) -> np.ndarray:
    return np.zeros(int(seconds * rate), dtype=np.float32)


def write(path: Path, audio: np.ndarray, rate: int = SR, **kwargs: Any) -> Path:
    sf.write(path, audio, rate, **kwargs)
    return path


def split_stereo_tones(path: Path) -> Path:
    """Left channel speaks 0-2 s and 4-6 s, right channel 2-4 s: a recorder's one-party-a-channel file."""
    left = np.concatenate([tone(2.0), silence(2.0), tone(2.0, 550)])
    right = np.concatenate([silence(2.0), tone(2.0, 330), silence(2.0)])
    return write(path, np.stack([left, right], axis=1))


def fake_segment(
    start: float,
    end: float,
    text: str,
    avg_logprob: float = -0.2,
    no_speech_prob: float = 0.05,
    compression_ratio: float = 1.2,
) -> SimpleNamespace:
    tokens = text.split()
    step = (end - start) / max(len(tokens), 1)
    words = [
        SimpleNamespace(word=" " + w, start=start + i * step, end=start + (i + 1) * step, probability=0.9)
        for i, w in enumerate(tokens)
    ]
    return SimpleNamespace(
        start=start,
        end=end,
        text=" " + text,
        words=words,
        avg_logprob=avg_logprob,
        no_speech_prob=no_speech_prob,
        compression_ratio=compression_ratio,
    )


@dataclass
class FakeWhisperModel:
    """faster-whisper's WhisperModel.transcribe: each call returns the next script's segments."""

    scripts: list[list[SimpleNamespace]]
    calls: list[dict[str, Any]] = field(default_factory=list)

    def transcribe(self, audio: np.ndarray, **kwargs: Any) -> tuple[Any, Any]:
        self.calls.append({"samples": len(audio), **kwargs})
        segments = self.scripts.pop(0) if self.scripts else []
        return iter(segments), SimpleNamespace(language="en", duration=len(audio) / SR)


def fake_handle(scripts: list[list[SimpleNamespace]]) -> WhisperHandle:
    return WhisperHandle(FakeWhisperModel(scripts), "fake", Path("fake"), "cpu", "int8", "test")
