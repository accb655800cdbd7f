"""The transcription stage with a fake Whisper: channels to speakers, word-by-word interleaving, flags,
no-speech, progress and provenance; role rules, the vocabulary file and the voice clustering maths."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from transcribe_fixtures import fake_handle, fake_segment, silence, split_stereo_tones, write

from assistant.models import ModelLoader
from assistant.settings import PROJECT_ROOT, Settings
from assistant.transcribe import AudioError, TranscribeOptions, transcribe_file
from assistant.transcribe.diarise import two_means
from assistant.transcribe.roles import decide_roles, load_role_hints
from assistant.transcribe.vocabulary import load_vocabulary


def loader_with(settings: Settings, scripts: list) -> ModelLoader:  # type: ignore[type-arg]
    loader = ModelLoader(settings, encoder="fake")
    loader.__dict__["whisper"] = fake_handle(scripts)
    return loader


def channel_scripts() -> list:  # type: ignore[type-arg]
    left = [
        fake_segment(0.1, 1.9, "Children's advice and duty service, how can I help?"),
        fake_segment(4.1, 5.9, "Who is the child?"),
    ]
    right = [fake_segment(2.1, 3.9, "I'm calling about a pupil.")]
    return [left, right]


def test_stereo_channels_become_speakers_in_time_order(tmp_path: Path, settings: Settings) -> None:
    path = split_stereo_tones(tmp_path / "call.wav")
    transcript = transcribe_file(path, loader_with(settings, channel_scripts()), settings)
    assert [t.speaker for t in transcript.turns] == ["worker", "caller", "worker"]
    assert transcript.turns[1].text == "I'm calling about a pupil."
    assert transcript.turns[0].start == pytest.approx(0.1)
    assert transcript.turns[2].end == pytest.approx(5.9)
    assert transcript.id == "call"
    assert transcript.produced_by["speakers"]["method"] == "channels"
    assert transcript.produced_by["audio"]["channels_layout"]["layout"] == "split"


def test_worker_channel_and_swap(tmp_path: Path) -> None:
    path = split_stereo_tones(tmp_path / "call.wav")
    right_is_worker = Settings(worker_channel=1)
    turns = transcribe_file(path, loader_with(right_is_worker, channel_scripts()), right_is_worker).turns
    assert [t.speaker for t in turns] == ["caller", "worker", "caller"]
    swapped = Settings(swap_speakers=True)
    turns = transcribe_file(path, loader_with(swapped, channel_scripts()), swapped).turns
    assert [t.speaker for t in turns] == ["caller", "worker", "caller"]


def test_words_interleave_across_channels(tmp_path: Path, settings: Settings) -> None:
    """One Whisper segment on the left spans the caller's reply: its words are split around it."""
    path = split_stereo_tones(tmp_path / "call.wav")
    left = [fake_segment(0.0, 6.0, "one two three four five six")]  # words 1 s each
    right = [fake_segment(2.1, 2.9, "reply here")]
    turns = transcribe_file(path, loader_with(settings, [left, right]), settings).turns
    assert [(t.speaker, t.text) for t in turns] == [
        ("worker", "one two three"),
        ("caller", "reply here"),
        ("worker", "four five six"),
    ]
    assert [w.word for w in turns[0].words] == ["one", "two", "three"]


def test_consecutive_segments_of_one_speaker_merge(tmp_path: Path, settings: Settings) -> None:
    path = split_stereo_tones(tmp_path / "call.wav")
    left = [fake_segment(0.1, 0.9, "Hello."), fake_segment(1.0, 1.9, "Front door.")]
    turns = transcribe_file(path, loader_with(settings, [left, []]), settings).turns
    assert [(t.speaker, t.text) for t in turns] == [("worker", "Hello. Front door.")]


def test_doubtful_segments_are_flagged_and_kept(tmp_path: Path, settings: Settings) -> None:
    path = split_stereo_tones(tmp_path / "call.wav")
    left = [
        fake_segment(0.1, 0.9, "Who is the child?"),
        fake_segment(1.0, 1.9, "Is she safe?", no_speech_prob=0.7),
        fake_segment(4.1, 4.9, "Mumble mumble.", avg_logprob=-1.4),
        fake_segment(5.0, 5.9, "Thank you.", avg_logprob=-1.3, no_speech_prob=0.8),
    ]
    turns = transcribe_file(path, loader_with(settings, [left, []]), settings).turns
    assert [(t.text, t.flags) for t in turns] == [
        ("Who is the child? Is she safe? Mumble mumble.", ["no_speech", "low_confidence"]),
        # what Whisper would have skipped as silence is kept, as a turn of its own so the flags mark just it
        ("Thank you.", ["low_confidence", "no_speech"]),
    ]
    assert turns[1].no_speech_prob == pytest.approx(0.8)


def test_repetition_is_low_confidence(tmp_path: Path, settings: Settings) -> None:
    path = split_stereo_tones(tmp_path / "call.wav")
    left = [fake_segment(0.1, 1.9, "yes yes yes yes yes yes", compression_ratio=3.1)]
    turns = transcribe_file(path, loader_with(settings, [left, []]), settings).turns
    assert turns[0].flags == ["low_confidence"]


