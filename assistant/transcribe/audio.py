"""Reading a recording: check it, probe it, decode it to 16 kHz float samples (PyAV, as faster-whisper
does), with every failure an :class:`AudioError` a social worker can act on.

Size and length are checked from the file and its header before anything is decoded; decoding
stops as soon as a recording without a usable header passes the length limit.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path

import av
import numpy as np

from assistant.transcribe.errors import AudioError

SAMPLE_RATE = 16000
SUPPORTED = "WAV, FLAC, MP3, M4A or OGG"
# A damaged packet here and there is tolerated (and counted); more than this share is not.
MAX_DAMAGED_SHARE = 0.02
# The decoded audio may fall short of the header's duration by this much before the file counts as cut short.
TRUNCATION_TOLERANCE_S = 1.0
# Streaming WAV writers put these in the size fields when they do not know the length yet.
_WAV_UNKNOWN_SIZES = {0, 0xFFFFFFFF, 0x7FFFF000, 0x7FFFFFFF}


def format_duration(seconds: float) -> str:
    seconds = max(0, int(round(seconds)))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    if minutes:
        return f"{minutes} min {secs} s" if secs else f"{minutes} min"
    return f"{secs} s"


@dataclass(frozen=True)
class AudioInfo:
    """What the file says about itself, before decoding."""

    path: Path
    size_bytes: int
    container: str
    codec: str
    channels: int
    sample_rate: int
    duration: float | None

    def to_dict(self) -> dict[str, object]:
        return {
            "file": self.path.name,
            "size_bytes": self.size_bytes,
            "container": self.container,
            "codec": self.codec,
            "channels": self.channels,
            "sample_rate": self.sample_rate,
            "header_duration": round(self.duration, 3) if self.duration is not None else None,
        }


@dataclass(frozen=True)
class Recording:
    """Decoded audio: one float32 array a channel (one or two), at SAMPLE_RATE."""

    info: AudioInfo
    channels: tuple[np.ndarray, ...]
    damaged_packets: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def duration(self) -> float:
        return len(self.channels[0]) / SAMPLE_RATE

    def mono(self) -> np.ndarray:
        if len(self.channels) == 1:
            return self.channels[0]
        return np.asarray(np.mean(np.stack(self.channels), axis=0, dtype=np.float32))


def check_file(path: Path, max_upload_mb: float) -> int:
    """The file's size in bytes, after checking it exists, is a file, is not empty and not too big."""
    try:
        stat = path.stat()
    except FileNotFoundError as exc:
        raise AudioError(path, "file not found; check the name and folder") from exc
    except OSError as exc:
        raise AudioError(path, f"cannot be opened ({exc.strerror or exc}); check the file's permissions") from exc
    if path.is_dir():
        raise AudioError(path, "is a folder, not a recording")
    if stat.st_size == 0:
        raise AudioError(path, "the file is empty (0 bytes); export or copy the recording again")
    size_mb = stat.st_size / 1024 / 1024
    if size_mb > max_upload_mb:
        raise AudioError(
            path,
            f"the file is {size_mb:.0f} MB, over the {max_upload_mb:g} MB limit (FRONTDOOR_MAX_UPLOAD_MB); "
            "split the recording into parts or ask IT to raise the limit",
        )
    return stat.st_size


def _wav_missing_seconds(path: Path, size: int) -> float:
    """Seconds of audio a RIFF/WAVE header promises beyond the end of the file (0 when none, or not a WAV)."""
    byte_rate = 0
    with path.open("rb") as handle:
        head = handle.read(12)
        if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
            return 0.0
        position = 12
        while True:
            chunk = handle.read(8)
            if len(chunk) < 8:
                return 0.0
            name, length = chunk[:4], struct.unpack("<I", chunk[4:])[0]
            position += 8
            if name == b"fmt ":
                fmt = handle.read(min(length, 16))
                byte_rate = struct.unpack("<I", fmt[8:12])[0] if len(fmt) >= 12 else 0
            elif name == b"data":
                if length in _WAV_UNKNOWN_SIZES or not byte_rate:
                    return 0.0
                return max(0, position + length - size) / byte_rate
            position += length + (length & 1)
            handle.seek(position)


