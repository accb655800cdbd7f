"""Reading recordings: formats, sample rates, channel layouts, and every way a file can be unusable.
No models; audio is made here with numpy, soundfile and PyAV."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest
from transcribe_fixtures import SR, silence, tone, write

from assistant.transcribe import AudioError
from assistant.transcribe.audio import format_duration, load_recording, probe_audio
from assistant.transcribe.channels import stereo_layout

LIMIT_MB = 500.0
LIMIT_S = 3 * 3600.0


def load(path: Path, max_mb: float = LIMIT_MB, max_s: float = LIMIT_S):  # type: ignore[no-untyped-def]
    return load_recording(path, max_mb, max_s)


def encode_with_pyav(path: Path, audio: np.ndarray, rate: int, fmt: str, codec: str) -> Path:
    layout = "stereo" if audio.ndim == 2 else "mono"
    planar = np.ascontiguousarray(audio.T if audio.ndim == 2 else audio[None, :])
    with av.open(str(path), "w", format=fmt) as out:
        stream = out.add_stream(codec, rate=rate, layout=layout)
        frame = av.AudioFrame.from_ndarray(planar, format="fltp", layout=layout)
        frame.sample_rate = rate
        for packet in stream.encode(frame):
            out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return path


@pytest.mark.parametrize(
    ("suffix", "rate", "stereo"),
    [("wav", 8000, False), ("wav", 44100, True), ("flac", 22050, True), ("ogg", 48000, False)],
)
def test_formats_and_rates_decode_to_16k(tmp_path: Path, suffix: str, rate: int, stereo: bool) -> None:
    mono = tone(3.0, rate=rate)
    audio = np.stack([mono, mono * 0.5], axis=1) if stereo else mono
    path = write(tmp_path / f"call.{suffix}", audio, rate)
    recording = load(path)
    assert len(recording.channels) == (2 if stereo else 1)
    assert recording.duration == pytest.approx(3.0, abs=0.05)
    assert all(ch.dtype == np.float32 for ch in recording.channels)
    assert recording.info.sample_rate == rate


@pytest.mark.parametrize(("fmt", "codec", "suffix"), [("mp3", "libmp3lame", "mp3"), ("ipod", "aac", "m4a")])
def test_compressed_formats(tmp_path: Path, fmt: str, codec: str, suffix: str) -> None:
    stereo = np.stack([tone(4.0, rate=44100), tone(4.0, 300, rate=44100)], axis=1)
    path = encode_with_pyav(tmp_path / f"call.{suffix}", stereo, 44100, fmt, codec)
    recording = load(path)
    assert len(recording.channels) == 2
    assert recording.duration == pytest.approx(4.0, abs=0.1)


def test_not_audio_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "notes.wav"
    path.write_text("this is a text file, not a recording\n" * 20)
    with pytest.raises(AudioError, match=r"notes\.wav: is not a recording Front Door can read"):
        load(path)


def test_audio_error_is_a_value_error() -> None:
    assert issubclass(AudioError, ValueError)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(AudioError, match="missing.wav: file not found"):
        load(tmp_path / "missing.wav")


def test_zero_length_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.mp3"
    path.touch()
    with pytest.raises(AudioError, match=r"empty\.mp3: the file is empty \(0 bytes\)"):
        load(path)


def test_header_without_samples(tmp_path: Path) -> None:
    path = write(tmp_path / "nothing.wav", np.zeros(0, dtype=np.float32))
    with pytest.raises(AudioError, match="nothing.wav"):
        load(path)


@pytest.mark.parametrize("suffix", ["wav", "flac"])
def test_truncated_file(tmp_path: Path, suffix: str) -> None:
    full = write(tmp_path / f"full.{suffix}", np.stack([tone(6.0), tone(6.0, 300)], axis=1))
    data = full.read_bytes()
    cut = tmp_path / f"cut.{suffix}"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(AudioError, match=rf"cut\.{suffix}: .*cut short"):
        load(cut)


def test_truncated_mp3(tmp_path: Path) -> None:
    full = encode_with_pyav(tmp_path / "full.mp3", tone(20.0, rate=44100), 44100, "mp3", "libmp3lame")
    data = full.read_bytes()
    cut = tmp_path / "cut.mp3"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(AudioError, match=r"cut\.mp3: is cut short: its header says 20 s but only"):
        load(cut)


def test_too_long_is_refused_from_the_header(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path / "long.wav", tone(5.0))
    from assistant.transcribe import audio as audio_module

    def no_decoding(*args: object, **kwargs: object) -> None:
        raise AssertionError("decoded a recording that was already known to be too long")

    monkeypatch.setattr(audio_module, "decode", no_decoding)
    with pytest.raises(
        AudioError, match=r"long\.wav: the recording is 5 s long, over the 4 s limit \(FRONTDOOR_MAX_AUDIO_SECONDS\)"
    ):
        audio_module.load_recording(path, LIMIT_MB, 4.0)


def test_too_big_is_refused_before_opening(tmp_path: Path) -> None:
    path = write(tmp_path / "big.wav", tone(10.0))
    with pytest.raises(
        AudioError, match=r"big\.wav: the file is 0 MB, over the 0\.1 MB limit \(FRONTDOOR_MAX_UPLOAD_MB\)"
    ):
        probe_audio(path, 0.1, LIMIT_S)


def test_stereo_layouts() -> None:
    speech_left = np.concatenate([tone(2.0), silence(2.0)])
    speech_right = np.concatenate([silence(2.0), tone(2.0, 300)])
    assert stereo_layout(speech_left, speech_right).layout == "split"
    mixed = speech_left + speech_right
    assert stereo_layout(mixed, mixed).layout == "mixed"
    assert stereo_layout(mixed, np.zeros_like(mixed)).layout == "left_only"
    assert stereo_layout(np.zeros_like(mixed), mixed).layout == "right_only"
    # a little of each party bleeding into the other's channel is still one party a channel
    assert stereo_layout(speech_left + 0.02 * speech_right, speech_right + 0.02 * speech_left).layout == "split"


def test_format_duration() -> None:
    assert format_duration(5) == "5 s"
    assert format_duration(65) == "1 min 5 s"
    assert format_duration(3 * 3600) == "3 h"
    assert format_duration(3 * 3600 + 120) == "3 h 2 min"


def test_sample_rate_constant() -> None:
    assert SR == 16000