def test_no_segments_means_no_speech(tmp_path: Path, settings: Settings) -> None:
    path = split_stereo_tones(tmp_path / "quiet.wav")
    with pytest.raises(AudioError, match=r"quiet\.wav: contains no speech"):
        transcribe_file(path, loader_with(settings, [[], []]), settings)


def test_only_no_speech_segments_means_no_speech(tmp_path: Path, settings: Settings) -> None:
    path = split_stereo_tones(tmp_path / "hum.wav")
    scripts = [[fake_segment(0.1, 1.0, "Thank you.", avg_logprob=-1.2, no_speech_prob=0.9)], []]
    with pytest.raises(AudioError, match=r"hum\.wav: contains no speech"):
        transcribe_file(path, loader_with(settings, scripts), settings)


def test_silent_mono_is_no_speech_before_any_voice_model(tmp_path: Path, settings: Settings) -> None:
    path = write(tmp_path / "silent.flac", silence(3.0))
    loader = loader_with(settings, [[]])
    with pytest.raises(AudioError, match=r"silent\.flac: contains no speech"):
        transcribe_file(path, loader, settings)
    assert "voice_encoder" not in loader.__dict__


def test_progress_and_provenance(tmp_path: Path, settings: Settings) -> None:
    path = split_stereo_tones(tmp_path / "call.wav")
    seen: list[float] = []
    loader = loader_with(settings, channel_scripts())
    transcript = transcribe_file(path, loader, settings, progress=seen.append)
    assert seen == sorted(seen) and seen[-1] == 1.0 and 0.0 < seen[0] < 0.5
    produced = transcript.produced_by
    assert produced["model"]["name"] == "fake"
    assert produced["options"]["vad_filter"] is True
    assert produced["options"]["word_timestamps"] is settings.word_timestamps
    assert produced["language"] == "en"
    assert set(produced["durations"]) >= {"audio_seconds", "transcription_seconds", "diarisation_seconds"}
    assert produced["durations"]["audio_seconds"] == pytest.approx(6.0, abs=0.01)
    assert "faster-whisper" in produced["versions"] and "frontdoor" in produced["versions"]
    call = loader.whisper.model.calls[0]
    assert call["vad_filter"] is True and call["no_speech_threshold"] is None
    assert call["condition_on_previous_text"] is TranscribeOptions.from_settings(settings).condition_on_previous_text


def test_without_word_times_segments_keep_their_order(tmp_path: Path) -> None:
    settings = Settings(word_timestamps=False)
    path = split_stereo_tones(tmp_path / "call.wav")
    turns = transcribe_file(path, loader_with(settings, channel_scripts()), settings).turns
    assert [t.speaker for t in turns] == ["worker", "caller", "worker"]
    assert all(t.words == [] for t in turns)


def test_role_rules() -> None:
    hints = load_role_hints(PROJECT_ROOT / "corpus")
    greeting = [(1, 0.0, "Children's Advice and Duty Service, you're through to Sam."), (0, 3.0, "Hi, it's Jo.")]
    assert decide_roles(greeting, 2, hints).worker_voice == 1
    assert decide_roles([(0, 0.0, "CADS, Tom speaking."), (1, 2.0, "Hello?")], 2, hints).method == "greeting"
    asking = [(0, 0.0, "Hello."), (1, 1.0, "Hi."), (1, 2.0, "Who is at home? Is dad there?"), (0, 5.0, "Just mum.")]
    decision = decide_roles(asking, 2, hints)
    assert (decision.worker_voice, decision.method) == (1, "questions")
    assert decide_roles([(0, 0.0, "Hello."), (1, 1.0, "Hello.")], 2, hints).method == "first_speaker"
    assert decide_roles([(0, 0.0, "I'm dictating a note.")], 1, hints).worker_voice is None


def test_vocabulary_file_is_valid() -> None:
    vocabulary = load_vocabulary(PROJECT_ROOT / "corpus")
    hotwords = vocabulary.hotwords()
    for term in ("CADS", "MASH", "DSL", "CAMHS", "MARAC", "DASH", "section 47", "county lines", "early help"):
        assert term in hotwords
    assert "Swaffham" in vocabulary.places


def test_vocabulary_reaches_whisper_only_when_switched_on(tmp_path: Path) -> None:
    path = split_stereo_tones(tmp_path / "call.wav")
    for switch in (False, True):
        settings = Settings(whisper_vocabulary=switch)
        loader = loader_with(settings, channel_scripts())
        transcribe_file(path, loader, settings)
        hotwords = loader.whisper.model.calls[0]["hotwords"]
        assert (hotwords is not None and "CAMHS" in hotwords) is switch


def test_two_means_finds_two_groups_and_is_deterministic() -> None:
    rng = np.random.default_rng(1)
    a = rng.normal(0, 0.05, (20, 8)) + np.eye(8)[0]
    b = rng.normal(0, 0.05, (15, 8)) + np.eye(8)[1]
    points = np.concatenate([a, b])
    points /= np.linalg.norm(points, axis=1, keepdims=True)
    labels, centres = two_means(points, np.ones(len(points)))
    assert len(set(labels[:20].tolist())) == 1 and len(set(labels[20:].tolist())) == 1
    assert labels[0] != labels[-1]
    assert float(centres[0] @ centres[1]) < 0.2
    again, _ = two_means(points, np.ones(len(points)))
    assert (again == labels).all()