def probe_audio(path: Path, max_upload_mb: float, max_audio_seconds: float) -> AudioInfo:
    """Check the file and read its header; refuse it before decoding when it is not usable audio."""
    size = check_file(path, max_upload_mb)
    try:
        container = av.open(str(path), mode="r", metadata_errors="ignore")
    except av.error.FFmpegError as exc:
        raise AudioError(
            path,
            f"is not a recording Front Door can read ({SUPPORTED}), or it is damaged; "
            "export the call again as WAV or MP3",
        ) from exc
    except OSError as exc:
        raise AudioError(path, f"cannot be opened ({exc.strerror or exc})") from exc
    with container:
        if not container.streams.audio:
            raise AudioError(path, "has no audio track; is it the right file?")
        stream = container.streams.audio[0]
        duration: float | None = None
        if stream.duration is not None and stream.time_base is not None:
            duration = float(stream.duration * stream.time_base)
        elif container.duration is not None:
            duration = container.duration / av.time_base
        info = AudioInfo(
            path=path,
            size_bytes=size,
            container=container.format.name,
            codec=stream.codec_context.name,
            channels=stream.codec_context.channels or 0,
            sample_rate=stream.codec_context.sample_rate or 0,
            duration=duration,
        )
    if info.channels == 0 or info.sample_rate == 0:
        raise AudioError(path, "the audio track has no channels or no sample rate; the file is damaged")
    if duration is not None and duration > max_audio_seconds:
        raise AudioError(
            path,
            f"the recording is {format_duration(duration)} long, over the {format_duration(max_audio_seconds)} limit "
            "(FRONTDOOR_MAX_AUDIO_SECONDS); split it into parts",
        )
    missing = _wav_missing_seconds(path, size)
    if missing > 0.05:
        raise AudioError(
            path,
            f"is cut short: the file ends {format_duration(missing)} before its header says it should; "
            "copy or export it again",
        )
    return info


def decode(info: AudioInfo, max_audio_seconds: float) -> Recording:
    """Decode to SAMPLE_RATE float32: two channels kept apart for stereo, otherwise one (mixed down)."""
    path = info.path
    layout = "stereo" if info.channels == 2 else "mono"
    limit = int((max_audio_seconds + 1.0) * SAMPLE_RATE)
    resampler = av.AudioResampler(format="fltp", layout=layout, rate=SAMPLE_RATE)
    parts: list[np.ndarray] = []
    total = packets = damaged = 0

    def take(frames: list[av.AudioFrame]) -> None:
        nonlocal total
        for frame in frames:
            array = frame.to_ndarray()
            parts.append(array)
            total += array.shape[1]

    try:
        with av.open(str(path), mode="r", metadata_errors="ignore") as container:
            stream = container.streams.audio[0]
            for packet in container.demux(stream):
                packets += packet.size > 0  # the last, empty packet flushes the decoder
                try:
                    frames = packet.decode()
                except av.error.InvalidDataError:
                    damaged += 1
                    continue
                for frame in frames:
                    frame.pts = None
                    take(resampler.resample(frame))
                if total > limit:
                    raise AudioError(
                        path,
                        f"the recording is longer than the {format_duration(max_audio_seconds)} limit "
                        "(FRONTDOOR_MAX_AUDIO_SECONDS); split it into parts",
                    )
            take(resampler.resample(None))
    except av.error.FFmpegError as exc:
        raise AudioError(
            path,
            f"is damaged or cut short: decoding failed after {format_duration(total / SAMPLE_RATE)} ({exc}); "
            "export the call again",
        ) from exc
    if total == 0:
        raise AudioError(path, "contains no audio samples (zero length); export or copy the recording again")
    decoded = total / SAMPLE_RATE
    if info.duration is not None and decoded < info.duration - max(TRUNCATION_TOLERANCE_S, 0.02 * info.duration):
        raise AudioError(
            path,
            f"is cut short: its header says {format_duration(info.duration)} but only {format_duration(decoded)} "
            "of audio could be read; copy or export the file again",
        )
    if packets and damaged / packets > MAX_DAMAGED_SHARE:
        raise AudioError(
            path, f"is damaged: {damaged} of {packets} audio packets could not be decoded; export the call again"
        )
    samples = np.concatenate(parts, axis=1).astype(np.float32, copy=False)
    notes = []
    if info.channels > 2:
        notes.append(f"{info.channels} channels mixed down to one")
    if damaged:
        notes.append(f"{damaged} damaged packet(s) skipped")
    return Recording(info, tuple(np.ascontiguousarray(row) for row in samples), damaged, notes)


def load_recording(path: Path, max_upload_mb: float, max_audio_seconds: float) -> Recording:
    info = probe_audio(path, max_upload_mb, max_audio_seconds)
    return decode(info, max_audio_seconds)
