"""Render labelled calls (triage-record.md section 4) as two-voice audio with espeak-ng.

Each turn is spoken by the voice of its speaker; turns follow each other with short random gaps.
The stereo file carries the worker on the left channel and the caller on the right, as a call
recorder makes them; the mono file is the two channels summed. The reference keeps every turn's
start and end, so speaker accuracy can be scored by time as well as by word.
"""

from __future__ import annotations

import io
import json
import random
import shutil
import subprocess
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

ESPEAK_RATE = 22050


@dataclass(frozen=True)
class Voice:
    name: str
    pitch: int
    speed: int


# Two clearly different synthetic voices: British English at a higher pitch and quicker pace for the
# worker, American English (male variant 3) lower and slower for the caller.
VOICES: dict[str, Voice] = {
    "worker": Voice("en-gb", pitch=55, speed=165),
    "caller": Voice("en-us+m3", pitch=30, speed=150),
}


@dataclass(frozen=True)
class RefTurn:
    speaker: str
    text: str
    start: float
    end: float


@dataclass(frozen=True)
class RenderedCall:
    call_id: str
    stereo: Path
    mono: Path
    reference: Path
    duration: float


class EspeakMissing(RuntimeError):
    pass


def espeak_binary() -> str:
    found = shutil.which("espeak-ng")
    if not found:
        raise EspeakMissing("espeak-ng is not installed: run `apt-get install -y espeak-ng`")
    return found


def synthesise(text: str, voice: Voice) -> np.ndarray:
    """Speak ``text`` with espeak-ng; float32 mono at ESPEAK_RATE."""
    out = subprocess.run(
        [espeak_binary(), "-v", voice.name, "-p", str(voice.pitch), "-s", str(voice.speed), "--stdout", text],
        capture_output=True,
        check=True,
    ).stdout
    audio, rate = sf.read(io.BytesIO(out), dtype="float32")
    if rate != ESPEAK_RATE:
        raise RuntimeError(f"espeak-ng produced {rate} Hz audio, expected {ESPEAK_RATE}")
    return audio


def render_turns(
    turns: list[dict[str, str]], seed: int = 0, gap: tuple[float, float] = (0.3, 0.8)
) -> tuple[np.ndarray, list[RefTurn]]:
    """(stereo float32 array of shape (n, 2), reference turns with times)."""
    rng = random.Random(seed)
    left: list[np.ndarray] = []
    right: list[np.ndarray] = []
    reference: list[RefTurn] = []
    t = 0.0
    lead_in = np.zeros(int(0.5 * ESPEAK_RATE), dtype=np.float32)
    left.append(lead_in)
    right.append(lead_in)
    t += len(lead_in) / ESPEAK_RATE
    for turn in turns:
        speaker = turn["speaker"]
        speech = synthesise(turn["text"], VOICES[speaker])
        silence = np.zeros_like(speech)
        pause = np.zeros(int(rng.uniform(*gap) * ESPEAK_RATE), dtype=np.float32)
        mine, other = (left, right) if speaker == "worker" else (right, left)
        mine.extend([speech, pause])
        other.extend([silence, pause])
        reference.append(RefTurn(speaker, turn["text"], round(t, 3), round(t + len(speech) / ESPEAK_RATE, 3)))
        t += (len(speech) + len(pause)) / ESPEAK_RATE
    stereo = np.stack([np.concatenate(left), np.concatenate(right)], axis=1) * 0.8
    return stereo.astype(np.float32), reference


def render_call(call: dict, out_dir: Path, seed: int = 0) -> RenderedCall:
    """Write <id>-stereo.wav, <id>-mono.wav and <id>-ref.json under out_dir."""
    out_dir.mkdir(parents=True, exist_ok=True)
    call_id = call["id"]
    stereo, reference = render_turns(call["turns"], seed=seed)
    paths = RenderedCall(
        call_id,
        out_dir / f"{call_id}-stereo.wav",
        out_dir / f"{call_id}-mono.wav",
        out_dir / f"{call_id}-ref.json",
        len(stereo) / ESPEAK_RATE,
    )
    sf.write(paths.stereo, stereo, ESPEAK_RATE, subtype="PCM_16")
    sf.write(paths.mono, stereo.sum(axis=1) * 0.7, ESPEAK_RATE, subtype="PCM_16")
    paths.reference.write_text(
        json.dumps({"id": call_id, "turns": [asdict(r) for r in reference]}, indent=1), encoding="utf-8"
    )
    return paths


def load_reference(path: Path) -> list[RefTurn]:
    return [RefTurn(**t) for t in json.loads(path.read_text(encoding="utf-8"))["turns"]]
