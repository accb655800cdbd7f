"""The one real human recording we score on: pyannote-audio's sample telephone call (30 s, two
speakers, mono 16 kHz) with its reference transcript (sample.stm) and speaker turns (sample.rttm).

It ships inside the pyannote-audio 4.0.7 wheel; the wheel is fetched with pip at evaluation time
(`pip download --no-deps`), never installed and never committed.
"""

from __future__ import annotations

import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

WHEEL = "pyannote-audio==4.0.7"
MEMBERS = ("sample.wav", "sample.stm", "sample.rttm")
INSIDE = "pyannote/audio/sample/"


@dataclass(frozen=True)
class RealCall:
    audio: Path
    turns: list[tuple[str, float, float, str]]  # (speaker, start, end, text) from sample.stm


def fetch(work: Path) -> Path:
    """The folder holding sample.wav/.stm/.rttm, downloading the wheel once into `work`."""
    folder = work / "pyannote-sample"
    if all((folder / name).exists() for name in MEMBERS):
        return folder
    wheels = work / "wheels"
    found = sorted(wheels.glob("pyannote_audio-4.0.7-*.whl"))
    if not found:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", WHEEL, "-d", str(wheels)],
            check=True,
        )
        found = sorted(wheels.glob("pyannote_audio-4.0.7-*.whl"))
    if not found:
        raise RuntimeError(f"pip did not download {WHEEL}")
    folder.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(found[0]) as wheel:
        for name in MEMBERS:
            (folder / name).write_bytes(wheel.read(INSIDE + name))
    return folder


def parse_stm(path: Path) -> list[tuple[str, float, float, str]]:
    turns = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith(";;"):
            continue
        parts = line.split(maxsplit=5)
        turns.append((parts[2], float(parts[3]), float(parts[4]), parts[5] if len(parts) > 5 else ""))
    return turns


def load(work: Path) -> RealCall:
    folder = fetch(work)
    return RealCall(folder / "sample.wav", parse_stm(folder / "sample.stm"))
