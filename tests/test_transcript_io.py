"""Reading calls from text and JSON files: every problem is an InputError naming the file and what to fix."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.transcript_io import InputError, expand_inputs, parse_text, read_transcript


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_text_transcript_one_turn_a_line(tmp_path: Path) -> None:
    path = write(
        tmp_path / "call-7.txt",
        "Worker: Children's advice and duty service.\n\n"
        "  Caller:   Hi, it's about a boy in Year 4.  \n"
        "Caller: He's nine.\n",
    )
    transcript = read_transcript(path, max_mb=1)
    assert transcript.id == "call-7"
    assert transcript.source == str(path)
    assert [(t.speaker, t.text) for t in transcript.turns] == [
        ("worker", "Children's advice and duty service."),
        ("caller", "Hi, it's about a boy in Year 4."),
        ("caller", "He's nine."),
    ]


def test_text_keeps_colons_inside_the_turn_and_reads_a_bom(tmp_path: Path) -> None:
    path = tmp_path / "bom.txt"
    path.write_bytes("\ufeffCaller: The time was 10:30: he was alone.\n".encode())
    assert read_transcript(path, max_mb=1).turns[0].text == "The time was 10:30: he was alone."


@pytest.mark.parametrize(
    ("label", "speaker"),
    [
        ("Social Worker", "worker"),
        ("SW", "worker"),
        ("consultant  social worker", "worker"),
        ("Duty worker", "worker"),
        ("CADS", "worker"),
        ("Referrer", "caller"),
        ("professional", "caller"),
    ],
)
def test_speaker_aliases(label: str, speaker: str) -> None:
    transcript = parse_text(f"{label}: Hello there.", "t.txt", "t")
    assert transcript.turns[0].speaker == speaker


def test_unknown_speaker_label_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path / "call.txt", "Worker: Hello.\nCaller: Hi.\nTeacher: I'm worried.\n")
    with pytest.raises(InputError) as err:
        read_transcript(path, max_mb=1)
    message = str(err.value)
    assert message.startswith(f"{path}: line 3")
    assert "unknown speaker 'Teacher'" in message
    assert "caller, worker" in message


def test_line_without_a_label_names_the_line() -> None:
    with pytest.raises(InputError, match=r"^call\.txt: line 2 has no speaker label"):
        parse_text("Worker: Hello.\njust some words\n", "call.txt", "call")


def test_labels_without_words_give_no_turns() -> None:
    with pytest.raises(InputError, match="call.txt: the transcript has no turns"):
        parse_text("Worker:\nCaller:   \n", "call.txt", "call")


def test_labelled_json_is_read_and_gold_ignored(tmp_path: Path) -> None:
    data = {
        "id": "cads-0001",
        "audio": "cads-0001.wav",
        "turns": [
            {"speaker": "worker", "text": "You're through to Sam.", "start": 0.0, "end": 1.5},
            {"speaker": "Referrer", "text": "Hi, I'm the DSL.", "start": 1.6, "end": 3.0, "confidence": 0.9},
            {"speaker": "unknown", "text": "[inaudible]"},
        ],
        "gold": {"caller_role": "school", "factors": [], "pathway": "early_help", "parents_aware": "yes"},
    }
    path = write(tmp_path / "labelled.json", json.dumps(data))
    transcript = read_transcript(path, max_mb=1)
    assert transcript.id == "cads-0001"
    assert transcript.audio == "cads-0001.wav"
    assert [t.speaker for t in transcript.turns] == ["worker", "caller", "unknown"]
    assert (transcript.turns[1].start, transcript.turns[1].end) == (1.6, 3.0)
    assert "gold" not in transcript.model_dump()


def test_json_without_id_takes_the_file_name(tmp_path: Path) -> None:
    path = write(tmp_path / "from-stem.json", json.dumps({"turns": [{"speaker": "caller", "text": "Hello"}]}))
    assert read_transcript(path, max_mb=1).id == "from-stem"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([1, 2], "expected a JSON object with a 'turns' list"),
        ({"turns": "Worker: hi"}, "'turns' must be a list"),
        ({"turns": [{"speaker": "worker"}]}, "turn 0 needs a 'speaker' and a 'text'"),
        ({"turns": [{"speaker": "caller", "text": "hi"}, {"speaker": "nurse", "text": "x"}]}, "1: unknown speaker"),
        ({"turns": [{"speaker": "caller", "text": "hi", "start": "soon"}]}, "turn 0 is malformed"),
        ({"turns": [{"speaker": "caller", "text": "  "}]}, "has no turns with text"),
        ({"turns": []}, "has no turns with text"),
    ],
)
def test_bad_json_transcripts(tmp_path: Path, data: object, message: str) -> None:
    path = write(tmp_path / "bad.json", json.dumps(data))
    with pytest.raises(InputError) as err:
        read_transcript(path, max_mb=1)
    assert str(err.value).startswith(f"{path}: ")
    assert message in str(err.value)


def test_malformed_json_gives_line_and_column(tmp_path: Path) -> None:
    text = '{"turns": [\n  {"speaker": "worker", "text": "hi"}\n  {"speaker": "caller"}\n]}'
    path = write(tmp_path / "broken.json", text)
    with pytest.raises(InputError, match=r"broken\.json: malformed JSON at line 3, column 3"):
        read_transcript(path, max_mb=1)


def test_json_content_in_an_unknown_suffix_is_read_as_json(tmp_path: Path) -> None:
    path = write(tmp_path / "call.transcript", json.dumps({"turns": [{"speaker": "caller", "text": "Hello"}]}))
    assert read_transcript(path, max_mb=1).turns[0].text == "Hello"
    other = write(tmp_path / "call.docx", "Caller: hello")
    with pytest.raises(InputError, match=r"unsupported file type '\.docx'"):
        read_transcript(other, max_mb=1)


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.txt"
    path.write_bytes(b"")
    with pytest.raises(InputError, match=r"empty\.txt: the file is empty"):
        read_transcript(path, max_mb=1)


def test_whitespace_only_file(tmp_path: Path) -> None:
    path = write(tmp_path / "blank.json", " \n\t\n")
    with pytest.raises(InputError, match=r"blank\.json: the file has no text"):
        read_transcript(path, max_mb=1)


def test_non_utf8_file_names_the_byte(tmp_path: Path) -> None:
    path = tmp_path / "latin1.txt"
    path.write_bytes("Caller: caf\u00e9 ".encode("latin-1"))
    with pytest.raises(InputError, match=r"latin1\.txt: not UTF-8 text \(byte 11\); save the transcript as UTF-8"):
        read_transcript(path, max_mb=1)


def test_too_big_file_is_refused_before_reading(tmp_path: Path) -> None:
    path = write(tmp_path / "huge.txt", "Caller: " + "word " * 4000 + "\n")  # about 20 kB
    assert read_transcript(path, max_mb=1).turns  # fine under a generous limit
    with pytest.raises(InputError) as err:
        read_transcript(path, max_mb=0.01)
    assert str(err.value).startswith(f"{path}: the file is ")
    assert "over the 0.01 MB limit" in str(err.value)
    assert "FRONTDOOR_MAX_TRANSCRIPT_MB" in str(err.value)


def test_missing_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="nope.txt: no such file"):
        read_transcript(tmp_path / "nope.txt", max_mb=1)
    with pytest.raises(InputError, match="is a folder, not a transcript"):
        read_transcript(tmp_path, max_mb=1)


def test_folder_expansion(tmp_path: Path) -> None:
    folder = tmp_path / "calls"
    folder.mkdir()
    for name in ["b.json", "a.txt", "c.WAV", "notes.md", "d.pdf"]:
        (folder / name).write_text("x")
    (folder / "sub.json").mkdir()  # a folder with a transcript-like name is not a file to draft
    single = tmp_path / "single.txt"
    assert expand_inputs([single, folder]) == [
        single,
        folder / "a.txt",
        folder / "b.json",
        folder / "c.WAV",
    ]
    assert expand_inputs([tmp_path / "empty-missing"]) == [tmp_path / "empty-missing"]
