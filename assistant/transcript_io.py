"""Reading a call from a file: labelled-transcript JSON (contract section 4; `gold` ignored), a
transcript JSON written by `frontdoor transcribe`, plain text (`Speaker: text` a line) or audio.

Every problem is an :class:`InputError` whose message names the file and says what to fix.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from assistant.records import Transcript, Turn

AUDIO_SUFFIXES = {".wav", ".flac", ".mp3", ".m4a", ".ogg", ".oga", ".opus", ".webm", ".aac", ".wma", ".mp4"}
TEXT_SUFFIXES = {".txt", ".text", ".md", ""}
JSON_SUFFIXES = {".json"}

# Speaker labels accepted in text transcripts (lower case) and the party they name.
SPEAKER_ALIASES = {
    "worker": "worker",
    "social worker": "worker",
    "sw": "worker",
    "consultant": "worker",
    "consultant social worker": "worker",
    "duty worker": "worker",
    "practitioner": "worker",
    "cads": "worker",
    "caller": "caller",
    "referrer": "caller",
    "professional": "caller",
}
_LINE = re.compile(r"^\s*([A-Za-z][A-Za-z .'-]{0,40}?)\s*:\s*(.*)$")


class InputError(ValueError):
    """The input cannot be read as a call; the message names the file and the problem."""


def is_audio(path: Path) -> bool:
    return path.suffix.lower() in AUDIO_SUFFIXES


def _speaker(label: str, where: str) -> str:
    key = " ".join(label.lower().split())
    if key in SPEAKER_ALIASES:
        return SPEAKER_ALIASES[key]
    allowed = ", ".join(sorted({"worker", "caller"}))
    raise InputError(f"{where}: unknown speaker '{label}' (use {allowed}, or one of: {', '.join(SPEAKER_ALIASES)})")


def parse_text(text: str, name: str, call_id: str) -> Transcript:
    turns: list[Turn] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        match = _LINE.match(line)
        if not match:
            raise InputError(f"{name}: line {number} has no speaker label; write each turn as 'Worker: ...' or 'Caller: ...'")
        speaker = _speaker(match.group(1), f"{name}: line {number}")
        body = match.group(2).strip()
        if body:
            turns.append(Turn(speaker=speaker, text=body))  # type: ignore[arg-type]
    if not turns:
        raise InputError(f"{name}: the transcript has no turns")
    return Transcript(id=call_id, turns=turns, source=name)


def parse_json(data: Any, name: str, default_id: str) -> Transcript:
    if not isinstance(data, dict) or "turns" not in data:
        raise InputError(f"{name}: expected a JSON object with a 'turns' list (a labelled transcript or a transcript)")
    raw_turns = data["turns"]
    if not isinstance(raw_turns, list):
        raise InputError(f"{name}: 'turns' must be a list")
    turns: list[Turn] = []
    for index, raw in enumerate(raw_turns):
        if not isinstance(raw, dict) or not isinstance(raw.get("text"), str) or "speaker" not in raw:
            raise InputError(f"{name}: turn {index} needs a 'speaker' and a 'text'")
        label = str(raw["speaker"])
        speaker = "unknown" if label == "unknown" else _speaker(label, f"{name}: turn {index}")
        fields = {k: v for k, v in raw.items() if k in Turn.model_fields}
        fields["speaker"] = speaker
        try:
            turns.append(Turn.model_validate(fields))
        except ValidationError as exc:
            raise InputError(f"{name}: turn {index} is malformed: {exc.errors()[0]['msg']}") from exc
    if not any(t.text.strip() for t in turns):
        raise InputError(f"{name}: the transcript has no turns with text")
    call_id = str(data.get("id") or default_id)
    produced_by = data.get("produced_by") if isinstance(data.get("produced_by"), dict) else {}
    audio = data.get("audio") if isinstance(data.get("audio"), str) else None
    return Transcript(id=call_id, turns=turns, source=name, audio=audio, produced_by=produced_by or {})


def read_transcript(path: Path, max_mb: float) -> Transcript:
    """Read a text or JSON transcript (not audio) with the size limit `max_mb`."""
    name = str(path)
    if not path.exists():
        raise InputError(f"{name}: no such file")
    if path.is_dir():
        raise InputError(f"{name}: is a folder, not a transcript")
    size = path.stat().st_size
    if size == 0:
        raise InputError(f"{name}: the file is empty")
    if size > max_mb * 1024 * 1024:
        raise InputError(
            f"{name}: the file is {size / 1024 / 1024:.1f} MB, over the {max_mb:g} MB limit for transcripts "
            "(FRONTDOOR_MAX_TRANSCRIPT_MB); a call transcript is rarely over 1 MB, so check it is the right file"
        )
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{name}: not UTF-8 text (byte {exc.start}); save the transcript as UTF-8") from exc
    if not text.strip():
        raise InputError(f"{name}: the file has no text")
    suffix = path.suffix.lower()
    if suffix in JSON_SUFFIXES or (suffix not in TEXT_SUFFIXES and text.lstrip().startswith("{")):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(f"{name}: malformed JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from exc
        return parse_json(data, name, path.stem)
    if suffix not in TEXT_SUFFIXES:
        raise InputError(f"{name}: unsupported file type '{suffix}' (use .json, .txt or an audio file)")
    return parse_text(text, name, path.stem)


def expand_inputs(paths: list[Path]) -> list[Path]:
    """Files named directly, and the transcripts and recordings inside named folders (sorted)."""
    out: list[Path] = []
    wanted = AUDIO_SUFFIXES | JSON_SUFFIXES | {".txt"}
    for path in paths:
        if path.is_dir():
            out.extend(sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in wanted))
        else:
            out.append(path)
    return out
